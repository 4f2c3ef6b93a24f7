#!/bin/sh
# test_baseline.sh — the AVX2 copy of the model's hot loops (chosen at load
# time on CPUs that have AVX2) must give the same bytes as the baseline
# x86-64 copy that every other CPU runs: docs/model.md promises the same
# draws on any x86-64. Compares runoff (both copies, the AVX2 one taken
# here when the CPU has it) with runoff-baseline (built with RO_NO_CLONES)
# on the real scenario in the three blend modes (JSON summary, per-region
# CSV and per-draw CSV) and on the national model (JSON). Prints one line per check and a closing
# "baseline: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
base=$(dirname "$bin")/runoff-baseline
scenario=$root/scenarios/fr-2022-runoff.yaml
passed=0; failed=0
if [ ! -x "$base" ]; then
    echo "baseline: $base is missing (make $base)"
    echo "baseline: 0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_baseline.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
grep -q avx2 /proc/cpuinfo 2>/dev/null ||
    echo "baseline: note: this CPU has no AVX2, both binaries run the baseline loops"

for mode in polls transfers mix; do
    for b in "$bin" "$base"; do
        out=$tmp/$(basename "$b")-$mode
        "$b" run "$scenario" -q --draws 20000 --threads 2 --set blend.mode=$mode \
            --json="$out.json" --regions-csv "$out.regions.csv" >/dev/null &&
        "$b" run "$scenario" -q --draws 200 --set blend.mode=$mode \
            --draws-csv "$out.draws.csv" >/dev/null ||
            echo "baseline: $b failed on blend.mode=$mode"
    done
    for f in json regions.csv draws.csv; do
        a=$tmp/$(basename "$bin")-$mode.$f b=$tmp/runoff-baseline-$mode.$f
        if [ -s "$a" ] && cmp -s "$a" "$b"; then
            echo "ok   blend.mode=$mode: $f identical"
            passed=$((passed + 1))
        else
            echo "FAIL blend.mode=$mode: $f differs between $bin and $base"
            failed=$((failed + 1))
        fi
    done
done
# the national model: its draws are accumulated a run at a time (summary.c)
national=$root/scenarios/fr-2022-polls-only.yaml
for b in "$bin" "$base"; do
    "$b" run "$national" -q --draws 200000 --threads 2 --json="$tmp/$(basename "$b")-national.json" \
        >/dev/null || echo "baseline: $b failed on $national"
done
if [ -s "$tmp/$(basename "$bin")-national.json" ] &&
    cmp -s "$tmp/$(basename "$bin")-national.json" "$tmp/runoff-baseline-national.json"; then
    echo "ok   national model: json identical"
    passed=$((passed + 1))
else
    echo "FAIL national model: json differs between $bin and $base"
    failed=$((failed + 1))
fi
echo "baseline: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
