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
# The commission makes the protocol final; the export then takes it from the store, with the
# reader's calibration profile, and the replay proves its numbers against the reader's key.
start live
printf '{"voters_on_list": 500, "ballots_received": 600, "ballots_issued_in_room": 10,
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
