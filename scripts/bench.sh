#!/bin/sh
# make bench: speed (the model against its random-number floor, 2 threads
# against 1, national against full: ratios of CPU times measured in one run;
# draws per second, 1 and 2 threads) and peak memory at 1e6 and 1e8 draws.
# Results: CSV lines
#   ns,SCENARIO,CASE,MEDIAN,MIN,MAX / ratio,NAME,MEDIAN,MIN,MAX (bench_floor)
#   rate,SCENARIO,DRAWS,THREADS,SECONDS,DRAWS_PER_S,RATIO_TO_FIRST,P_WIN_A
#   peak_rss_kib,SCENARIO,DRAWS,THREADS,KIB
# See bench/README.md for what they mean and the figures recorded.
set -eu
build=${1:-build}
b="$build/bench/bench_sim"
national=scenarios/fr-2022-polls-only.yaml
full=scenarios/fr-2022-runoff.yaml
echo "# load: $(uptime)"
echo "# the model against its random-number floor, CPU time, interleaved rounds"
"$build/bench/bench_floor" "$full" "$national"
echo "# the national model against a vectorised NumPy peer, CPU time per draw on one core"
/usr/bin/python3 bench/national_numpy.py "${RUNOFF_BIN:-$build/runoff}" "$national" ||
    echo "# (skipped: /usr/bin/python3 with numpy and yaml is needed)"
echo "# national model (polls only)"
"$b" "$national" 1000000 1 2
echo "# full model (107 regions)"
"$b" "$full" 1000000 1 2
echo "# peak memory: must not grow with draws"
"$b" --rss "$national" 1000000 2
"$b" --rss "$national" 100000000 2
"$b" --rss "$full" 100000 2
"$b" --rss "$full" 1000000 2
echo "# cost of one draw of the full model, broken down (one thread)"
"$build/bench/bench_model" "$full" 100000
echo "# one variate through GSL and through engine/variates.c"
"$build/bench/bench_variates"
echo "# 21 x 21 sweep of two transfer shares, 20 000 draws per point (issue 4), wall seconds"
runoff=${RUNOFF_BIN:-$build/runoff}
grid=$(mktemp -d)
t0=$(date +%s.%N)
"$runoff" sweep "$full" -q --draws 20000 --set blend.mode=transfers \
    --vary transfers.adjust.melenchon.le_pen=10:30:1 \
    --vary transfers.adjust.melenchon.none=30:50:1 --out "$grid/grid.csv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "sweep_grid,441,20000,%.2f\n", b - a }'
rm -rf "$grid"
echo "# dynamic poll model: runoff check (load + average) on the 2022 scenario and on 10 000 synthetic polls, wall seconds"
polls=$(mktemp -d)
python3 bench/gen_polls.py 10000 > "$polls/polls.yaml"
for f in "$full" "$polls/polls.yaml"; do
    t0=$(date +%s.%N)
    "$runoff" check "$f" > /dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v f="$f" 'BEGIN { printf "poll_average,%s,%.3f\n", f, b - a }'
done
rm -rf "$polls"
echo "# runoff check on a first round of 35 000 regions (every commune), wall seconds"
communes=$(mktemp -d)
python3 bench/gen_regions.py 35000 > "$communes/communes.yaml"
t0=$(date +%s.%N)
"$runoff" check "$communes/communes.yaml" > /dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "regions_check,35000,%.3f\n", b - a }'
rm -rf "$communes"
echo "# scaling out: runoff merge of 1000 shards, MPI efficiency on 2 ranks (docs/scale-out.md)"
RUNOFF_BIN="$runoff" bench/scale_out.sh "$build"
