#!/usr/bin/env bash
# The main job end to end on the embedded default: a simulated reader feeds rendered ballots to
# esepd, which reads, counts or returns each one; the commission's console runs the
# logic-and-accuracy test, opens the polls, closes them, prints the results, enters its protocol
# lines and makes the signed protocol final.
# Installs what is missing and builds first. Work files go to build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)" --target esep esepd >/dev/null

esep=build/tools/esep
esepd=build/tools/esepd
election=fixtures/elections/party-list-2021.json
demo=build/demo
rm -rf "$demo"
mkdir -p "$demo/test-deck" "$demo/live-deck"
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

wait_for_sheets() {  # wait until esepd has read N sheets in all
  for _ in $(seq 1 600); do
    local read
    read=$("$esep" poll status --socket "$socket" 2>/dev/null | sed -n 's/^sheets read: \([0-9]*\).*/\1/p')
    [ "${read:-0}" -ge "$1" ] && return 0
    sleep 0.1
  done
  echo "run-demo: esepd did not read $1 sheets in time" >&2
  return 1
}

start_daemon() {  # start_daemon DECK
  "$esepd" --election "$election" --precinct 1001 --data-dir "$demo/store" --socket "$socket" \
    --sim "$demo/$1" >>"$demo/esepd.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 100); do
    "$esep" poll status --socket "$socket" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "run-demo: esepd did not start; see $demo/esepd.log" >&2
  cat "$demo/esepd.log" >&2
  return 1
}
trap '[ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null || true' EXIT

echo "== logic-and-accuracy test (3 test ballots)"
start_daemon test-deck
"$esep" poll start-test --socket "$socket"
wait_for_sheets 3
"$esep" poll finish-test --socket "$socket"
"$esep" poll test-report --socket "$socket"
kill "$daemon" && wait "$daemon" || true

echo "== election day ($live_sheets sheets; the daemon restarts with its state)"
start_daemon live-deck
"$esep" poll open --socket "$socket"
wait_for_sheets $((3 + live_sheets))
"$esep" poll status --socket "$socket"
"$esep" poll close --socket "$socket"
"$esep" poll results --socket "$socket"

echo "== the commission enters its lines; the protocol is checked, signed and queued"
cat >"$demo/lines.json" <<'JSON'
{
  "voters_on_list": 1200,
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
"$esep" poll finalize --socket "$socket" --out "$demo/protocol.signed.pb"
kill "$daemon" && wait "$daemon" || true
daemon=

echo "== what esepd did with each sheet"
grep -E "sheet [0-9]+:" "$demo/esepd.log"
echo "== the live deck read again from the images, as an auditor would (exit 1: some refused)"
"$esep" interpret --election "$election" --precinct 1001 "$demo"/live-deck/*.png \
  | grep -E '^[^ ].*\.png: ' || true
echo "run-demo: done; the tally store is in $demo/store, the daemon's log in $demo/esepd.log"
