#!/bin/sh
# test_merge.sh — sharded runs and sweeps (`--shard I/N`) put together by
# `runoff merge` give the bytes of the unsharded command: for runs, the
# report, JSON and CSVs of a national scenario and of a regional one with
# an actual result (conditional regions too), with shards in any order and
# empty shards; for sweeps, the CSV. Bad sets of parts (a gap, an overlap,
# another seed, --set or kind, a cut file, not a part) are refused with
# exit status 2 and write nothing. The sweep point cap is lifted with
# --shard. The merged report page equals the run's, map included; a shard
# refuses the whole run's outputs and, with --strict, a warning. Prints one line per check and "merge: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_merge.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
same() { if [ -s "$2" ] && cmp -s "$2" "$3"; then ok "$1"; else bad "$1: $2 and $3 differ"; fi; }
# refused NAME OUTPUT COMMAND...: exit status 2, a message, OUTPUT not written
refused() {
    name=$1 out=$2; shift 2
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    st=$?
    if [ "$st" -eq 2 ] && [ -s "$tmp/stderr" ] && [ ! -e "$out" ]; then
        ok "$name refused: $(cat "$tmp/stderr")"
    else
        bad "$name: exit $st, expected 2 and no $out"
    fi
}

national=$root/tests/data/good/national.yaml
regional=$root/scenarios/regional/fr-2017-regions.yaml
fr2022=$root/scenarios/fr-2022-runoff.yaml

# run_case NAME SCENARIO N ORDER ARGS...: whole run vs N shards merged in ORDER
run_case() {
    name=$1 sc=$2 n=$3 order=$4; shift 4
    d=$tmp/$name; mkdir -p "$d"
    "$bin" run "$sc" -q "$@" --json="$d/whole.json" --csv "$d/whole.csv" \
        --regions-csv "$d/whole.regions.csv" --histogram-csv "$d/whole.hist.csv" >"$d/whole.txt" ||
        bad "$name: run failed"
    i=1
    while [ "$i" -le "$n" ]; do
        "$bin" run "$sc" -q "$@" --shard "$i/$n" --out "$d/part.$i" || bad "$name: shard $i failed"
        i=$((i + 1))
    done
    parts=""
    for i in $order; do parts="$parts $d/part.$i"; done
    # shellcheck disable=SC2086
    "$bin" merge $parts --json="$d/merged.json" --csv "$d/merged.csv" \
        --regions-csv "$d/merged.regions.csv" --histogram-csv "$d/merged.hist.csv" \
        >"$d/merged.txt" || bad "$name: merge failed"
    for f in txt json csv regions.csv hist.csv; do
        same "$name: merged $f = the run's" "$d/whole.$f" "$d/merged.$f"
    done
}

# The report page: merged with the map the scenario names (read from where
# the shards read the scenario), the bytes of the unsharded run's page.
h=$tmp/html; mkdir -p "$h"
"$bin" run "$fr2022" -q --draws 4000 --seed 2 --html "$h/whole.html" >/dev/null || bad "html: run failed"
for i in 1 2; do
    "$bin" run "$fr2022" -q --draws 4000 --seed 2 --shard "$i/2" --out "$h/part.$i" ||
        bad "html: shard $i failed"
done
"$bin" merge "$h/part.1" "$h/part.2" --html "$h/merged.html" >/dev/null || bad "html: merge failed"
same "html: merged page = the run's (with its map)" "$h/whole.html" "$h/merged.html"
# A shard writes only its part: --html and --brief are the merge's; and it
# prints the scenario's warnings, so --strict refuses as a whole run does.
refused "shard --html" "$h/p.3" "$bin" run "$fr2022" -q --draws 400 --shard 1/2 --out "$h/p.3" \
    --html "$h/x.html"
refused "shard --brief" "$h/p.4" "$bin" run "$fr2022" -q --draws 400 --shard 1/2 --out "$h/p.4" --brief
refused "shard --strict with a warning" "$h/p.5" "$bin" run "$regional" -q --draws 400 --shard 1/2 \
    --out "$h/p.5" --strict

# 45000 draws in blocks of 10000: 5 blocks, so shards 6 and 7 of 7 are empty
run_case national "$national" 7 "7 3 1 5 2 6 4" --draws 45000 --seed 3
run_case regional "$regional" 3 "2 3 1" --draws 6000 --seed 11 --threads 2
run_case set "$fr2022" 2 "1 2" --draws 20000 --set polling_error.scale=3 --set blend.mode=mix

