#!/usr/bin/env bash
# Keys in a token, end to end: the key ceremony makes the reader's and the centre's Ed25519 keys
# inside a SoftHSM2 token (esep key generate), esepd signs its protocol and esep-tabulator its
# receipt with them (never a key file), and the centre accepts the protocol and the reader
# stores the receipt. A wrong PIN, a PIN file others can read and another token key than the
# published one stop esepd before it counts anything.
# Usage: esepd_token_key_test.sh ESEP ESEPD ESEP_TABULATOR
set -euo pipefail
esep=$1
esepd=$2
tabulator=$3
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d)
source "$(dirname "$0")/esepd_test_lib.sh"
trap 'for p in ${daemon:-} ${centre:-}; do kill -9 "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

export SOFTHSM2_CONF=$work/softhsm2.conf
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nlog.level = ERROR\n' "$work/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label esep-box --so-pin 31415 --pin 271828 >/dev/null
softhsm2-util --init-token --free --label esep-centre --so-pin 31415 --pin 161803 >/dev/null
(umask 077 && echo 271828 >"$work/box.pin" && echo 161803 >"$work/centre.pin")
box_key=(--pkcs11-token esep-box --pkcs11-key reader --pkcs11-pin-file "$work/box.pin")
centre_key=(--pkcs11-token esep-centre --pkcs11-key receipts --pkcs11-pin-file "$work/centre.pin")

# The ceremony: keys made inside the tokens, public keys written out.
"$esep" key generate "${box_key[@]}" --out "$work/reader.pub" >"$work/ceremony.log" ||
  fail "esep key generate: $(cat "$work/ceremony.log")"
grep -q 'PKCS#11 token "esep-box", key "reader"' "$work/ceremony.log" || fail "$(cat "$work/ceremony.log")"
"$esep" key generate "${box_key[@]}" --out "$work/again.pub" 2>"$work/again.err" &&
  fail "a second key under the same label was made"
grep -q 'already holds a key labelled "reader"' "$work/again.err" || fail "$(cat "$work/again.err")"
[ "$("$esep" key show "${box_key[@]}" | sed -n 's/^public key //p')" = "$(cat "$work/reader.pub")" ] ||
  fail "esep key show does not give the generated public key"

render_presidential_deck 3
calibrate_reader
tools/make-certs.sh "$work/certs" SIM-0001 >/dev/null 2>&1
"$esep" key generate "${centre_key[@]}" --out "$work/centre-key.pub" >/dev/null
"$tabulator" init --data-dir "$work/centre" --election "$election" "${centre_key[@]}" >"$work/init.log"
[ "$(cat "$work/centre/centre.key.pub")" = "$(cat "$work/centre-key.pub")" ] ||
  fail "the centre published another key than its token's"
grep -q 'PKCS#11 token "esep-centre"' "$work/init.log" || fail "init: $(cat "$work/init.log")"
[ ! -e "$work/centre/centre.key" ] || fail "the centre made a key file although its key is in a token"

# esepd set up with the token key: it publishes the token's key, writes no key file.
start test "${box_key[@]}"
grep -q 'signing key .*PKCS#11 token "esep-box", key "reader"' "$work/esepd.log" ||
  fail "esepd does not sign with the token: $(grep 'signing key' "$work/esepd.log")"
[ ! -e "$work/store/keys/reader.key" ] || fail "esepd made a key file although its key is in a token"
[ "$(cat "$work/store/keys/reader.key.pub")" = "$(cat "$work/reader.pub")" ] ||
  fail "esepd published another key than the token's"
poll start-test >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
poll finish-test >/dev/null
kill "$daemon"; wait "$daemon" || true
daemon=

# What must stop esepd before it counts: a wrong PIN, a PIN file others can read, another key.
echo 000000 >"$work/wrong.pin"; chmod 600 "$work/wrong.pin"
refused() {  # refused WHAT EXPECTED-MESSAGE [flags...]
  local what=$1 expected=$2
  shift 2
  set +e
  "$esepd" --election "$election" --precinct 1001 --data-dir "$work/store" --socket "$socket" \
    --sim "$work/live" --calibration "$work/calibration.pb" "$@" >"$work/refused.log" 2>&1
  local status=$?
  set -e
  [ "$status" = 3 ] || fail "$what: esepd exited $status, not 3: $(cat "$work/refused.log")"
  grep -q "$expected" "$work/refused.log" || fail "$what: $(cat "$work/refused.log")"
}
refused "wrong PIN" "the PIN is wrong" --pkcs11-token esep-box --pkcs11-key reader \
  --pkcs11-pin-file "$work/wrong.pin"
chmod 644 "$work/box.pin"
refused "readable PIN file" "may be read by others" "${box_key[@]}"
chmod 600 "$work/box.pin"
"$esep" key generate --pkcs11-token esep-box --pkcs11-key other --pkcs11-pin-file "$work/box.pin" \
  --out "$work/other.pub" >/dev/null
refused "another key" "not the published key" --pkcs11-token esep-box --pkcs11-key other \
  --pkcs11-pin-file "$work/box.pin"

"$tabulator" register-reader --data-dir "$work/centre" --precinct 1001 --serial SIM-0001 \
  --public-key "$work/reader.pub" --certificate "$work/certs/reader-SIM-0001.pem" >/dev/null
"$tabulator" serve --data-dir "$work/centre" --listen 127.0.0.1:0 --cert "$work/certs/centre.pem" \
  --key "$work/certs/centre.key" --client-ca "$work/certs/ca.pem" --port-file "$work/centre.port" \
  "${centre_key[@]}" >>"$work/centre.log" 2>&1 &
centre=$!
for _ in $(seq 1 200); do [ -s "$work/centre.port" ] && break; sleep 0.05; done
[ -s "$work/centre.port" ] || fail "the centre did not start: $(cat "$work/centre.log")"
grep -q 'receipts signed by key .*(PKCS#11 token "esep-centre", key "receipts")' "$work/centre.log" ||
  fail "the centre does not sign with its token: $(cat "$work/centre.log")"

start live "${box_key[@]}" --centre "127.0.0.1:$(cat "$work/centre.port")" \
  --centre-ca "$work/certs/ca.pem" --centre-key "$work/centre/centre.key.pub" \
  --client-cert "$work/certs/reader-SIM-0001.pem" --client-key "$work/certs/reader-SIM-0001.key"
poll open >/dev/null
close_and_finalize 3
for _ in $(seq 1 600); do poll status | grep -q "delivered" && break; sleep 0.05; done
poll status | grep -q "protocol revision 1 delivered; the centre's receipt is stored" ||
  fail "not delivered: $(poll status)"
"$tabulator" protocols --data-dir "$work/centre" | grep -Eq " 1001 +- +1 +FINAL +SIM-0001 " ||
  fail "the centre does not hold the protocol: $("$tabulator" protocols --data-dir "$work/centre")"
# The centre shows which software counted the precinct and that its key is in a token.
version=$("$esepd" --version | head -n 1 | sed 's/^esepd (Esep) //')
commit=$("$esepd" --version | sed -n 's/^source commit \(.\{12\}\).*/\1/p')
"$tabulator" protocols --data-dir "$work/centre" |
  grep -q "esepd $version, commit $commit.*, executable [0-9a-f]\{12\}  PKCS#11 token \"esep-box\", key \"reader\"" ||
  fail "the centre does not name the software and key: $("$tabulator" protocols --data-dir "$work/centre")"
kill "$daemon"; wait "$daemon" || true
daemon=
kill "$centre"; wait "$centre" || true
centre=
echo "1 passed, 0 failed"
