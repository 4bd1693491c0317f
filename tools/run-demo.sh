#!/usr/bin/env bash
# The main job end to end on the embedded default: a simulated reader feeds rendered ballots to
# esepd, which reads, counts or returns each one; the commission's console runs the
# logic-and-accuracy test, opens the polls, closes them, prints the results, enters its protocol
# lines and makes the signed protocol final. Then the day of 28 November 2021 with two ballots
# per voter (tools/run-demo-november.sh).
# Installs what is missing and builds first. Work files go to build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)" --target esep esepd esep-tabulator >/dev/null

esep=build/tools/esep
esepd=build/tools/esepd
tabulator=build/tools/esep-tabulator
demo=build/demo
rm -rf "$demo"
mkdir -p "$demo/test-deck" "$demo/live-deck"
# The party-list election, naming its public results site: the printed protocol's QR codes open
# its verifier page (docs/observer-qr.md). The demo serves the site on loopback port 8080.
election=$demo/party-list-2021.json
python3 -c 'import json, sys; e = json.load(open(sys.argv[1])); e["results_site_url"] = "http://127.0.0.1:8080/"; json.dump(e, open(sys.argv[2], "w"), ensure_ascii=False, indent=1)' \
  fixtures/elections/party-list-2021.json "$election"
socket="$PWD/$demo/esepd.sock"

render() {  # render DECK NAME [render flags...]
  local deck=$1 name=$2
  shift 2
  "$esep" render --election "$election" --style list --dpi 200 --out "$demo/$deck/$name.png" "$@" \
    >/dev/null
}

echo "== printing ballots"
render test-deck 01-test --precinct 1001 --test --mark ata-jurt --mark-style filled --seed 1
render test-deck 02-test --precinct 1001 --test --mark ishenim --mark-style cross --seed 2
render test-deck 03-test --precinct 1001 --test --mark against-all --mark-style check --seed 3
i=0
for vote in ata-jurt:filled ata-jurt:cross ishenim:check yntymak:filled alyans:line \
            ata-jurt:check butun-kyrgyzstan:filled yiman-nuru:cross ishenim:filled \
            ata-meken:partial ata-jurt:filled azattyk:check against-all:cross yntymak:check; do
  i=$((i + 1))
  render live-deck "$(printf '%02d' "$i")-vote" --precinct 1001 --mark "${vote%%:*}" \
    --mark-style "${vote##*:}" --seed "$i" $([ $((i % 4)) = 0 ] && echo --degrade)
done
render live-deck 20-overvote --precinct 1001 --mark ata-jurt,against-all --mark-style filled --seed 20
render live-deck 21-blank --precinct 1001 --seed 21
render live-deck 22-other-precinct --precinct 2001 --mark ishenim --mark-style filled --seed 22
render live-deck 23-test-ballot --precinct 1001 --test --mark alyans --mark-style filled --seed 23
live_sheets=$(ls "$demo/live-deck" | wc -l)

source tools/demo-lib.sh

echo "== the technician calibrates the reader with the calibration sheet"
"$esep" render --calibration-sheet --out "$demo/calibration-sheet.png" >/dev/null
"$esep" calibrate --reader --sim "$demo/calibration-sheet.png" --out "$demo/calibration.pb" \
  --report "$demo/calibration-report.png" | tail -2

echo "== the key ceremony: the reader's and the centre's signing keys are made inside tokens"
# SoftHSM2 stands in for the box's secure element and the centre's hardware security module; the
# private keys never leave them (docs/install.md, "Keys in a token").
export SOFTHSM2_CONF="$PWD/$demo/softhsm2.conf"
mkdir -p "$demo/tokens"
printf 'directories.tokendir = %s\nlog.level = ERROR\n' "$PWD/$demo/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label esep-box-1001 --so-pin 31415926 --pin 1001 >/dev/null
softhsm2-util --init-token --free --label esep-centre --so-pin 31415926 --pin 2021 >/dev/null
(umask 077 && echo 1001 >"$demo/box.pin" && echo 2021 >"$demo/centre.pin")
reader_key=(--pkcs11-token esep-box-1001 --pkcs11-key reader --pkcs11-pin-file "$demo/box.pin")
centre_key=(--pkcs11-token esep-centre --pkcs11-key receipts --pkcs11-pin-file "$demo/centre.pin")
"$esep" key generate "${reader_key[@]}" --out "$demo/reader-1001.pub"
"$esep" key generate "${centre_key[@]}" --out "$demo/centre-receipts.pub"

echo "== the tabulation centre: certificates, its election and its receipt key (in its token)"
tools/make-certs.sh "$demo/certs" SIM-0001
"$tabulator" init --data-dir "$demo/centre" --election "$election" "${centre_key[@]}"

echo "== logic-and-accuracy test (3 test ballots)"
start_daemon test-deck
"$esep" poll start-test --socket "$socket"
# What the commission marked on the three test ballots: the test passes only when they are found.
"$esep" poll expect --socket "$socket" \
  --votes parliament-list/ata-jurt=1,parliament-list/ishenim=1,parliament-list/against-all=1
wait_for_sheets 3
"$esep" poll finish-test --socket "$socket"
"$esep" poll test-report --socket "$socket"
kill "$daemon" && wait "$daemon" || true

echo "== the centre registers the reader's key and certificate, and listens"
"$tabulator" register-reader --data-dir "$demo/centre" --precinct 1001 --serial SIM-0001 \
  --public-key "$demo/store/keys/reader.key.pub" --certificate "$demo/certs/reader-SIM-0001.pem"