d=$tmp/national
refused "gap" "$d/out.json" "$bin" merge "$d/part.1" "$d/part.2" --json="$d/out.json"
refused "overlap" "$d/out.json" "$bin" merge "$d/part.1" "$d/part.2" "$d/part.3" "$d/part.4" \
    "$d/part.5" "$d/part.6" "$d/part.7" "$d/part.2" --json="$d/out.json"
"$bin" run "$national" -q --draws 45000 --seed 4 --shard 2/7 --out "$d/seed4.2"
refused "another seed" "$d/out.json" "$bin" merge "$d/part.1" "$d/seed4.2" "$d/part.3" \
    "$d/part.4" "$d/part.5" "$d/part.6" "$d/part.7" --json="$d/out.json"
"$bin" run "$national" -q --draws 45000 --seed 3 --shard 2/3 --out "$d/split3.2"
refused "another split" "$d/out.json" "$bin" merge "$d/part.1" "$d/split3.2" --json="$d/out.json"
refused "another scenario" "$d/out.json" "$bin" merge "$d/part.1" "$tmp/set/part.2" \
    --json="$d/out.json"
head -c 20000 "$d/part.3" >"$d/cut.3"
refused "a cut part" "$d/out.json" "$bin" merge "$d/part.1" "$d/part.2" "$d/cut.3" "$d/part.4" \
    "$d/part.5" "$d/part.6" "$d/part.7" --json="$d/out.json"
echo "not a part" >"$d/junk"
refused "not a part" "$d/out.json" "$bin" merge "$d/junk" --json="$d/out.json"
refused "run outputs with --shard" "$d/x" "$bin" run "$national" -q --shard 1/2 --out "$d/x" \
    --json="$d/y"

# sweeps
s=$tmp/sweep; mkdir -p "$s"
vary="--vary polling_error.scale=0:4:0.5 --vary blend.mode=polls,transfers"
# shellcheck disable=SC2086
"$bin" sweep "$fr2022" -q --draws 3000 --seed 5 $vary --out "$s/whole.csv" || bad "sweep failed"
for i in 1 2 3 4; do
    # shellcheck disable=SC2086
    "$bin" sweep "$fr2022" -q --draws 3000 --seed 5 $vary --shard "$i/4" --out "$s/part.$i" ||
        bad "sweep shard $i failed"
done
"$bin" merge "$s/part.3" "$s/part.1" "$s/part.4" "$s/part.2" --out "$s/merged.csv" ||
    bad "sweep merge failed"
same "sweep: merged CSV = the sweep's" "$s/whole.csv" "$s/merged.csv"
"$bin" merge "$s/part.1" "$s/part.2" "$s/part.3" "$s/part.4" >"$s/stdout.csv"
same "sweep: merged CSV on stdout = the sweep's" "$s/whole.csv" "$s/stdout.csv"
refused "sweep gap" "$s/out.csv" "$bin" merge "$s/part.1" "$s/part.2" "$s/part.4" --out "$s/out.csv"
head -n -1 "$s/part.2" >"$s/cut.2"
refused "sweep cut part" "$s/out.csv" "$bin" merge "$s/part.1" "$s/cut.2" "$s/part.3" \
    "$s/part.4" --out "$s/out.csv"
refused "a run's part with a sweep's" "$s/out.csv" "$bin" merge "$s/part.1" "$d/part.2" \
    --out "$s/out.csv"
# shellcheck disable=SC2086
"$bin" sweep "$fr2022" -q --draws 3000 --seed 5 $vary --set polling_error.df=8 --shard 2/4 \
    --out "$s/other.2"
refused "sweep with another --set" "$s/out.csv" "$bin" merge "$s/part.1" "$s/other.2" \
    "$s/part.3" "$s/part.4" --out "$s/out.csv"

# the point cap: 400 x 300 = 120000 points is too many for one sweep, not
# for 2000 shards of 60 points
big="--vary polling_error.scale=0.01:4:0.01 --vary polling_error.df=3:302:1"
# shellcheck disable=SC2086
refused "a grid over the cap" "$s/big.csv" "$bin" sweep "$national" -q --draws 10 $big \
    --out "$s/big.csv"
# shellcheck disable=SC2086
if "$bin" sweep "$national" -q --draws 10 $big --shard 7/2000 --out "$s/big.7" &&
    [ "$(grep -c '^[0-9]' "$s/big.7")" -eq 60 ]; then
    ok "the point cap is per shard: shard 7/2000 of 120000 points runs 60"
else
    bad "shard 7/2000 of a 120000-point grid"
fi

echo "merge: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
