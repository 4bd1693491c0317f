#!/usr/bin/env bash
# Installs what is missing, builds Esep into build/ and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)"
cd build && ctest --output-on-failure --parallel "$(nproc)" "$@"
