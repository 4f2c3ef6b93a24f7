#!/bin/sh
# Run every test program given as an argument, print each one's output and
# a closing line "LABEL: N passed, N failed" counting programs (LABEL is
# $TESTS_LABEL, default "tests").
# A program that exits with status 77 was skipped (a tool it needs is
# missing): it is listed on a line "skipped: NAME..." and counts as neither.
# Exit status: 0 when none failed.
set -u
label=${TESTS_LABEL:-tests}
passed=0; failed=0; failed_names=""; skipped_names=""
for t in "$@"; do
    echo "== $t"
    "$t"
    case $? in
    0) passed=$((passed + 1)) ;;
    77) skipped_names="$skipped_names $t" ;;
    *) failed=$((failed + 1)); failed_names="$failed_names $t" ;;
    esac
done
[ -n "$skipped_names" ] && echo "skipped:$skipped_names"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
