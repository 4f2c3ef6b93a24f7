#!/bin/sh
# Run libFuzzer targets: scripts/fuzz.sh BUILD_DIR SECONDS TARGET...
# For each target: replay its regression inputs (fuzz/regressions/T/, each
# a past crash that must stay fixed), then fuzz for SECONDS with one
# worker, starting from the seed corpus (scenarios/ and tests/data/ for
# fuzz_scenario, fuzz/seeds/T/ otherwise) plus what earlier runs found
# (BUILD_DIR/corpus/T, scratch, not committed). New crash inputs go to
# BUILD_DIR/crashes/T/. Each replay and each run counts as one check;
# closing line "fuzz: N passed, N failed".
set -u
build=$1; seconds=$2; shift 2
passed=0; failed=0; failed_names=""
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failed_names="$failed_names $1"; }
for t in "$@"; do
    bin=$build/$t
    corpus=$build/corpus/$t
    crashes=$build/crashes/$t
    mkdir -p "$corpus" "$crashes"
    case $t in
        fuzz_scenario) seeds="scenarios tests/data/good tests/data/bad tests/data/cli"
                       dict=fuzz/scenario.dict; maxlen=80000 ;;
        fuzz_pollcsv)  seeds="fuzz/seeds/$t"; dict=fuzz/pollcsv.dict; maxlen=4096 ;;
        *)             seeds="fuzz/seeds/$t"; dict=fuzz/set.dict; maxlen=512 ;;
    esac
    regs=$(find "fuzz/regressions/$t" -type f ! -name '*.md' 2>/dev/null | sort)
    if [ -n "$regs" ]; then
        echo "== fuzz: $t: replaying $(echo "$regs" | wc -l) regression input(s)"
        # shellcheck disable=SC2086
        if "$bin" $regs >"$build/$t.replay.log" 2>&1; then
            pass
        else
            echo "fuzz: $t: a regression input fails:"; tail -40 "$build/$t.replay.log"
            fail "$t-regressions"
        fi
    fi
    echo "== fuzz: $t for ${seconds}s"
    # shellcheck disable=SC2086
    if "$bin" -max_total_time="$seconds" -max_len="$maxlen" -timeout=20 -dict="$dict" \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" $seeds \
        >"$build/$t.log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$build/$t.log" | sed "s/^/fuzz: $t: /"
        pass
    else
        echo "fuzz: $t: found a failure (input in $crashes/):"; tail -60 "$build/$t.log"
        fail "$t"
    fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