"$tabulator" serve --data-dir "$demo/centre" --listen 127.0.0.1:0 --cert "$demo/certs/centre.pem" \
  --key "$demo/certs/centre.key" --client-ca "$demo/certs/ca.pem" --port-file "$demo/centre.port" \
  --site "$demo/site" "${centre_key[@]}" >>"$demo/centre.log" 2>&1 &
centre=$!
for _ in $(seq 1 100); do [ -s "$demo/centre.port" ] && break; sleep 0.1; done
port=$(cat "$demo/centre.port")

echo "== election day ($live_sheets sheets; the daemon restarts with its state)"
start_daemon live-deck --centre "127.0.0.1:$port" --centre-ca "$demo/certs/ca.pem" \
  --centre-key "$demo/centre/centre.key.pub" --client-cert "$demo/certs/reader-SIM-0001.pem" \
  --client-key "$demo/certs/reader-SIM-0001.key" --screen 127.0.0.1:0 --screen-assets scanner/screen
# The box's screen while this esepd runs (docs/esepd.md, "The box's screen").
echo "the box's screen: open $(sed -n "s/^esepd: the box's screen is at //p" "$demo/esepd.log" | tail -1)"
"$esep" poll open --socket "$socket"
wait_for_sheets $((3 + live_sheets))
"$esep" poll status --socket "$socket"
"$esep" poll close --yes --socket "$socket"
"$esep" poll results --socket "$socket"

echo "== the commission enters its lines; the protocol is checked, signed and queued"
cat >"$demo/lines.json" <<'JSON'
{
  "voters_on_list": 2150,
  "ballots_received": 1500,
  "ballots_issued_in_room": 14,
  "ballots_issued_outside": 2,
  "ballots_cancelled": 1484,
  "ballots_in_mobile_boxes": 2,
  "mobile_box_counts": [
    {"contest_id": "parliament-list", "invalid_ballots": 0,
     "options": [{"option_id": "ata-jurt", "votes": 1}, {"option_id": "ishenim", "votes": 1}]}
  ]
}
JSON
"$esep" poll lines --file "$demo/lines.json" --socket "$socket" >/dev/null
"$esep" poll draft --socket "$socket" --election "$election" --pdf "$demo/protocol-draft.pdf" \
  >/dev/null
"$esep" poll finalize --yes --socket "$socket" --out "$demo/protocol.signed.pb" >/dev/null
for _ in $(seq 1 100); do
  "$esep" poll status --socket "$socket" | grep -q "delivered" && break
  sleep 0.1
done
"$esep" poll protocol --socket "$socket" --election "$election" --pdf "$demo/protocol.pdf" \
  --png "$demo/protocol.png"
kill "$daemon" && wait "$daemon" || true
daemon=

echo "== the tabulation centre: what arrived, and the results recomputed from it"
"$tabulator" protocols --data-dir "$demo/centre"
"$tabulator" results --data-dir "$demo/centre" --nist "$demo/results-nist-1500-100.json"
kill "$centre" && wait "$centre" || true
centre=

echo "== the public results site, republished by the centre after the protocol arrived"
"$tabulator" site --data-dir "$demo/centre" --site "$demo/site" "${centre_key[@]}"
"$tabulator" serve-site --site "$demo/site" --listen 127.0.0.1:8080 --port-file "$demo/site.port" \
  >>"$demo/site.log" 2>&1 &
site=$!
for _ in $(seq 1 100); do [ -s "$demo/site.port" ] && break; sleep 0.1; done
node tests/browser/demo-screenshots.mjs "http://127.0.0.1:8080" "$demo" 1001
kill "$site" && wait "$site" || true
echo "open $PWD/$demo/site/current/ky/index.html (static files: any web server can serve"
echo "$demo/site/current), or: $tabulator serve-site --site $demo/site --listen 127.0.0.1:8080"
echo "and then http://127.0.0.1:8080/ky/index.html"

echo "== an observer checks the printed protocol's QR codes against the reader's published key"
"$esep" verify --key "$demo/store/keys/reader.key.pub" --election "$election" "$demo"/protocol*.png

echo "== an auditor exports the precinct's data and proves it from the ballot images"
"$esep" export --data-dir "$demo/store" --election "$election" --precinct 1001 \
  --out "$demo/bundle" >/dev/null
"$esep" replay --election "$election" --against "$demo/bundle" "$demo/bundle" \
  --key "$demo/store/keys/reader.key.pub" | tail -3
daemon=

echo "== what esepd did with each sheet"
grep -E "sheet [0-9]+:" "$demo/esepd.log"
echo "== the live deck read again from the images, as an auditor would (exit 1: some refused)"
"$esep" interpret --election "$election" --precinct 1001 "$demo"/live-deck/*.png \
  | grep -E '^[^ ].*\.png: ' || true
echo "run-demo: done; the tally store is in $demo/store, the daemon's log in $demo/esepd.log,"
echo "the printed protocol in $demo/protocol.pdf, the centre's store in $demo/centre"

echo "== the box's screen, screen by screen: a day at the screen alone (PNGs in $demo/screen_election_day/)"
ESEP_BUILD_DIR=build ESEP_SCREENSHOT_DIR="$demo" node tests/browser/screen_election_day.test.mjs

echo "== the election day of 28 November 2021: a party-list and a district ballot per voter"
tools/run-demo-november.sh
