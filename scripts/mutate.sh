#!/bin/bash
# mutate.sh — a mutation run of the fast test suite: apply each single-line
# plausible bug of a table, one at a time, rebuild, run the suite, and count
# the mutants the suite kills (it fails) and the ones that survive (it
# passes). The tree is restored after each mutant and on any exit.
#
#   scripts/mutate.sh [-t TABLE] [N...]
#
# TABLE (default tests/data/mutants.txt) has one mutant a line,
#   FILE | PATTERN | REPLACEMENT
# PATTERN a fixed string that occurs exactly once in FILE and REPLACEMENT
# the text put in its place; blank lines and lines starting with '#' are
# ignored. N... runs only those mutants (1-based, in table order).
# The suite is `make check`'s programs plus tests/test_keys.sh, stopped at
# the first failure unless MUTATE_FULL=1. A mutant
# that does not compile counts as neither killed nor survived ("stillborn");
# a suite that runs longer than $MUTATE_TIMEOUT seconds (default 300; the whole suite takes 30)
# counts as killed, marked "[timeout after N s]" and counted apart in the
# summary (a hang fails the suite, but a slow survivor on a loaded machine
# would look the same: rerun those with a larger MUTATE_TIMEOUT). Each
# mutant's suite output goes to $MUTATE_LOG/NN.log (default build/mutants/).
# Prints one line per mutant, then "mutants: N killed, M survived" and the
# survivors. Exit status: 0 when none survived, 1 when some did, 2 on a
# bad table or a dirty file.
set -u
cd "$(dirname "$0")/.." || exit 2
table=tests/data/mutants.txt
if [ "${1:-}" = -t ]; then table=$2; shift 2; fi
logdir=${MUTATE_LOG:-build/mutants}
limit=${MUTATE_TIMEOUT:-300}
mkdir -p "$logdir" || exit 2

files=() pats=() reps=()
while IFS= read -r line || [ -n "$line" ]; do
    case $line in '' | '#'*) continue ;; esac
    f=${line%% | *}; rest=${line#* | }
    p=${rest%% | *}; r=${rest#* | }
    if [ "$f" = "$line" ] || [ "$p" = "$rest" ]; then
        echo "mutate: $table: not FILE | PATTERN | REPLACEMENT: $line" >&2; exit 2
    fi
    files+=("$f") pats+=("$p") reps+=("$r")
done <"$table"

# apply FILE PATTERN REPLACEMENT: replace the one occurrence, or fail
apply() {
    F=$1 P=$2 R=$3 python3 - <<'EOF'
import os, sys
f, p, r = os.environ["F"], os.environ["P"], os.environ["R"]
text = open(f).read()
n = text.count(p)
if n != 1:
    sys.exit(f"mutate: {f}: pattern occurs {n} times, expected once: {p}")
open(f, "w").write(text.replace(p, r))
EOF
}

# Check the whole table first, and refuse to touch a file with local
# changes: restoring it with git checkout would throw them away.
for i in "${!files[@]}"; do
    f=${files[$i]}
    git diff --quiet -- "$f" 2>/dev/null || { echo "mutate: $f has local changes (or is not tracked)" >&2; exit 2; }
    n=$(F=$f P=${pats[$i]} python3 -c 'import os; print(open(os.environ["F"]).read().count(os.environ["P"]))')
    [ "$n" = 1 ] || { echo "mutate: mutant $((i + 1)): pattern occurs $n times in $f: ${pats[$i]}" >&2; exit 2; }
done

current=""
restore() { [ -n "$current" ] && git checkout -- "$current"; current=""; }
trap restore EXIT
trap 'restore; exit 130' INT TERM

# The fast suite, as `make check` runs it, plus the key table. By default
# it stops at the first failing program (a mutant is killed once); with
# MUTATE_FULL=1 it runs every program, to list all that kill each mutant.
tests() {
    local failed=""
    for t in $(ls build/tests/test_* | grep -v '\.d$') tests/test_keys.sh; do
        echo "== $t"
        RUNOFF_BIN=build/runoff "$t"
        case $? in
        0 | 77) ;;
        *) failed="$failed $t"; [ "${MUTATE_FULL:-0}" = 1 ] || break ;;
        esac
    done
    [ -z "$failed" ] && return 0
    echo "failed:$failed"
    return 1
}
test_bins=$(ls tests/test_*.c | sed 's#^tests/\(.*\)\.c$#build/tests/\1#')

if [ $# -gt 0 ]; then selected=("$@"); else selected=($(seq 1 ${#files[@]})); fi
killed=0 survived=0 stillborn=0 timeouts=0 survivors=""
for n in "${selected[@]}"; do
    i=$((n - 1))
    [ "$i" -ge 0 ] && [ "$i" -lt ${#files[@]} ] || { echo "mutate: no mutant $n" >&2; exit 2; }
    f=${files[$i]}; log=$(printf '%s/%02d.log' "$logdir" "$n")
    desc="$n $f: ${pats[$i]} -> ${reps[$i]}"
    current=$f
    apply "$f" "${pats[$i]}" "${reps[$i]}" || exit 2
    if ! make -j2 build/runoff $test_bins >"$log" 2>&1; then
        stillborn=$((stillborn + 1)); echo "stillborn  $desc"
    else
        MUTATE_FULL=${MUTATE_FULL:-0} timeout "$limit" bash -c "$(declare -f tests); tests" >>"$log" 2>&1
        st=$?
        if [ "$st" -eq 0 ]; then
            survived=$((survived + 1)); survivors="$survivors
  $desc"
            echo "SURVIVED   $desc"
        elif [ "$st" -eq 124 ]; then
            # a hang is a failure, but not one any program reported: said
            # apart, since a slow survivor on a loaded machine looks the same
            killed=$((killed + 1)) timeouts=$((timeouts + 1))
            echo "killed     $desc  [timeout after ${limit} s]"
        else
            killed=$((killed + 1))
            echo "killed     $desc  [$(sed -n 's/^failed://p' "$log" | tr '\n' ' ' | sed 's#build/tests/##g; s# *$##')]"
        fi
    fi
    restore
done
# leave the build matching the restored tree
make -j2 build/runoff $test_bins >/dev/null 2>&1

echo "mutants: $killed killed$([ $timeouts -gt 0 ] && echo " ($timeouts by a timeout)"), $survived survived$([ $stillborn -gt 0 ] && echo ", $stillborn stillborn")"
[ -n "$survivors" ] && echo "survivors:$survivors"
[ "$survived" -eq 0 ] || exit 1
exit 0
