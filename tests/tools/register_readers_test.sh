#!/usr/bin/env bash
# esep-tabulator register-readers registers a whole list in one transaction: a list with one bad
# line (an unknown precinct, a key that is not 64 hex digits) registers nobody and names the
# line; a good list registers every reader.
# Usage: register_readers_test.sh ESEP_TABULATOR
set -euo pipefail
tabulator=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
tools/make-certs.sh "$work/certs" R1 >/dev/null
"$tabulator" init --data-dir "$work/centre" --election fixtures/elections/november-2021.json >/dev/null
key=$(printf '%064x' 7)
for bad in "9999,R-9,$key" "1002,R-2,12ab"; do
  printf 'precinct,serial,public_key\n1001,R-1,%s\n%s\n' "$key" "$bad" >"$work/readers.csv"
  set +e
  "$tabulator" register-readers --data-dir "$work/centre" --file "$work/readers.csv" \
    --certificate "$work/certs/reader-R1.pem" 2>"$work/err.txt"
  status=$?
  set -e
  [ "$status" = 2 ] || fail "a list with '$bad': exit status $status, expected 2"
  grep -q "readers.csv line 3: .*nothing was registered" "$work/err.txt" || fail "$(cat "$work/err.txt")"
  "$tabulator" readers --data-dir "$work/centre" | grep -q "R-1" && fail "a reader of a refused list was registered"
done
printf 'precinct,serial,public_key\n1001,R-1,%s\n1002,R-2,%s\n' "$key" "$(printf '%064x' 8)" >"$work/readers.csv"
"$tabulator" register-readers --data-dir "$work/centre" --file "$work/readers.csv" \
  --certificate "$work/certs/reader-R1.pem" | grep -q "registered 2 readers" || fail "the good list"
[ "$("$tabulator" readers --data-dir "$work/centre" | grep -c "R-[12]")" = 2 ] || fail "readers: $("$tabulator" readers --data-dir "$work/centre")"
echo "1 passed, 0 failed"
