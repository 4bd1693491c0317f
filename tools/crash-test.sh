#!/bin/sh
# The full crash-injection run: an election day killed with SIGKILL at N points (default 1000),
# checked after every restart (tests/scanner/crash_injection_test.cc). CI runs a smaller count.
# Usage: tools/crash-test.sh [N]    (BUILD_DIR selects the build directory, default build)
set -eu
n="${1:-1000}"
build="${BUILD_DIR:-build}"
cd "$(dirname "$0")/.."
ninja -C "$build" crash_injection_test
start=$(date +%s)
ESEP_CRASH_POINTS="$n" "$build/tests/scanner/crash_injection_test"
echo "crash-test: $n kill points requested, wall time $(( $(date +%s) - start )) s"
