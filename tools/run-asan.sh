#!/usr/bin/env bash
# Builds Esep with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and runs every
# test. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DESEP_SANITIZE=ON -DESEP_BENCH=OFF \
  >/dev/null
cmake --build build-asan --parallel "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build-asan && ctest --output-on-failure --parallel "$(nproc)" "$@"
