#!/usr/bin/env bash
# esepd on failing storage, and on a store rolled back, removed or without its signing key.
# - The data directory's file system turns read-only, fills up or fails with I/O errors at several
#   points of the day (the storage-fault layer preloaded into esepd): esepd says STORAGE FAULT,
#   takes no more paper, and after a restart on repaired storage the sheets in the box equal the
#   ballots counted.
# - A lost write-ahead log, a removed database, a missing key, a start on an empty directory: esepd
#   refuses with exit status 3 and says what is wrong; the key's .pub is never overwritten.
# Usage: esepd_storage_test.sh ESEP ESEPD FAULT_LIBRARY
set -euo pipefail
esep=$1
esepd=$2
fault_lib=$3
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
source "$(dirname "$0")/esepd_test_lib.sh"

# Under AddressSanitizer its runtime must come first in the preload list.
asan_runtime=$(ldd "$esepd" | awk '/libasan/ { print $3 }')
preload="${asan_runtime:+$asan_runtime }$fault_lib"

render_presidential_deck 8
calibrate_reader

# The reader set up and tested, polls not yet open: every run below starts from a copy of it.
logic_and_accuracy_test
cp -a "$work/store" "$work/ready"

box_count() {  # sheets in the box according to the simulated reader's paper file
  awk '{ hand = $4; print $(5 + hand) }' "$work/paper"
}
counted() { sqlite3 "$work/store/esep.db" "SELECT coalesce(sum(ballots_cast), 0) FROM counters WHERE test = 0"; }

faults=0
for mode in read-only full io-error; do
  for after in 0 4 12 30 80 250; do
    [ "$mode" = full ] && after=$((after * 9000))
    rm -rf "$work/store" "$work/paper"
    cp -a "$work/ready" "$work/store"
    : >"$work/esepd.log"
    ESEP_FAULT_DIR="$work/store" ESEP_FAULT_MODE=$mode ESEP_FAULT_AFTER=$after \
      LD_PRELOAD="$preload" "$esepd" --election "$election" --precinct 1001 \
      --data-dir "$work/store" --socket "$socket" --sim "$work/live" \
      --calibration "$work/calibration.pb" --sim-paper "$work/paper" >>"$work/esepd.log" 2>&1 &
    daemon=$!
    # On storage failing from the start, esepd may refuse to start at all: nothing was read.
    for _ in $(seq 1 200); do
      poll status >/dev/null 2>&1 && break
      kill -0 "$daemon" 2>/dev/null || break
      sleep 0.05
    done
    poll open >/dev/null 2>&1 || true
    for _ in $(seq 1 200); do
      kill -0 "$daemon" 2>/dev/null || break
      grep -q "STORAGE FAULT" "$work/esepd.log" && break
      [ "$(sheets_read 2>/dev/null || echo 0)" -ge 8 ] && break
      sleep 0.05
    done
    if grep -q "STORAGE FAULT" "$work/esepd.log"; then
      faults=$((faults + 1))
      poll status | grep -q "STORAGE FAULT" || fail "$mode after $after: poll status does not say so"
      # No more paper moves: the paper file stays as it is.
      before=$(cat "$work/paper" 2>/dev/null || true)
      sleep 0.5
      [ "$(cat "$work/paper" 2>/dev/null || true)" = "$before" ] ||
        fail "$mode after $after: the reader took paper after the storage failed"
    fi
    kill -9 "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
    daemon=
    # Repaired storage: the restart settles the sheet the fault interrupted.
    if [ -e "$work/paper" ]; then
      start live --sim-paper "$work/paper"
      poll status >/dev/null
      kill "$daemon"; wait "$daemon" || true
      daemon=
      [ "$(box_count)" = "$(counted)" ] ||
        fail "$mode after $after: $(box_count) sheets in the box, $(counted) counted"
    fi
  done
done
[ "$faults" -ge 9 ] || fail "only $faults of 18 storage faults were noticed"
echo "storage faults noticed and settled: $faults"

expect_refusal() {  # expect_refusal WHAT-IT-SAYS [esepd flags...]: exit 3, naming the problem
  local says=$1 status=0
  shift
  : >"$work/refused.log"
  "$esepd" --election "$election" --precinct 1001 --data-dir "$work/store" --socket "$socket" \
    --sim "$work/live" --calibration "$work/calibration.pb" "$@" >"$work/refused.log" 2>&1 ||
    status=$?
  [ "$status" = 3 ] || fail "expected exit status 3 ($says), got $status: $(cat "$work/refused.log")"
  grep -q "$says" "$work/refused.log" || fail "esepd did not say \"$says\": $(cat "$work/refused.log")"
}

# A store rolled back by a lost write-ahead log after a power loss.
rm -rf "$work/store" "$work/paper"
cp -a "$work/ready" "$work/store"
start live --sim-paper "$work/paper"
poll open >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 4 ] && break; sleep 0.05; done
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
daemon=
[ -s "$work/store/esep.db-wal" ] || fail "no write-ahead log after the kill"
mv "$work/store/esep.db-wal" "$work/wal"
rm -f "$work/store/esep.db-shm"
expect_refusal "rolled back"
mv "$work/wal" "$work/store/esep.db-wal"
start live --sim-paper "$work/paper"
poll status | grep -q "poll state: open" || fail "the store with its log back did not open"
kill "$daemon"; wait "$daemon" || true
daemon=

# The database removed: not replaced by an empty store, even when set-up is asked for.
mv "$work/store/esep.db" "$work/esep.db.kept"
rm -f "$work/store/esep.db-wal" "$work/store/esep.db-shm"
expect_refusal "is missing"
mv "$work/esep.db.kept" "$work/store/esep.db"

# The signing key removed: no new key, the published one untouched.
pub_before=$(cat "$work/store/keys/reader.key.pub")
mv "$work/store/keys/reader.key" "$work/reader.key.kept"
expect_refusal "signing key .* is missing"
[ "$(cat "$work/store/keys/reader.key.pub")" = "$pub_before" ] || fail "the .pub was overwritten"
[ ! -e "$work/store/keys/reader.key" ] || fail "a new key was made"
mv "$work/reader.key.kept" "$work/store/keys/reader.key"

# An empty data directory without --new-reader.
rm -rf "$work/store"
mkdir -p "$work/store/keys"
cp "$work/ready/keys/reader.key" "$work/store/keys/"
expect_refusal "new-reader"
echo "1 passed, 0 failed"
