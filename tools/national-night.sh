#!/usr/bin/env bash
# A simulated election night at national scale (issue: an election day as it really is): every
# precinct's signed protocols of every ballot kind (esep-night prepare, drawn from the published
# 2021 shares with noise) are delivered to a running centre (esep-tabulator serve) over gRPC with
# mutual TLS, while the centre is killed (SIGKILL) and restarted twice mid-delivery; the readers
# resend until each protocol has its receipt. Then the centre's national results are checked
# against the drawn tallies. Prints the time of the whole night, protocols/s end to end and the
# centre's peak memory. Not a CI step: docs/BENCHMARKS.md holds its figures.
# An undisturbed night over the same protocols, in the same run, is the reference.
# Usage: tools/national-night.sh [ELECTION.json] [BUILD_DIR]
#   default: fixtures/elections/national-november-2021.json, build
# $NIGHT_RATE, when set, paces the delivery at that many protocols a second (a small election
# would otherwise be delivered before the first outage).
set -euo pipefail
cd "$(dirname "$0")/.."
election=${1:-fixtures/elections/national-november-2021.json}
build=${2:-build}
tabulator=$build/tools/esep-tabulator
night=$build/tools/night/esep-night
for program in "$tabulator" "$night"; do
  [ -x "$program" ] || { echo "national-night: build $program first (cmake --build $build)" >&2; exit 2; }
done
work=$(mktemp -d)
centre=
trap 'if [ -n "$centre" ]; then kill -9 "$centre" 2>/dev/null || true; fi; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
peak_kb=0
note_peak() {  # the centre's high-water mark of resident memory, before it goes
  local hwm
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$centre/status" 2>/dev/null || echo 0)
  [ "${hwm:-0}" -gt "$peak_kb" ] && peak_kb=$hwm
  return 0
}
start_centre() {  # start_centre LISTEN
  rm -f "$work/port"
  "$tabulator" serve --data-dir "$work_centre" --listen "$1" --cert "$work/certs/centre.pem" \
    --key "$work/certs/centre.key" --client-ca "$work/certs/ca.pem" --port-file "$work/port" \
    >>"$work/centre.log" 2>&1 &
  centre=$!
  for _ in $(seq 1 600); do [ -s "$work/port" ] && return 0; sleep 0.05; done
  echo "national-night: the centre did not start: $(tail -5 "$work/centre.log")" >&2
  exit 1
}

t0=$(date +%s.%N)
tools/make-certs.sh "$work/certs" R1 >/dev/null
"$night" prepare --election "$election" --out "$work/night" | tee "$work/prepare.txt"
kinds=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("ballot_kinds", [])))' "$election")
prepared=$(sed -n 's/^prepared \([0-9]*\) signed protocols.*/\1/p' "$work/prepare.txt")

# How many protocols the running centre has stored (its SQLite store in WAL mode: a reader
# beside the centre neither waits for it nor stops it).
stored_now() {
  sqlite3 -cmd '.timeout 5000' "$work_centre/tabulation.db" 'SELECT count(*) FROM protocols' \
    2>/dev/null || echo 0
}

# night NAME OUTAGES: a fresh centre receives every protocol; with OUTAGES it is killed (SIGKILL)
# that many times mid-ingest, the k-th time once it has stored k/(OUTAGES+1) of the protocols,
# and comes back two seconds later each time.
night() {
  local name=$1 outages=$2
  work_centre=$work/centre-$name
  "$tabulator" init --data-dir "$work_centre" --election "$election" >/dev/null
  "$tabulator" register-readers --data-dir "$work_centre" --file "$work/night/readers.csv" \
    --certificate "$work/certs/reader-R1.pem" >/dev/null
  start_centre 127.0.0.1:0
  port=$(cat "$work/port")
  t1=$(date +%s.%N)
  "$night" deliver --protocols "$work/night/protocols.pb" --centre "127.0.0.1:$port" \
    --tls-dir "$work/certs" --connections 8 --rate "${NIGHT_RATE:-0}" >"$work/deliver-$name.txt" &
  deliver=$!
  for outage in $(seq 1 "$outages"); do
    # Read only while the centre runs: after a kill its own restart recovers the store.
    local target=$((prepared * outage / (outages + 1))) stored
    while :; do
      if ! kill -0 "$deliver" 2>/dev/null; then
        echo "national-night: every protocol was delivered before outage $outage (NIGHT_RATE paces a small election)" >&2
        exit 1
      fi
      stored=$(stored_now)
      [ "$stored" -ge "$target" ] && break
      sleep 0.02
    done
    note_peak
    kill -9 "$centre"; wait "$centre" 2>/dev/null || true
    echo "$name: outage $outage, centre killed (SIGKILL) at $(printf '%.1f' "$(echo "$(date +%s.%N) - $t1" | bc)") s with $stored of $prepared protocols stored just before"
    sleep 2
    start_centre "127.0.0.1:$port"
  done
  wait "$deliver" || { cat "$work/deliver-$name.txt"; echo "national-night: delivery failed" >&2; exit 1; }
  t2=$(date +%s.%N)
  echo "$name: $(cat "$work/deliver-$name.txt")"
  note_peak
  "$tabulator" results --data-dir "$work_centre" --json >"$work/results-$name.json"
  "$night" check --expected "$work/night/expected.json" --results "$work/results-$name.json"
  t3=$(date +%s.%N)
  kill "$centre"; wait "$centre" || true
  centre=
  "$tabulator" protocols --data-dir "$work_centre" >"$work/protocols-$name.txt"
  stored=$(($(wc -l <"$work/protocols-$name.txt") - 1))
  echo "$name: stored protocols: $stored"
  [ "$stored" = "$prepared" ] || { echo "national-night: $prepared protocols prepared, $stored stored" >&2; exit 1; }
  # Each row names its ballot kind (the fourth column): every protocol of a day with kinds has one.
  echo "$name: stored per ballot kind: $(tail -n +2 "$work/protocols-$name.txt" | awk '{print $4}' | sort | uniq -c | awk '{printf "%s %s; ", $2, $1}')"
  if [ "$kinds" -gt 0 ] && tail -n +2 "$work/protocols-$name.txt" | awk '{print $4}' | grep -qx -- -; then
    echo "national-night: a stored protocol names no ballot kind" >&2
    exit 1
  fi
  deliver_s=$(echo "$t2 - $t1" | bc)
  results_s=$(echo "$t3 - $t2" | bc)
}

night reference 0
reference_s=$deliver_s
night outages 2
printf 'night with two outages: %.1f s delivering, %.1f s results and check; undisturbed reference in the same run: %.1f s delivering; ratio %.2f\n' \
  "$deliver_s" "$results_s" "$reference_s" "$(echo "$deliver_s / $reference_s" | bc -l)"
printf 'everything (prepare, both nights, checks): %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
echo "centre peak resident memory: $((peak_kb / 1024)) MiB"
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
