#!/usr/bin/env bash
# esepd keeps to its own data directory and socket, and no console holds up the ballots:
# - a second esepd on the same data directory is refused, naming the directory and the first
#   one's pid; one on another directory but the same socket is refused too; the first answers on;
# - --socket pointing at the tally store is refused and the store is left as it was;
# - a socket left by a daemon killed with kill -9 is replaced at the next start;
# - consoles that connect and send nothing, or half a request, do not stop the sheets.
# Usage: esepd_guard_test.sh ESEP ESEPD CONTROL_PEER
set -euo pipefail
esep=$1
esepd=$2
peer=$3
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
source "$(dirname "$0")/esepd_test_lib.sh"
peers=()
trap 'for p in ${peers[@]+"${peers[@]}"}; do kill "$p" 2>/dev/null || true; done
      if [ -n "${daemon:-}" ]; then kill -9 "$daemon" 2>/dev/null || true; fi
      [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# esepd in the foreground, expected to refuse: expect_refused STATUS TEXT esepd-flags...
expect_refused() {
  local wanted=$1 text=$2 got=0
  shift 2
  timeout 60 "$esepd" --election "$election" --precinct 1001 --calibration "$work/calibration.pb" \
    "$@" >"$work/refused.log" 2>&1 || got=$?
  [ "$got" = "$wanted" ] || { cat "$work/refused.log" >&2; fail "esepd $* exited $got, expected $wanted"; }
  grep -qF -- "$text" "$work/refused.log" || { cat "$work/refused.log" >&2; fail "the refusal does not say: $text"; }
}

render_presidential_deck 9
calibrate_reader

start test
poll start-test >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
[ "$(sheets_read)" -ge 1 ] || fail "the test ballot was not read"

# One esepd per data directory.
expect_refused 1 "the data directory $work/store is in use by another esepd (pid $daemon)" \
  --data-dir "$work/store" --socket "$work/second.sock" --sim "$work/test"
[ ! -e "$work/second.sock" ] || fail "the refused esepd left a socket"
poll status >/dev/null || fail "the first esepd stopped answering"
# One esepd per socket.
expect_refused 1 "another daemon answers on $socket" \
  --data-dir "$work/other" --socket "$socket" --sim "$work/test"
poll status >/dev/null || fail "the first esepd lost its socket"
poll finish-test >/dev/null
kill "$daemon"; wait "$daemon" || true
daemon=

# --socket pointing at the tally store.
db=$work/store/esep.db
before=$(sha256sum <"$db")
expect_refused 2 "$db exists and is not a socket" --data-dir "$work/store" --socket "$db" \
  --sim "$work/test"
[ "$(sha256sum <"$db")" = "$before" ] || fail "the tally store was changed"
"$esep" log verify --data-dir "$work/store" >/dev/null || fail "the tally store's log is broken"

# A socket left by kill -9 is replaced.
start live
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
[ -S "$socket" ] || fail "kill -9 left no socket to replace"
start live

# Consoles that say nothing or half a request, connected before the polls open.
"$peer" "$socket" silent 4 60 >"$work/silent.out" & peers+=($!)
"$peer" "$socket" partial 4 60 >"$work/partial.out" & peers+=($!)
for _ in $(seq 1 200); do
  grep -q holding "$work/silent.out" && grep -q holding "$work/partial.out" && break; sleep 0.05
done
grep -q holding "$work/silent.out" && grep -q holding "$work/partial.out" ||
  fail "the misbehaving consoles did not connect"
SECONDS=0
timeout 20 "$esep" poll open --socket "$socket" | grep -q "ZERO REPORT" || fail "no zero report"
while [ "$SECONDS" -lt 15 ]; do
  [ "$(timeout 20 "$esep" poll status --socket "$socket" | sed -n 's/^sheets read: \([0-9]*\).*/\1/p')" -ge 10 ] && break
  sleep 0.05
done
read_in=$SECONDS
[ "$read_in" -lt 15 ] || fail "9 ballots took ${read_in}s with silent consoles connected"
echo "9 ballots read in ${read_in}s while 8 consoles held their connections"
poll close --yes >/dev/null
poll results | grep -q "^ballots cast: 9$" || fail "expected 9 ballots cast"
kill "$daemon"; wait "$daemon" || true
daemon=
echo "1 passed, 0 failed"
