#!/bin/sh
# test_mpi.sh — `mpirun -np N runoff run|sweep` (the MPI build, make MPI=1)
# gives the bytes of one process for N = 1, 2 and 3 ranks: a run's report,
# JSON and regions CSV, on a national scenario and the real regional one,
# and a sweep's CSV; a bad output path stops every rank. Skipped (77) when
# Open MPI (mpirun) or build-mpi/runoff is missing. Prints one line per
# check and "mpi: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
mpibin=${RUNOFF_MPI_BIN:-$root/build-mpi/runoff}
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$mpibin" ]; then
    echo "mpi: skipped: needs mpirun (openmpi-bin) and $mpibin (make MPI=1)"
    exit 77
fi
# Open MPI refuses to run as root unless told that it is meant.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_mpi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
mpi() { np=$1; shift; timeout 300 mpirun --oversubscribe -np "$np" "$mpibin" "$@"; }

national=$root/tests/data/good/national.yaml
fr2022=$root/scenarios/fr-2022-runoff.yaml

for sc in "$national" "$fr2022"; do
    name=$(basename "$sc" .yaml)
    "$bin" run "$sc" -q --draws 25000 --seed 9 --threads 1 --json="$tmp/one.json" \
        --regions-csv "$tmp/one.regions.csv" >"$tmp/one.txt" || bad "$name: runoff run failed"
    for np in 1 2 3; do
        if mpi "$np" run "$sc" -q --draws 25000 --seed 9 --threads 1 --json="$tmp/n.json" \
            --regions-csv "$tmp/n.regions.csv" >"$tmp/n.txt" &&
            cmp -s "$tmp/one.txt" "$tmp/n.txt" && cmp -s "$tmp/one.json" "$tmp/n.json" &&
            cmp -s "$tmp/one.regions.csv" "$tmp/n.regions.csv"; then
            ok "$name: run on $np ranks = one process (report, JSON, regions CSV)"
        else
            bad "$name: run on $np ranks differs from one process"
        fi
    done
done

vary="--vary polling_error.scale=0:3:0.5 --vary blend.mode=polls,transfers"
# shellcheck disable=SC2086
"$bin" sweep "$fr2022" -q --draws 2000 --seed 4 --threads 1 $vary --out "$tmp/one.csv" ||
    bad "runoff sweep failed"
for np in 1 2 3; do
    # shellcheck disable=SC2086
    if mpi "$np" sweep "$fr2022" -q --draws 2000 --seed 4 --threads 1 $vary --out "$tmp/n.csv" &&
        cmp -s "$tmp/one.csv" "$tmp/n.csv"; then
        ok "sweep on $np ranks = one process"
    else
        bad "sweep on $np ranks differs from one process"
    fi
    rm -f "$tmp/n.csv"
done

if mpi 2 run "$national" -q --draws 1000 --json="$tmp/no/such/dir.json" >/dev/null 2>&1; then
    bad "a bad output path under mpirun succeeded"
else
    ok "a bad output path stops every rank"
fi

echo "mpi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
