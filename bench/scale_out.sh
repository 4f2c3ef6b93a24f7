#!/bin/sh
# bench/scale_out.sh [BUILD] — the costs of scaling out (docs/scale-out.md):
#  1. runoff merge of 1000 shards of the full model (fr-2022-runoff, 10^7
#     draws, one block of 10 000 draws per shard): wall seconds, and the
#     parts' total size;
#  2. MPI efficiency on 2 ranks: the full model, 2 x 10^6 draws, one thread
#     per process: T(1 process) / (2 x T(mpirun -np 2)); needs build-mpi/
#     (make MPI=1) and mpirun, else skipped.
# Prints CSV lines:
#   merge,SHARDS,DRAWS,PART_BYTES_TOTAL,SECONDS_GENERATE,SECONDS_MERGE
#   mpi,RANKS,DRAWS,SECONDS_ONE_PROCESS,SECONDS_MPI,EFFICIENCY
# Not run by the tests: it measures, it asserts nothing.
set -eu
build=${1:-build}
runoff=${RUNOFF_BIN:-$build/runoff}
full=scenarios/fr-2022-runoff.yaml
shards=${SHARDS:-1000}
draws=$((shards * 10000))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scale_out.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "# runoff merge of $shards shards of the full model, $draws draws (one block each)"
t0=$(now)
seq 1 "$shards" | xargs -P 2 -I{} "$runoff" run "$full" -q --threads 1 --draws "$draws" \
    --shard {}/"$shards" --out "$tmp/part.{}"
t1=$(now)
bytes=$(cat "$tmp"/part.* | wc -c)
"$runoff" merge "$tmp"/part.* --json="$tmp/merged.json" >/dev/null
t2=$(now)
echo "merge,$shards,$draws,$bytes,$(secs "$t0" "$t1"),$(secs "$t1" "$t2")"
rm -f "$tmp"/part.*

mpibin=${RUNOFF_MPI_BIN:-build-mpi/runoff}
if command -v mpirun >/dev/null 2>&1 && [ -x "$mpibin" ]; then
    [ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    n=2000000
    echo "# MPI efficiency, full model, $n draws, one thread per process"
    t0=$(now)
    "$mpibin" run "$full" -q --threads 1 --draws "$n" --json="$tmp/one.json" >/dev/null
    t1=$(now)
    mpirun --oversubscribe -np 2 "$mpibin" run "$full" -q --threads 1 --draws "$n" \
        --json="$tmp/two.json" >/dev/null
    t2=$(now)
    cmp -s "$tmp/one.json" "$tmp/two.json" || echo "# warning: the two runs differ"
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$n" \
        'BEGIN { printf "mpi,2,%d,%.2f,%.2f,%.2f\n", n, b - a, c - b, (b - a) / (2 * (c - b)) }'
else
    echo "# MPI efficiency: skipped (needs mpirun and $mpibin: make MPI=1)"
fi
