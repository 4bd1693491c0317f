#!/usr/bin/env bash
# esep log: verifies and prints the event log of a store that esepd holds open, without writing
# to it; a missing store is refused; an altered entry is caught and named.
# Usage: esep_log_test.sh ESEP ESEPD
set -euo pipefail
esep=$1
esepd=$2
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
socket=$work/esepd.sock
store=$work/store
trap 'if [ -n "${daemon:-}" ]; then kill -9 "$daemon" 2>/dev/null || true; fi; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; tail -30 "$work/esepd.log" >&2 || true; exit 1; }
expect_status() {  # expect_status WANTED command...
  local wanted=$1; shift
  local got=0
  "$@" >"$work/out" 2>&1 || got=$?
  [ "$got" = "$wanted" ] || { cat "$work/out" >&2; fail "$* exited $got, expected $wanted"; }
}

expect_status 2 "$esep" log verify --data-dir "$work/none"
grep -q "no tally store in $work/none" "$work/out" || fail "missing store not named"
[ ! -e "$work/none" ] || fail "a read-only look created the store directory"
expect_status 2 "$esep" log
expect_status 2 "$esep" log rewrite --data-dir "$store"

mkdir -p "$work/deck"
"$esep" render --election "$election" --style president --precinct 1001 --test --mark japarov \
  --out "$work/deck/01.png" >/dev/null
"$esepd" --election "$election" --precinct 1001 --data-dir "$store" --socket "$socket" \
  --sim "$work/deck" --sim-paper "$work/paper" --new-reader >>"$work/esepd.log" 2>&1 &
daemon=$!
for _ in $(seq 1 200); do "$esep" poll status --socket "$socket" >/dev/null 2>&1 && break; sleep 0.05; done
"$esep" poll start-test --socket "$socket" >/dev/null
for _ in $(seq 1 200); do
  "$esep" poll status --socket "$socket" | grep -q "^sheets read: 1" && break; sleep 0.05
done

# While esepd holds the store open.
expect_status 0 "$esep" log verify --data-dir "$store"
grep -Eq "^event log intact: [0-9]+ entries, head [0-9a-f]{64}$" "$work/out" || fail "no summary"
entries=$(sed -n 's/^event log intact: \([0-9]*\) entries.*/\1/p' "$work/out")
[ "$entries" -ge 4 ] || fail "only $entries entries in the log"
grep -q "^store intact: .*; witness .* agrees$" "$work/out" || fail "the whole store is not checked"
expect_status 0 "$esep" log show --data-dir "$store"
grep -q " store_created " "$work/out" || fail "show does not print the first entry"
grep -q " test_ballot_cast " "$work/out" || fail "show does not print the cast test ballot"
"$esep" poll status --socket "$socket" >/dev/null || fail "esepd disturbed by the reader"
# The simulated reader keeps its paper: the test ballot is in the box (last field: box of one).
grep -Eq " 1 0$" "$work/paper" || fail "the simulated reader's paper file does not show the box"
kill "$daemon"; wait "$daemon" || true
daemon=

# A counter changed behind the books: the store check names it, as esepd would at start.
sqlite3 "$store/esep.db" "UPDATE counters SET ballots_cast = ballots_cast + 1 WHERE test = 1"
expect_status 1 "$esep" log verify --data-dir "$store"
grep -q "^DAMAGED: .*counter says 2" "$work/out" || fail "a changed counter is not named"
sqlite3 "$store/esep.db" "UPDATE counters SET ballots_cast = ballots_cast - 1 WHERE test = 1"

# An entry altered after the fact breaks the chain at that entry.
sqlite3 "$store/esep.db" "UPDATE events SET detail = 'nothing happened' WHERE sequence = 2"
expect_status 1 "$esep" log verify --data-dir "$store"
grep -q "entry 2 was altered" "$work/out" || fail "the altered entry is not named"
sqlite3 "$store/esep.db" "DELETE FROM events WHERE sequence = 3"
expect_status 1 "$esep" log show --data-dir "$store"
grep -q "BROKEN" "$work/out" || fail "show does not report the broken chain"
echo "1 passed, 0 failed"
