#!/usr/bin/env bash
# Installs what is missing, builds Esep into build/ and runs every test with ctest.
# Also builds the libFuzzer targets with clang and runs each briefly (ESEP_FUZZ_SECONDS, default
# 15; 0 skips). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
if [ "${ESEP_FUZZ_SECONDS:-15}" != 0 ]; then
  tools/fuzz-smoke.sh "${ESEP_FUZZ_SECONDS:-15}"
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)"
cd build && ctest --output-on-failure --parallel "$(nproc)" "$@"
