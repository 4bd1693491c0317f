#!/usr/bin/env bash
# Installs the Debian 12 packages Esep builds and runs with. Idempotent and quiet when all are present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  libabsl-dev libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libopencv-dev libzxing-dev libqrencode-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
  libusb-1.0-0-dev umockdev libumockdev-dev zlib1g-dev libdeflate-dev libzstd-dev libsqlite3-dev libsodium-dev libssl-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 nlohmann-json3-dev openssl poppler-utils
  help2man dpkg-dev file man-db systemd libp11-kit-dev softhsm2
  libcpp-httplib-dev gettext libboost-locale-dev postgresql libpq-dev chromium python3 bc
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if ((${#missing[@]})); then
  echo "esep: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Node.js runs the browser tests (tests/browser) against /usr/bin/chromium; Debian's own when the
# machine has none.
if ! command -v npm >/dev/null; then
  echo "esep: installing nodejs npm" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# The browser tests' packages, exactly as the lock file pins them; none downloads a browser.
browser_dir="$(dirname "$0")/../tests/browser"
stamp="$browser_dir/node_modules/.esep-lock.sha256"
want="$(sha256sum "$browser_dir/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "esep: installing the browser tests' npm packages" >&2
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$stamp"
fi
