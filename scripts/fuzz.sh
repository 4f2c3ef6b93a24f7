#!/bin/sh
# Run libFuzzer targets: scripts/fuzz.sh BUILD_DIR SECONDS TARGET...
# Each target first replays its regression inputs (fuzz/regressions/T/),
# then fuzzes for SECONDS with one worker, starting from the seed corpus
# (scenarios/ and tests/data/ for fuzz_scenario, fuzz/seeds/T/ otherwise)
# and keeping what it finds in BUILD_DIR/corpus/T (scratch, not committed).
# Crash inputs go to BUILD_DIR/crashes/T/. Exit status 0 when nothing failed.
set -u
build=$1; seconds=$2; shift 2
status=0
for t in "$@"; do
    bin=$build/$t
    corpus=$build/corpus/$t
    crashes=$build/crashes/$t
    mkdir -p "$corpus" "$crashes"
    case $t in
        fuzz_scenario) seeds="scenarios tests/data/good tests/data/bad tests/data/cli"
                       dict=fuzz/scenario.dict ;;
        *)             seeds="fuzz/seeds/$t"; dict=fuzz/set.dict ;;
    esac
    regs=$(find "fuzz/regressions/$t" -type f 2>/dev/null | sort)
    if [ -n "$regs" ]; then
        echo "fuzz: $t: replaying $(echo "$regs" | wc -l) regression input(s)"
        # shellcheck disable=SC2086
        "$bin" $regs >"$build/$t.replay.log" 2>&1 || {
            echo "fuzz: $t: a regression input fails:"; tail -40 "$build/$t.replay.log"
            status=1; continue; }
    fi
    echo "fuzz: $t for ${seconds}s"
    # shellcheck disable=SC2086
    if "$bin" -max_total_time="$seconds" -dict="$dict" -artifact_prefix="$crashes/" \
        -print_final_stats=1 "$corpus" $seeds >"$build/$t.log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$build/$t.log" | sed "s/^/fuzz: $t: /"
    else
        echo "fuzz: $t: found a failure (input in $crashes/):"; tail -40 "$build/$t.log"
        status=1
    fi
done
exit $status
