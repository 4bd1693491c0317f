#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) into build-fuzz/ and runs each for a short
# time from its seed corpus (tests/fuzz/corpus/NAME/). Every target of tests/fuzz/CMakeLists.txt
# runs: election_json, reader_frame, interpreter, commission_lines, qr_parts, calibration,
# tabulator_request, gray_png, bundle (audit bundles as `esep replay` reads them),
# audit_records (pulled sheets and hand counts as auditors type them), site_paths (the results
# site's URL paths and manifests) and screen_request (the JSON bodies of the box's screen).
# Usage: tools/fuzz-smoke.sh [SECONDS_PER_TARGET] [NAME_fuzzer...]
# (default 20 seconds, every target; naming targets builds and runs only those).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
tools/deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESEP_FUZZ=ON \
  -DESEP_BENCH=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
if [ $# -gt 0 ]; then
  cmake --build build-fuzz --target "$@" --parallel "$(nproc)"
  fuzzers=$(for name in "$@"; do echo "build-fuzz/tests/fuzz/$name"; done)
else
  cmake --build build-fuzz --target fuzz_all --parallel "$(nproc)"
  fuzzers=$(find build-fuzz/tests/fuzz -maxdepth 1 -type f -name '*_fuzzer' -perm -u+x | sort)
fi
status=0
for fuzzer in $fuzzers; do
  name=$(basename "$fuzzer")
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
       "$work" >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; see build-fuzz/$name.log" >&2
    tail -40 "build-fuzz/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units" "build-fuzz/$name.log" || true
  fi
  rm -rf "$work"
done
exit $status
