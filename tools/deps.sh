#!/usr/bin/env bash
# Installs the Debian 12 packages Esep builds and runs with. Idempotent and quiet when all are present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  libabsl-dev libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libopencv-dev libzxing-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
  libusb-1.0-0-dev umockdev libumockdev-dev zlib1g-dev libdeflate-dev libzstd-dev libsqlite3-dev libsodium-dev libssl-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 nlohmann-json3-dev openssl poppler-utils
  help2man dpkg-dev file man-db systemd libp11-kit-dev softhsm2
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "esep: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
