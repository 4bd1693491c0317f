#!/usr/bin/env bash
# esepd end to end: simulated reader, the commission's console, kill -9 in the middle of the
# deck and a restart. Every sheet is counted at most once, no counted ballot is lost, the
# numbers agree with the marks printed, and the polls never reopen.
# Usage: esepd_end_to_end_test.sh ESEP ESEPD
set -euo pipefail
esep=$1
esepd=$2
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
source "$(dirname "$0")/esepd_test_lib.sh"

render_presidential_deck 12
calibrate_reader

start test
poll open >/dev/null 2>&1 && fail "polls opened before the logic-and-accuracy test"
poll start-test >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
poll finish-test >/dev/null
poll test-report | grep -q "ballots cast: 1" || fail "test ballot not counted in the test report"
kill "$daemon"; wait "$daemon" || true

start live
poll open | grep -q "ZERO REPORT" || fail "no zero report"
poll results >/dev/null 2>&1 && fail "results shown while the polls are open"
# Let a few ballots through, then pull the plug.
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 5 ] && break; sleep 0.02; done
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true

# After the restart the voters queue again: those whose ballots the reader still held get them
# back (escrow, decided to return) and feed them again; a ballot decided "cast" left the path
# and is settled by the sensors, so its voter does not come back. The rest of the deck follows.
db=$work/store/esep.db
all_rows=$(sqlite3 "$db" "SELECT count(*) FROM journal")
gone=$(sqlite3 "$db" "SELECT count(*) FROM journal WHERE state IN ('cast','returned','decided_cast')")
mkdir -p "$work/rest"
# The first journal row is the test ballot; live sheet k is the k-th file of the deck.
for f in $(ls "$work/live" | tail -n +"$gone"); do cp "$work/live/$f" "$work/rest/"; done
# A fast reader may have taken the whole deck before the plug was pulled: a voter who comes
# late brings one more sheet, so the restart always has paper to read.
late=0
if [ -z "$(ls "$work/rest")" ]; then
  cp "$work/live/$(ls "$work/live" | tail -n 1)" "$work/rest/late.png"  # sheet 12: japarov
  late=1
fi
total=$((all_rows + $(ls "$work/rest" | wc -l)))
start rest
poll status | grep -q "poll state: open" || fail "poll state lost over the restart"
for _ in $(seq 1 400); do [ "$(sheets_read)" -ge "$total" ] && break; sleep 0.05; done
poll close --yes >/dev/null
poll open >/dev/null 2>&1 && fail "polls reopened after close"
# A copy of the zero report, after a day of ballots and a power cut: every counter as it was at
# the opening, marked as a copy, in the commission's language, and on paper.
zero=$(poll zero-report --lang ru --election "$election" --pdf "$work/zero-copy.pdf")
echo "$zero" | grep -q "^НУЛЕВОЙ ОТЧЁТ: голосование открыто" || fail "no zero report copy: $zero"
echo "$zero" | grep -q "^КОПИЯ нулевого отчёта" || fail "the copy is not marked as one: $zero"
echo "$zero" | grep -q "^опущено бюллетеней: 0$" || fail "the copy is not the opening's: $zero"
echo "$zero" | grep -q "^ВСЕ СЧЁТЧИКИ РАВНЫ НУЛЮ$" || fail "the copy lacks its zero line: $zero"
[ "$(head -c 5 "$work/zero-copy.pdf")" = "%PDF-" ] || fail "the zero report copy is not a PDF"
results=$(poll results)
cast=$(echo "$results" | sed -n 's/^ballots cast: //p')
[ "$cast" = $((12 + late)) ] || fail "expected $((12 + late)) ballots cast, results say $cast"
echo "$results" | grep -Eq "^ +$((4 + late))  Жапаров Садыр" ||
  fail "japarov should have $((4 + late)) votes: $results"
echo "$results" | grep -Eq "^ +4  Мадумаров Адахан" || fail "madumarov should have 4 votes: $results"
echo "$results" | grep -Eq "^ +4  Толбаев Бабур" || fail "tolbaev should have 4 votes: $results"
kill "$daemon"; wait "$daemon" || true
daemon=
echo "1 passed, 0 failed"
