#!/usr/bin/env bash
# esep export / replay / audit end to end over a precinct counted by esepd with a simulated
# reader: a bundle without its protocol is not proved, the report is byte-identical for --jobs 1
# and 4, a swapped image is caught with its overlay, hostile bundles and report directories (a
# record named ../.., planted links, a manifest nested 100,000 deep) write nothing outside and
# are refused at once, the audit sample is reproducible and refuses nonsense numbers, and the
# final bundle with its protocol is proved.
# Usage: replay_command_test.sh ESEP ESEPD
set -euo pipefail
esep=$1
esepd=$2
election=fixtures/elections/presidential-2021.json
work=$(mktemp -d); echo "work: $work"
source "$(dirname "$0")/esepd_test_lib.sh"

render_presidential_deck 9
"$esep" render --election "$election" --style president --precinct 1001 --mark japarov \
  --mark-style cross --seed 10 --out "$work/live/10.png" >/dev/null
calibrate_reader

logic_and_accuracy_test
start live
poll open >/dev/null
for _ in $(seq 1 400); do [ "$(sheets_read)" -ge 11 ] && break; sleep 0.05; done
poll close --yes >/dev/null
kill "$daemon"; wait "$daemon" || true
daemon=

"$esep" export --data-dir "$work/store" --election "$election" --out "$work/bundle" >"$work/export.txt" \
  || fail "export failed: $(cat "$work/export.txt")"
grep -q "10 records\|11 records" "$work/export.txt" || fail "export: $(cat "$work/export.txt")"
grep -q "no signed protocol" "$work/export.txt" || fail "export should say the protocol is absent"

# Without its signed protocol a bundle proves nothing, however well its parts agree.
set +e
"$esep" replay --election "$election" "$work/bundle" --jobs 1 --report "$work/r1" >"$work/out1.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "bundle without protocol: exit status $status, expected 1"
grep -q "bundle NOT proved" "$work/out1.txt" || fail "no verdict: $(cat "$work/out1.txt")"
grep -q "^protocol protocol.signed.pb: .*no signed protocol" "$work/out1.txt" \
  || fail "replay should say the protocol is absent: $(cat "$work/out1.txt")"
grep -q "^votes president japarov 4$" "$work/out1.txt" || fail "tally: $(cat "$work/out1.txt")"
"$esep" replay --election "$election" "$work/bundle" --jobs 4 --report "$work/r4" >"$work/out4.txt" \
  || true
diff -r "$work/r1" "$work/r4" || fail "report differs between --jobs 1 and --jobs 4"
diff "$work/out1.txt" "$work/out4.txt" || fail "output differs between --jobs 1 and --jobs 4"
"$esep" replay --election "$election" "$work/bundle/images" --precinct 1001 --jobs 2 \
  >"$work/plain.txt" || fail "replay of an image directory failed"
grep -q "replayed 10 ballots" "$work/plain.txt" || fail "plain replay: $(cat "$work/plain.txt")"

