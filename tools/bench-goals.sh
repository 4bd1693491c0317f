#!/usr/bin/env bash
# Measures every performance goal of docs/BENCHMARKS.md ("Where the goals stand") one after the
# other on this machine, each figure beside the reference workload of its benchmark in the same
# run, with the load average before each step. Not a CI step: run it on a machine with nothing
# else running and copy its figures into docs/BENCHMARKS.md.
#
#   interpreting one ballot, clean and noisy          interpreter_bench
#   storing a page (encoding, SHA-256)                 image_store_bench
#   replaying stored pages, clean and noisy            replay_bench
#   measuring a calibration sheet                      calibration_bench
#   the centre's results at 250, 2,500, 25,000         results_bench, esep-tabulator results
#   a noisy polling day of SHEETS sheets in esepd      tools/sheet-latency.sh (unless SHEETS=0)
#   the national night, the centre killed twice       tools/national-night.sh
#
# Usage: tools/bench-goals.sh [BUILD_DIR (default build)] [SHEETS (default 1000)]
# $DATA_DIR (default /tmp/esep-goals) keeps the centre's data directories and the rendered deck
# between runs; rendering 1,000 noisy ballots takes several minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
sheets=${2:-1000}
data=${DATA_DIR:-/tmp/esep-goals}
bench=$build/tests/bench
for program in "$bench/interpreter_bench" "$bench/image_store_bench" "$bench/replay_bench" \
  "$bench/calibration_bench" \
  "$bench/results_bench" "$build/tools/esep-tabulator" "$build/tools/esep" "$build/tools/esepd"; do
  [ -x "$program" ] || { echo "bench-goals: build $program first (cmake --build $build)" >&2; exit 2; }
done
mkdir -p "$data"

step() { echo; echo "== $1 ($(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg))"; }
medians() { "$@" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>&1 |
  grep -E '_median|median of|^  (interpret|Otsu reference|ratio) ' || true; }

step "interpreting one ballot (reference: one Otsu threshold over the same frame)"
medians "$bench/interpreter_bench"
step "storing a scanned page (reference: one Otsu threshold over the same frame)"
medians "$bench/image_store_bench"
step "replaying stored pages on 2 threads (reference: reading and decoding the clean pages)"
medians "$bench/replay_bench"
step "measuring a calibration sheet (reference: one Otsu threshold over the same frame)"
medians "$bench/calibration_bench"

for n in 250 2500 25000; do
  [ -d "$data/centre-$n" ] || "$bench/results_bench" --write-data-dir="$data/centre-$n" \
    --precincts=$n >/dev/null
done
step "the centre's results (reference: SHA-256 of 1 MiB)"
medians "$bench/results_bench" \
  --benchmark_filter='BM_Sha256Reference|BM_ResultsOfStore|BM_Aggregate|BM_AggregatorSnapshot|BM_OneProtocolUpdate|BM_SiteModelKept'
step "esep-tabulator results as a program, three runs at each size"
for run in 1 2 3; do
  for n in 250 2500 25000; do
    /usr/bin/time -f "precincts $n, run $run: %e s wall, %U s user, %S s system, %M KB resident" \
      "$build/tools/esep-tabulator" results --data-dir "$data/centre-$n" >/dev/null
  done
done

if [ "$sheets" -gt 0 ]; then
  step "a polling day of $sheets noisy sheets in esepd on core 0 (reference: Otsu on that core)"
  DECK_DIR=$data/deck REFERENCE_BENCH=$bench/image_store_bench \
    tools/sheet-latency.sh "$build/tools/esep" "$build/tools/esepd" "$sheets" 3 0
fi
step "the national night of 28 November 2021, the centre killed twice mid-ingest"
tools/national-night.sh fixtures/elections/national-november-2021.json "$build"
step "done"
