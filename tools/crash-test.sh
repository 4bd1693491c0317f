#!/bin/sh
# The full crash-injection run: election days killed with SIGKILL at N points (default 1000), then
# election days whose storage fills up, turns read-only or fails with I/O errors at M points
# (default 600), each checked after every restart (tests/scanner/crash_injection_test.cc). Each
# part prints its kills or faults by site, by kind and by phase of the day. CI runs smaller counts.
# Usage: tools/crash-test.sh [N [M]]    (BUILD_DIR selects the build directory, default build)
set -eu
n="${1:-1000}"
m="${2:-600}"
build="${BUILD_DIR:-build}"
cd "$(dirname "$0")/.."
ninja -C "$build" crash_injection_test
start=$(date +%s)
ESEP_CRASH_POINTS="$n" ESEP_STORAGE_FAULTS="$m" "$build/tests/scanner/crash_injection_test"
echo "crash-test: $n kill points and $m storage faults requested, wall time $(( $(date +%s) - start )) s"
