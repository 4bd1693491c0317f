#!/usr/bin/env bash
# The election day of 28 November 2021 end to end: every voter receives a party-list ballot and a
# single-mandate district ballot and feeds both, in either order, into the same reader. esepd
# counts each kind apart; the commission fills in one protocol per kind; both are signed and
# delivered to the tabulation centre, which shows the list and the district results.
# Run by tools/run-demo.sh after the single-ballot day, or alone once esep, esepd and
# esep-tabulator are built. Work files go to build/demo-november/.
set -euo pipefail
cd "$(dirname "$0")/.."

esep=build/tools/esep
esepd=build/tools/esepd
tabulator=build/tools/esep-tabulator
election=fixtures/elections/november-2021.json
demo=build/demo-november
rm -rf "$demo"
mkdir -p "$demo/test-deck" "$demo/live-deck"
socket="$PWD/$demo/esepd.sock"

render() {  # render DECK NAME STYLE [render flags...]
  local deck=$1 name=$2 style=$3
  shift 3
  "$esep" render --election "$election" --style "$style" --precinct 1001 --dpi 200 \
    --out "$demo/$deck/$name.png" "$@" >/dev/null
}

echo "== printing ballots of both kinds (party list, district 1)"
render test-deck 01-test-list list --test --mark ata-jurt --mark-style filled --seed 1
render test-deck 02-test-district district-1 --test --mark bekova --mark-style cross --seed 2
# Each voter feeds both sheets, some the list first, some the district first.
i=0
for voter in ata-jurt:bekova ishenim:asanov omurov:ata-jurt yntymak:against-all \
             kasymova:alyans ata-jurt:bekova butun-kyrgyzstan:sydykov bekova:ishenim; do
  for mark in "${voter%%:*}" "${voter##*:}"; do
    i=$((i + 1))
    case "$mark" in
      asanov|bekova|dzhumabaev|kasymova|omurov|sydykov) style=district-1 ;;
      against-all) style=district-1 ;;
      *) style=list ;;
    esac
    render live-deck "$(printf '%02d' "$i")-$style" "$style" --mark "$mark" --mark-style filled \
      --seed "$((100 + i))"
  done
done
i=$((i + 1))
render live-deck "$(printf '%02d' "$i")-list-overvote" list --mark ata-jurt,ishenim \
  --mark-style filled --seed "$((100 + i))"
live_sheets=$(ls "$demo/live-deck" | wc -l)

source tools/demo-lib.sh

echo "== the technician calibrates the reader"
"$esep" render --calibration-sheet --out "$demo/calibration-sheet.png" >/dev/null
"$esep" calibrate --reader --sim "$demo/calibration-sheet.png" --out "$demo/calibration.pb" \
  --report "$demo/calibration-report.png" | tail -1

echo "== the tabulation centre for the day"
tools/make-certs.sh "$demo/certs" SIM-0001 >/dev/null
"$tabulator" init --data-dir "$demo/centre" --election "$election"

echo "== logic-and-accuracy test (a test ballot of each kind)"
start_daemon test-deck
"$esep" poll start-test --socket "$socket"
wait_for_sheets 2
"$esep" poll finish-test --socket "$socket"
"$esep" poll test-report --socket "$socket" | grep -E "^(ballots cast|  of kind|NOT TESTED)"
kill "$daemon" && wait "$daemon" || true

"$tabulator" register-reader --data-dir "$demo/centre" --precinct 1001 --serial SIM-0001 \
  --public-key "$demo/store/keys/reader.key.pub" --certificate "$demo/certs/reader-SIM-0001.pem"
"$tabulator" serve --data-dir "$demo/centre" --listen 127.0.0.1:0 --cert "$demo/certs/centre.pem" \
  --key "$demo/certs/centre.key" --client-ca "$demo/certs/ca.pem" --port-file "$demo/centre.port" \
  >>"$demo/centre.log" 2>&1 &
centre=$!
for _ in $(seq 1 100); do [ -s "$demo/centre.port" ] && break; sleep 0.1; done
port=$(cat "$demo/centre.port")

echo "== election day: $live_sheets sheets of both kinds in mixed order"
start_daemon live-deck --centre "127.0.0.1:$port" --centre-ca "$demo/certs/ca.pem" \
  --centre-key "$demo/centre/centre.key.pub" --client-cert "$demo/certs/reader-SIM-0001.pem" \
  --client-key "$demo/certs/reader-SIM-0001.key"
"$esep" poll open --socket "$socket" >/dev/null
wait_for_sheets $((2 + live_sheets))
"$esep" poll close --yes --socket "$socket"
"$esep" poll results --socket "$socket"

echo "== one protocol per ballot kind: lines, checks, signature, delivery"
for kind in list district; do
  cat >"$demo/lines-$kind.json" <<JSON
{"ballot_kind": "$kind", "voters_on_list": 2150, "ballots_received": 100,
 "ballots_issued_in_room": 8, "ballots_cancelled": 92}
JSON
  "$esep" poll lines --file "$demo/lines-$kind.json" --socket "$socket" >/dev/null
  "$esep" poll finalize --yes --kind "$kind" --socket "$socket" | grep -E "^(ballot|revision|L6) "
done
for _ in $(seq 1 100); do
  "$esep" poll status --socket "$socket" | grep -q "^poll state: transmitted" && break
  sleep 0.1
done
"$esep" poll status --socket "$socket"
kill "$daemon" && wait "$daemon" || true
daemon=

echo "== the tabulation centre: both protocols, the list and the district results"
"$tabulator" protocols --data-dir "$demo/centre"
"$tabulator" results --data-dir "$demo/centre"
kill "$centre" && wait "$centre" || true
centre=
echo "run-demo-november: done; the reader's store is in $demo/store, the centre's in $demo/centre"
