#!/bin/sh
# test_keys.sh — every scenario key that docs/scenario.md documents changes
# something observable (or, where the docs say it does not, nothing), so a
# key can be neither accepted and ignored nor added without a test.
#
# 1. The keys are read from the tables of docs/scenario.md (section.key);
#    every one must have an entry in tests/data/keys/table.txt, and every
#    entry must name a documented key.
# 2. For each entry, the text report of `runoff run` and the summary of
#    `runoff check` (or the CSV of `runoff sweep`) on
#    tests/data/keys/base.yaml are computed without and with the change;
#    both runs must succeed, and the results must differ (`differs`), be
#    identical (`same`), or check's summary must differ (`shown`, for keys
#    that only label or describe).
# Prints one line per failure and "keys: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
table=$root/tests/data/keys/table.txt
base=$root/tests/data/keys/base.yaml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_keys.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
bad() { echo "keys: $*"; failed=$((failed + 1)); }

# 1. documented keys: "## `section`" headings, table rows "| `key` |"
#    (several keys in one cell: "`start`, `end`"), a sub-table introduced
#    by "Each region:" prefixing "regions.".
awk '
    /^## `/ { split($0, h, "`"); section = h[2]; prefix = ""; next }
    /^## / { section = ""; next }
    /^Each region:/ { prefix = "regions."; next }
    section != "" && /^\| `/ {
        n = split($0, cells, "|"); cell = cells[2]
        while (match(cell, /`[^`]*`/)) {
            print section "." prefix substr(cell, RSTART + 1, RLENGTH - 2)
            cell = substr(cell, RSTART + RLENGTH)
        }
    }' "$root/docs/scenario.md" | sort -u > "$tmp/documented"
grep -v '^#' "$table" | grep -v '^[[:space:]]*$' | cut -d'|' -f1 | sed 's/[[:space:]]*$//' |
    sort > "$tmp/tested"
if [ ! -s "$tmp/documented" ]; then
    bad "no key found in docs/scenario.md"
fi
for k in $(comm -23 "$tmp/documented" "$tmp/tested"); do
    bad "$k is documented in docs/scenario.md but has no entry in tests/data/keys/table.txt"
done
for k in $(comm -13 "$tmp/documented" "$tmp/tested"); do
    bad "$k has an entry in tests/data/keys/table.txt but is not documented"
done
for k in $(uniq -d "$tmp/tested"); do
    bad "$k has two entries in tests/data/keys/table.txt"
done

# 2. one run pair per entry. Items of CONTEXT/CHANGE are separated by ";;";
#    `file:NAME` replaces the scenario by tests/data/keys/NAME; `html`
#    compares the report pages (run --html); @ROOT@ in an assignment is
#    the repository.
# prepare DIR ITEMS: applies the sed: items to a copy of base (DIR/s.yaml)
# and writes the --set arguments to DIR/sets (one per line); DIR/sweep
# exists when an item is `sweep`.
prepare() {
    dir=$1; shift
    mkdir -p "$dir"
    printf '%s\n' "$*" | awk 'BEGIN { RS = ";;" } { gsub(/^[ \t\n]+|[ \t\n]+$/, ""); if ($0 != "") print }' \
        > "$dir/items"
    cp "$dir/../s.yaml" "$dir/s.yaml"
    : > "$dir/sets"
    while IFS= read -r item; do
        case $item in
        sweep) : > "$dir/sweep" ;;
        html) : > "$dir/html" ;;
        file:*) cp "$root/tests/data/keys/${item#file:}" "$dir/s.yaml" ;;
        sed:*) sed -e "${item#sed:}" "$dir/s.yaml" > "$dir/s.tmp" && mv "$dir/s.tmp" "$dir/s.yaml" ;;
        *) printf '%s\n' "$item" | sed "s|@ROOT@|$root|g" >> "$dir/sets" ;;
        esac
    done < "$dir/items"
}
# output DIR: the report (or sweep CSV) of DIR/s.yaml with DIR/sets, into DIR/out
output() {
    dir=$1
    set --
    while IFS= read -r s; do set -- "$@" --set "$s"; done < "$dir/sets"
    if [ -e "$dir/sweep" ] || [ -e "$dir/../sweep" ]; then
        "$bin" sweep "$dir/s.yaml" -q --threads 1 --out "$dir/out" "$@" 2> "$dir/err"
    elif [ -e "$dir/../html" ]; then
        "$bin" run "$dir/s.yaml" -q --threads 1 --html "$dir/out" "$@" > /dev/null 2> "$dir/err"
    else
        "$bin" run "$dir/s.yaml" -q --threads 1 "$@" > "$dir/out" 2> "$dir/err" &&
            "$bin" check "$dir/s.yaml" "$@" > "$dir/out.check" 2>> "$dir/err"
    fi
}
n=0
grep -v '^#' "$table" | grep -v '^[[:space:]]*$' > "$tmp/entries"
while IFS='|' read -r key context change expect; do
    n=$((n + 1))
    key=$(echo "$key" | sed 's/[[:space:]]*$//')
    expect=$(echo "$expect" | tr -d '[:space:]')
    d=$tmp/e$n
    mkdir -p "$d"
    cp "$base" "$d/s.yaml"
    # the context applies to both: base copy edited, then each run adds its own
    prepare "$d/ctx" "$context"
    cp "$d/ctx/s.yaml" "$d/s.yaml"
    [ -e "$d/ctx/sweep" ] && : > "$d/sweep"
    [ -e "$d/ctx/html" ] && : > "$d/html"
    prepare "$d/a" ""
    cp "$d/ctx/sets" "$d/a/sets"
    prepare "$d/b" "$change"
    cat "$d/ctx/sets" "$d/b/sets" > "$d/b/sets2" && mv "$d/b/sets2" "$d/b/sets"
    if ! output "$d/a"; then
        bad "$key: the unchanged run failed: $(cat "$d/a/err")"; continue
    fi
    if ! output "$d/b"; then
        bad "$key: the changed run failed: $(cat "$d/b/err")"; continue
    fi
    # the file name differs between a and b: compare without it. `differs`
    # and `same` look at the results (the report, or the sweep CSV);
    # `shown` at check's summary, which echoes settings.
    for run in a b; do
        sed "s|$d/[ab]/||g" "$d/$run/out" > "$d/$run/cmp"
        if [ -e "$d/$run/out.check" ]; then
            sed "s|$d/[ab]/||g" "$d/$run/out.check" > "$d/$run/cmp.check"
        else
            : > "$d/$run/cmp.check"
        fi
    done
    results_same=0; shown_same=0
    cmp -s "$d/a/cmp" "$d/b/cmp" && results_same=1
    cmp -s "$d/a/cmp.check" "$d/b/cmp.check" && shown_same=1
    case $expect in
    differs) [ $results_same = 0 ] || { bad "$key: changing it ($change) changed no result"; continue; } ;;
    shown) [ $shown_same = 0 ] || { bad "$key: changing it ($change) changed nothing check shows"; continue; } ;;
    same) [ $results_same = 1 ] || { bad "$key: documented as not changing results, but it did"; continue; } ;;
    *) bad "$key: unknown expectation '$expect'"; continue ;;
    esac
    passed=$((passed + 1))
done < "$tmp/entries"
echo "keys: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
