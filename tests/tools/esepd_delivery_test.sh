#!/usr/bin/env bash
# The tabulation centre's server goes down during the count, esepd loses power while its final
# protocol is still undelivered, and the centre comes back: the protocol survives in the outbox,
# is delivered once the centre answers again, the receipt is stored, and the centre holds the
# protocol once. Then the reader is revoked at the centre and its correction is refused. Real binaries: esepd, esep and esep-tabulator over mutual TLS.
# Usage: esepd_delivery_test.sh ESEP ESEPD ESEP_TABULATOR
set -euo pipefail
esep=$1
esepd=$2
tabulator=$3
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
source "$(dirname "$0")/esepd_test_lib.sh"
trap 'for p in ${daemon:-} ${centre:-}; do kill -9 "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

start_centre() {  # start_centre PORT (0: any free port)
  rm -f "$work/centre.port"
  "$tabulator" serve --data-dir "$work/centre" --listen "127.0.0.1:$1" \
    --cert "$work/certs/centre.pem" --key "$work/certs/centre.key" \
    --client-ca "$work/certs/ca.pem" --port-file "$work/centre.port" >>"$work/centre.log" 2>&1 &
  centre=$!
  for _ in $(seq 1 200); do [ -s "$work/centre.port" ] && return 0; sleep 0.05; done
  fail "the centre did not start: $(cat "$work/centre.log")"
}
received() {  # received protocols at the centre, one line each
  "$tabulator" protocols --data-dir "$work/centre" | tail -n +2
}
transmission() { poll status | grep "^protocol revision" || true; }

render_presidential_deck 3
calibrate_reader
tools/make-certs.sh "$work/certs" SIM-0001 >/dev/null 2>&1
"$tabulator" init --data-dir "$work/centre" --election "$election" >/dev/null

start test
poll start-test >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
poll finish-test >/dev/null
kill "$daemon"; wait "$daemon" || true
"$tabulator" register-reader --data-dir "$work/centre" --precinct 1001 --serial SIM-0001 \
  --public-key "$work/store/keys/reader.key.pub" \
  --certificate "$work/certs/reader-SIM-0001.pem" >/dev/null

# The centre listens, then its server goes down before the precinct has counted.
start_centre 0
port=$(cat "$work/centre.port")
kill -9 "$centre"; wait "$centre" 2>/dev/null || true
centre=
# The reader knows two centre instances; the first one listed never answers (nothing listens on
# port 1), so every delivery also proves that the reader moves on to the next.
centre_flags=(--centre "127.0.0.1:1,127.0.0.1:$port" --centre-ca "$work/certs/ca.pem"
  --centre-key "$work/centre/centre.key.pub" --client-cert "$work/certs/reader-SIM-0001.pem"
  --client-key "$work/certs/reader-SIM-0001.key")

start live "${centre_flags[@]}"
poll open >/dev/null
close_and_finalize 4
sleep 2  # the delivery thread tries and fails at least once
transmission | grep -q "waiting for the centre's receipt" ||
  fail "the protocol should wait for the centre: $(transmission)"
grep -q "protocol not delivered yet, will retry" "$work/esepd.log" ||
  fail "esepd did not say that delivery failed"

# Power loss while the protocol is undelivered; the daemon comes back with its outbox.
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
start live "${centre_flags[@]}"
transmission | grep -q "revision 1 final, waiting" || fail "outbox lost over the restart: $(transmission)"

# The centre's server comes back on the same address: the protocol arrives, once.
start_centre "$port"
for _ in $(seq 1 600); do transmission | grep -q "delivered" && break; sleep 0.05; done
transmission | grep -q "protocol revision 1 delivered; the centre's receipt is stored" ||
  fail "not delivered after the centre came back: $(transmission)"
[ "$(received | wc -l)" = 1 ] || fail "the centre should hold one protocol: $(received)"
received | grep -Eq "^1 .* 1001 +- +1 +FINAL +SIM-0001 " || fail "unexpected protocol row: $(received)"

# A later restart keeps the receipt, and the centre still holds the one protocol.
kill "$daemon"; wait "$daemon" || true
start live "${centre_flags[@]}"
sleep 2
transmission | grep -q "delivered" || fail "the receipt was lost over a restart"
[ "$(received | wc -l)" = 1 ] || fail "the centre should still hold one protocol: $(received)"

# The reader is reported stolen and the centre revokes it: its next protocol (a correction) is
# refused with an alarm and waits in the outbox; what it delivered before stays.
"$tabulator" revoke-reader --data-dir "$work/centre" --precinct 1001 --serial SIM-0001 \
  --reason "reported stolen" >/dev/null
"$tabulator" readers --data-dir "$work/centre" | grep -q "SIM-0001 .*REVOKED .*(reported stolen)" ||
  fail "the reader is not listed as revoked: $("$tabulator" readers --data-dir "$work/centre")"
sed 's/"voters_on_list": 2150/"voters_on_list": 2149/' "$work/lines.json" >"$work/lines2.json"
poll lines --file "$work/lines2.json" >/dev/null
# The commission sees what the correction changes before signing it, and on its printed sheet.
poll draft | grep -q "^  L1         2150 -> 2149 " || fail "the draft does not show the change: $(poll draft)"
poll finalize --yes >/dev/null || fail "correction: $(poll draft)"
poll protocol --pdf "$work/correction.pdf" --election "$election" >/dev/null ||
  fail "the correction's sheet was not printed"
pdftotext "$work/correction.pdf" - >"$work/correction.txt"; grep -q "Changes from revision 1" "$work/correction.txt" ||
  fail "the printed correction does not list its changes"
alarms=
for _ in $(seq 1 200); do
  alarms=$("$tabulator" alarms --data-dir "$work/centre" || true)
  echo "$alarms" | grep -q "was revoked" && break
  sleep 0.05
done
echo "$alarms" | grep -q "PERMISSION_DENIED .*reader=SIM-0001 .*was revoked .*(reported stolen)" ||
  fail "no alarm for the revoked reader: $alarms"
transmission | grep -q "revision 2 final, waiting" || fail "the correction should wait: $(transmission)"
[ "$(received | wc -l)" = 1 ] || fail "the revoked reader's correction was stored: $(received)"
kill "$daemon"; wait "$daemon" || true
daemon=
kill "$centre"; wait "$centre" || fail "the centre did not stop cleanly on SIGTERM"
centre=
echo "1 passed, 0 failed"
