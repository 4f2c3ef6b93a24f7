#!/bin/sh
# Run every test program given as an argument, print each one's output and
# a closing line "LABEL: N passed, N failed" counting programs (LABEL is
# $TESTS_LABEL, default "tests").
# Exit status: 0 when all passed.
set -u
label=${TESTS_LABEL:-tests}
passed=0; failed=0; failed_names=""
for t in "$@"; do
    echo "== $t"
    if "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names="$failed_names $t"
    fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
