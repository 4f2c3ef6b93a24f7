#!/bin/sh
# Memcheck runs of the runoff program on the default scenario with small
# draw counts: every code path the CLI takes for run, check, sweep and backtest,
# including the inline --draws-csv path and an input-error exit.
# A check fails on any memory error or any definite/indirect leak.
# Usage: scripts/valgrind-checks.sh RUNOFF_BIN [SCENARIO]
# Closing line: "valgrind: N passed, N failed".
set -u
bin=$1
scen=${2:-scenarios/fr-2022-runoff.yaml}
out=$(mktemp -d "${TMPDIR:-/tmp}/runoff-vg.XXXXXX")
trap 'rm -rf "$out"' EXIT
passed=0; failed=0; failed_names=""

# check NAME EXPECTED_STATUS ARGS...
check() {
    name=$1; want=$2; shift 2
    echo "== valgrind: $name"
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --log-file="$out/$name.vg" "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
    rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s "$out/$name.vg" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names="$failed_names $name"
        echo "valgrind: $name: exit status $rc (expected $want)"
        cat "$out/$name.vg" "$out/$name.err"
    fi
}

check run 0 run "$scen" --draws 2000 --threads 2 --quiet \
    --csv "$out/s.csv" --histogram-csv "$out/h.csv" --regions-csv "$out/r.csv" --json="$out/j.json"
check run-draws-csv 0 run "$scen" --draws 2000 --quiet --draws-csv "$out/d.csv" \
    --set polling_error.distribution=student_t --set polling_error.df=5
check check 0 check "$scen"
check sweep 0 sweep "$scen" --draws 2000 --threads 2 --quiet --vary polling_error.scale=1:3:1 \
    --out "$out/sweep.csv"
check bad-set 2 run "$scen" --draws 2000 --quiet --set polls.0.sample=-5
check backtest 0 backtest "$scen" tests/data/cli/backtest-none.yaml tests/data/cli/backtest-two.yaml \
    --draws 2000 --threads 2 --quiet --csv "$out/bt.csv"
check backtest-missing 2 backtest "$scen" "$out/no-such-file.yaml" --quiet

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
