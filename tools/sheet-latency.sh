#!/usr/bin/env bash
# A polling day measured from esepd's own journal: renders SHEETS presidential ballots with a
# working reader's sensor noise (esep render --sensor-noise SIGMA), runs esepd over them on a
# simulated reader pinned to one core, and reads from each sheet's journal line when esepd saw it
# at the entry and when its decision was on the disk. Prints the median, 90th percentile and
# maximum of that latency (and of its part after the image arrived from the reader: the
# simulated reader spends its own time reading the deck's PNG files, a real one its sensor's),
# and the sheets read per second over the day.
#
# Usage: tools/sheet-latency.sh ESEP ESEPD [SHEETS (default 1000)] [SIGMA (default 3)] [CPU (default 0)]
# The rendered deck is kept in $DECK_DIR when that is set (and reused when it holds enough pages).
# $ESEPD_PREFIX, when set, goes before esepd's command line (a profiler, for one).
# $REFERENCE_BENCH, when set, names tests/bench/image_store_bench: its reference workload (one Otsu
# threshold over a noisy page) then runs on the same core right after the day, and the medians are
# also given as ratios to it (docs/BENCHMARKS.md).
set -euo pipefail
esep=$(realpath "$1")
esepd=$(realpath "$2")
sheets=${3:-1000}
sigma=${4:-3}
cpu=${5:-0}
election=$(realpath "$(dirname "$0")/../fixtures/elections/presidential-2021.json")
work=$(mktemp -d)
deck=${DECK_DIR:-$work/deck}
socket=$work/esepd.sock
daemon=
trap 'if [ -n "$daemon" ]; then kill -9 "$daemon" 2>/dev/null || true; fi; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "sheet-latency: $*" >&2; tail -20 "$work/esepd.log" >&2 2>/dev/null || true; exit 1; }

mkdir -p "$deck" "$work/test"
if [ "$(find "$deck/" -name '*.png' | wc -l)" -lt "$sheets" ]; then
  echo "rendering $sheets ballots with sensor noise of sigma $sigma into $deck ..." >&2
  seq 1 "$sheets" | xargs -P 2 -I{} sh -c '
    i={}; case $((i % 3)) in 0) who=japarov ;; 1) who=madumarov ;; 2) who=tolbaev ;; esac
    "$0" render --election "$1" --style president --precinct 1001 --mark "$who" \
      --mark-style cross --seed "$i" --sensor-noise "$2" \
      --out "$3/$(printf "%05d" "$i").png" >/dev/null' "$esep" "$election" "$sigma" "$deck"
fi
"$esep" render --election "$election" --style president --precinct 1001 --test --mark japarov \
  --out "$work/test/01.png" >/dev/null
"$esep" render --calibration-sheet --out "$work/calibration-sheet.png" >/dev/null
"$esep" calibrate "$work/calibration-sheet.png" --serial-number SIM-0001 \
  --out "$work/calibration.pb" >/dev/null
mkdir -p "$work/live"
find "$deck/" -name '*.png' | sort | head -n "$sheets" | while read -r f; do
  ln -s "$(realpath "$f")" "$work/live/$(basename "$f")"
done
linked=$(find "$work/live/" -name '*.png' | wc -l)
[ "$linked" -ge "$sheets" ] || fail "the deck $deck holds $linked pages, not $sheets"

poll() { "$esep" poll "$@" --socket "$socket"; }
sheets_read() { poll status | sed -n 's/^sheets read: \([0-9]*\).*/\1/p'; }
start() {  # start DECK [flags]
  local d=$1
  shift
  taskset -c "$cpu" ${ESEPD_PREFIX:-} "$esepd" --election "$election" --precinct 1001 --data-dir "$work/store" \
    --socket "$socket" --sim "$work/$d" --calibration "$work/calibration.pb" "$@" \
    >>"$work/esepd.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 200); do poll status >/dev/null 2>&1 && return 0; sleep 0.05; done
  fail "esepd did not start"
}
stop() { kill "$daemon"; wait "$daemon" || true; daemon=; }

start test --new-reader
poll start-test >/dev/null
for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
poll finish-test >/dev/null
stop
: >"$work/esepd.log"

start live
poll open >/dev/null
total=$((sheets + 1))  # the test ballot is sheet 1
for _ in $(seq 1 36000); do [ "$(sheets_read)" -ge "$total" ] && break; sleep 0.1; done
[ "$(sheets_read)" -ge "$total" ] || fail "esepd read only $(sheets_read) of $total sheets"
poll close --yes >/dev/null
stop

echo "load average before the summary: $(cut -d' ' -f1-3 /proc/loadavg)"
reference=
if [ -n "${REFERENCE_BENCH:-}" ]; then
  # The CPU-time median of the reference, in ms.
  reference=$(taskset -c "$cpu" "$REFERENCE_BENCH" --benchmark_filter='BM_OtsuReference/noisy:1$' \
    --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null |
    awk '/_median/ { print $4 }')
  echo "reference, one Otsu threshold over a noisy page on the same core: $reference ms of CPU"
fi
# "esepd: sheet N: OUTCOME [at the entry T1 s, scanned T2 s, decision on disk T3 s;
#  CPU from the entry C1 ms, from the scan C2 ms]"
sed -n 's/^esepd: sheet [0-9]*: \([a-z]*\).*\[at the entry \([0-9.]*\) s, scanned \([0-9.]*\) s, decision on disk \([0-9.]*\) s; CPU from the entry \([0-9.]*\) ms, from the scan \([0-9.]*\) ms\]$/\1 \2 \3 \4 \5 \6/p' \
  "$work/esepd.log" | awk -v want="$sheets" -v ref="${reference:-0}" '
  function sort(a, n,   i, j, v) {
    for (i = 2; i <= n; i++) { v = a[i]; j = i - 1; while (j > 0 && a[j] > v) { a[j+1] = a[j]; j-- } a[j+1] = v }
  }
  function line(what, a, n) {
    sort(a, n)
    printf "%-48s median %6.1f ms, 90th percentile %6.1f ms, max %6.1f ms\n", what,
      a[int((n + 1) / 2)], a[int(n * 0.9 + 0.5)], a[n]
  }
  { n++; outcome[$1]++; if (n == 1) first = $2; last = $4
    wall[n] = ($4 - $2) * 1000; wall_scan[n] = ($4 - $3) * 1000; cpu[n] = $5; cpu_scan[n] = $6 }
  END {
    if (n < want) { printf "only %d of %d sheets have a decision line\n", n, want; exit 1 }
    printf "sheets: %d (", n; sep = ""; for (o in outcome) { printf "%s%s %d", sep, o, outcome[o]; sep = ", " } printf ")\n"
    line("entry to decision on disk, wall clock:", wall, n)
    line("entry to decision on disk, esepd CPU:", cpu, n)
    if (ref > 0) printf "%-48s %.1f (median CPU / reference)\n", "  ratio to the reference:", cpu[int((n + 1) / 2)] / ref
    line("image received to decision on disk, wall clock:", wall_scan, n)
    line("image received to decision on disk, esepd CPU:", cpu_scan, n)
    if (ref > 0) printf "%-48s %.1f (median CPU / reference)\n", "  ratio to the reference:", cpu_scan[int((n + 1) / 2)] / ref
    printf "sheets read per second over the day: %.1f\n", (n - 1) / (last - first)
  }'
