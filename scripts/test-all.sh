#!/bin/sh
# The whole of `make test`, in stages, each printed with a banner:
#   1. normal   the test programs and checks, optimised build (build/)
#   2. sanitize the same test programs built with ASan+UBSan (build-san/),
#               leaks detected at exit
#   3. tsan     the tests that run threads (the simulation driver, sweeps
#               with points in parallel) built with ThreadSanitizer
#               (build-tsan/)
#   4. valgrind memcheck of runoff run/check/sweep on the default scenario
#   5. fuzz     replay of past fuzzer crashes, then a short libFuzzer run
#               of each target (FUZZ_TEST_SECONDS each)
# Every stage ends with "STAGE: N passed, N failed"; this script ends with
# one line "tests: N passed, N failed" summing them all.
# Environment (set by the Makefile): NORMAL_TESTS, SAN_TESTS, TSAN_TESTS, FUZZ_BUILD,
# FUZZ_TARGETS, FUZZ_TEST_SECONDS.
set -u
log=$(mktemp "${TMPDIR:-/tmp}/runoff-test.XXXXXX")
trap 'rm -f "$log" "$log.rc"' EXIT
total_passed=0; total_failed=0; summary=""

# stage LABEL COMMAND...: run, echo its output, add its closing counts.
stage() {
    label=$1; shift
    echo "======== $label"
    { "$@"; echo $? >"$log.rc"; } 2>&1 | tee "$log"
    counts=$(sed -n "s/^$label: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$log" | tail -1)
    if [ -z "$counts" ]; then
        counts="0 1" # the stage died before its closing line
        echo "$label: no closing line (exit status $(cat "$log.rc"))"
    fi
    set -- $counts
    total_passed=$((total_passed + $1)); total_failed=$((total_failed + $2))
    summary="$summary
  $label: $1 passed, $2 failed"
}

# shellcheck disable=SC2086
stage normal env TESTS_LABEL=normal RUNOFF_BIN=build/runoff \
    scripts/run-tests.sh $NORMAL_TESTS scripts/check_fr2022.sh scripts/check_backtest.sh scripts/check_regional.sh tests/test_baseline.sh \
    tests/test_plot.sh tests/test_html.sh tests/test_outputs.sh tests/test_install.sh tests/test_keys.sh \
    tests/test_python.sh tests/test_merge.sh tests/test_mpi.sh
# shellcheck disable=SC2086
stage sanitize env TESTS_LABEL=sanitize RUNOFF_BIN=build-san/runoff \
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    scripts/run-tests.sh $SAN_TESTS
# shellcheck disable=SC2086
stage tsan env TESTS_LABEL=tsan TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    scripts/run-tests.sh $TSAN_TESTS
stage valgrind scripts/valgrind-checks.sh build/runoff
# shellcheck disable=SC2086
stage fuzz scripts/fuzz.sh "$FUZZ_BUILD" "$FUZZ_TEST_SECONDS" $FUZZ_TARGETS

echo "======== summary$summary"
echo "tests: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
