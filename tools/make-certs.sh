#!/usr/bin/env bash
# Makes the certificates of a mutual-TLS test or demo set-up in DIR (openssl CLI):
#   ca.pem / ca.key              one certificate authority for the centre and the readers
#   centre.pem / centre.key      the centre's server certificate for localhost and 127.0.0.1
#   reader-SERIAL.pem / .key     a client certificate per reader serial, CN = the serial
#   stranger.pem / stranger.key  a client certificate signed by the CA but registered nowhere
# Usage: tools/make-certs.sh DIR [SERIAL...]   (default serial: ESEP-0001)
# TLS keys are ECDSA P-256 (the protocol signatures are Ed25519, apart from TLS). For tests and
# demonstrations only: a real election's CA key never sits next to its certificates.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [SERIAL...]" >&2
  exit 2
fi
dir=$1
shift
serials=("$@")
[ ${#serials[@]} -gt 0 ] || serials=(ESEP-0001)
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=Esep test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem 2>/dev/null

# sign NAME CN EXTENSIONS
sign() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  printf '%b' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign centre localhost "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
client="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
for serial in "${serials[@]}"; do
  sign "reader-$serial" "$serial" "$client"
done
sign stranger stranger "$client"
rm -f ca.srl
chmod 0644 ./*.pem
