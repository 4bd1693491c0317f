#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) into build-fuzz/ and runs each for a short
# time from its seed corpus. Usage: tools/fuzz-smoke.sh [SECONDS_PER_TARGET] (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
tools/deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESEP_FUZZ=ON \
  -DESEP_BENCH=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz --target fuzz_all --parallel "$(nproc)"
status=0
for fuzzer in $(find build-fuzz/tests/fuzz -maxdepth 1 -type f -name '*_fuzzer' -perm -u+x | sort); do
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