# A forger swaps one ballot's image for another's and fixes nothing else.
cp -r "$work/bundle" "$work/forged"
images=("$work"/forged/images/*.png)
victim=""; for f in "${images[@]}"; do
  if "$esep" interpret --election "$election" --precinct 1001 "$f" | grep -q "madumarov"; then victim=$f; break; fi
done
for f in "${images[@]}"; do
  if "$esep" interpret --election "$election" --precinct 1001 "$f" | grep -q "\[tolbaev\]"; then cp "$f" "$victim"; break; fi
done
set +e
"$esep" replay --election "$election" "$work/forged" --jobs 2 --report "$work/rf" >"$work/forged.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "forged bundle: exit status $status, expected 1"
sha=$(basename "$victim" .png)
grep -q "^image $sha: " "$work/forged.txt" || fail "swapped image not named: $(cat "$work/forged.txt")"
grep -q "^manifest images/$sha.png: " "$work/forged.txt" || fail "manifest not checked"
grep -q "^record .*madumarov.*tolbaev" "$work/forged.txt" || fail "record not named: $(cat "$work/forged.txt")"
ls "$work/rf/overlays/"*.png >/dev/null 2>&1 || fail "no overlay drawn for the discrepancy"

# The forged record renamed so that its overlay would land outside the report directory (the
# id keeps its 32 bytes, so the rest of records.pb still parses): the bundle is refused unread.
id=$(sed -n 's/^record \([0-9a-f]\{32\}\): .*madumarov.*/\1/p' "$work/forged.txt" | head -1)
[ -n "$id" ] || fail "no record id in: $(cat "$work/forged.txt")"
cp -r "$work/forged" "$work/escape"
LC_ALL=C sed -i "s|$id|../../escaped-by-record-name-xxx|" "$work/escape/records.pb"
set +e
"$esep" replay --election "$election" "$work/escape" --report "$work/re" >"$work/escape.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "record named ../: exit status $status, expected 1: $(cat "$work/escape.txt")"
[ ! -e "$work/escaped-by-record-name-xxx.png" ] || fail "a record name wrote outside the report"
grep -q "record id" "$work/escape.txt" || fail "record name not refused: $(cat "$work/escape.txt")"

# Links planted in the report directory are replaced, never followed out of it.
mkdir -p "$work/rl"
echo "not the auditor's" >"$work/outside.txt"
ln -s "$work/outside.txt" "$work/rl/tally.txt"
ln -s "$work/outside.txt" "$work/rl/discrepancies.txt"
"$esep" replay --election "$election" "$work/bundle" --report "$work/rl" >/dev/null || true
[ "$(cat "$work/outside.txt")" = "not the auditor's" ] || fail "the report followed a link out"
[ -f "$work/rl/tally.txt" ] && [ ! -L "$work/rl/tally.txt" ] || fail "tally.txt not written in place"

# A manifest nested 100,000 deep is refused at once, by replay and by the audit commands.
cp -r "$work/bundle" "$work/deep"
{ printf '{"files": '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'
  printf '}\n'; } >"$work/deep/manifest.json"
set +e
timeout 20 "$esep" replay --election "$election" "$work/deep" >"$work/deep.txt" 2>&1
status=$?
set -e
[ "$status" = 1 ] || fail "deep manifest: replay exit status $status, expected 1"
grep -q "nested" "$work/deep.txt" || fail "deep manifest: $(cat "$work/deep.txt")"
set +e
timeout 20 "$esep" audit sample --seed 1 --margin 0.2 "$work/deep" >"$work/deep-sample.txt" 2>&1
status=$?
set -e
[ "$status" = 2 ] || fail "deep manifest: audit sample exit status $status, expected 2"
grep -q "nested" "$work/deep-sample.txt" || fail "deep manifest: $(cat "$work/deep-sample.txt")"

# Nonsense numbers for the sample are refused with exit status 2, never a sample size.
for flags in "--margin 1e-300" "--margin 0" "--margin 1.5" "--margin nan" "--margin 0.1 --risk-limit 1" \
             "--margin 0.1 --risk-limit -0.1" "--margin 0.1 --gamma 0.5" "--margin 0.1 --gamma inf" \
             "--margin 0.1 --o1 -1" "--margin 0.1 --o2 2"; do
  set +e
  # shellcheck disable=SC2086
  "$esep" audit sample --seed 1 $flags "$work/bundle" >"$work/bad-sample.txt" 2>&1
  status=$?
  set -e
  [ "$status" = 2 ] || fail "audit sample $flags: exit status $status, expected 2: $(cat "$work/bad-sample.txt")"
  ! grep -q "^sample size" "$work/bad-sample.txt" || fail "audit sample $flags printed a sample size"
done

"$esep" audit sample --seed "1 6 2 5 3 4" --margin 0.2 "$work/bundle" >"$work/s1.txt"
"$esep" audit sample --seed "1 6 2 5 3 4" --margin 0.2 "$work/bundle" >"$work/s2.txt"
diff "$work/s1.txt" "$work/s2.txt" || fail "sample not reproducible"
grep -q "^sample size: 32$" "$work/s1.txt" || fail "sample: $(head -5 "$work/s1.txt")"
printf 'precinct,contest,option,count\n1001,president,japarov,4\n1001,president,madumarov,2\n' \
  >"$work/hand.csv"
set +e
"$esep" audit reconcile --hand "$work/hand.csv" "$work/bundle" >"$work/rec.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "reconcile: exit status $status, expected 1"
grep -q "option madumarov: machine 3, hand 2, difference -1" "$work/rec.txt" \
  || fail "reconcile: $(cat "$work/rec.txt")"
# Audits with paper alone. BRAVO names sheets by box and position in the counted stack (never a
# record): sheets read for the reported winner confirm it, sheets with no vote do not, and a
# sheet the seed did not draw is refused. The deck holds japarov 4, madumarov 3, tolbaev 3.
"$esep" audit bravo --seed "dice 2 5" --contest president --risk-limit 0.2 --draws 20 \
  "$work/bundle" >"$work/bravo.txt" || fail "bravo plan: $(cat "$work/bravo.txt")"
grep -q "reported winner japarov, 10 ballots" "$work/bravo.txt" || fail "bravo: $(cat "$work/bravo.txt")"
grep -q "^sheets to pull: 20 " "$work/bravo.txt" || fail "bravo: $(cat "$work/bravo.txt")"
sed -n '/^draw,precinct,position,vote$/,$p' "$work/bravo.txt" | grep -v '^the sample' >"$work/form.csv"
[ "$(grep -c '^[0-9]*,1001,[0-9]*,$' "$work/form.csv")" = 20 ] || fail "form: $(cat "$work/form.csv")"
sed 's/,$/,japarov/' "$work/form.csv" >"$work/pulled.csv"
"$esep" audit bravo --seed "dice 2 5" --contest president --risk-limit 0.2 \
  --pulled "$work/pulled.csv" "$work/bundle" >"$work/bravo-yes.txt" \
  || fail "bravo with sheets for the winner: $(cat "$work/bravo-yes.txt")"
grep -q "CONFIRMED: the reported winner japarov is confirmed after 13 draws" "$work/bravo-yes.txt" \
  || fail "bravo: $(cat "$work/bravo-yes.txt")"
sed 's/,$/,-/' "$work/form.csv" >"$work/blank.csv"
set +e
"$esep" audit bravo --seed "dice 2 5" --contest president --risk-limit 0.2 \
  --pulled "$work/blank.csv" "$work/bundle" >"$work/bravo-no.txt"
status=$?
sed '2s/,1001,[0-9]*,/,1001,999,/' "$work/pulled.csv" >"$work/moved.csv"
"$esep" audit bravo --seed "dice 2 5" --contest president --risk-limit 0.2 \
  --pulled "$work/moved.csv" "$work/bundle" >/dev/null 2>"$work/moved.txt"
moved=$?
set -e
[ "$status" = 1 ] || fail "bravo with blank sheets: exit status $status, expected 1"
grep -q "NOT CONFIRMED after 20 draws" "$work/bravo-no.txt" || fail "bravo: $(cat "$work/bravo-no.txt")"
[ "$moved" = 2 ] || fail "bravo with a sheet the seed did not draw: exit status $moved, expected 2"
grep -q "draw 1 names box 1001 sheet 999, but the seed draws box 1001 sheet" "$work/moved.txt" \
  || fail "bravo: $(cat "$work/moved.txt")"
# Batch comparison: the box drawn is counted by hand; equal counts confirm, a miscount does not.
"$esep" audit batches --seed "dice 2 5" --contest president --risk-limit 0.2 "$work/bundle" \
  >"$work/batches.txt" || fail "batches: $(cat "$work/batches.txt")"
grep -q "boxes to count by hand (1 of 1): 1001" "$work/batches.txt" || fail "batches: $(cat "$work/batches.txt")"
python3 - "$election" >"$work/box.csv" <<'PY'
import json, sys
votes = {"japarov": 4, "madumarov": 3, "tolbaev": 3}
contest = next(c for c in json.load(open(sys.argv[1]))["contests"] if c["id"] == "president")
print("precinct,contest,option,count")
for option in contest["options"]:
    print(f"1001,president,{option['id']},{votes.get(option['id'], 0)}")
PY
"$esep" audit batches --seed "dice 2 5" --contest president --risk-limit 0.2 \
  --hand "$work/box.csv" "$work/bundle" >"$work/batches-yes.txt" \
  || fail "batches with a matching hand count: $(cat "$work/batches-yes.txt")"
grep -q "CONFIRMED" "$work/batches-yes.txt" || fail "batches: $(cat "$work/batches-yes.txt")"
sed -i 's/^1001,president,madumarov,3$/1001,president,madumarov,6/' "$work/box.csv"
set +e
"$esep" audit batches --seed "dice 2 5" --contest president --risk-limit 0.2 \
  --hand "$work/box.csv" "$work/bundle" >"$work/batches-no.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "batches with a miscounted box: exit status $status, expected 1"
grep -q "margin overstated by 3 vote(s)" "$work/batches-no.txt" || fail "batches: $(cat "$work/batches-no.txt")"
# The commission makes the protocol final; the export then takes it from the store, with the
# reader's calibration profile, and the replay proves its numbers against the reader's key.
start live
printf '{"voters_on_list": 2150, "ballots_received": 600, "ballots_issued_in_room": 10,
  "ballots_cancelled": 590}\n' >"$work/lines.json"
poll lines --file "$work/lines.json" >/dev/null
poll finalize --yes >/dev/null || fail "finalize: $(poll draft)"
kill "$daemon"; wait "$daemon" || true
daemon=
"$esep" export --data-dir "$work/store" --election "$election" --out "$work/final" \
  >"$work/export2.txt" || fail "export with protocol: $(cat "$work/export2.txt")"
for f in protocol.signed.pb results.nist-1500-100.json calibration.json; do
  [ -s "$work/final/$f" ] || fail "the bundle lacks $f"
done
grep -q '"format_version"' "$work/final/calibration.json" || fail "no calibration profile in the bundle"
"$esep" replay --election "$election" --against "$work/final" "$work/final" \
  --key "$work/store/keys/reader.key.pub" >"$work/final.txt" || fail "final: $(cat "$work/final.txt")"
grep -q "bundle proved" "$work/final.txt" || fail "final bundle: $(cat "$work/final.txt")"
echo "1 passed, 0 failed"
