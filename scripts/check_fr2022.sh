#!/bin/sh
# Check that the committed 2022 scenarios are exactly what
# scripts/gen_fr2022.py makes from data/fr-2022 today, so that the data, the
# generator and the scenarios can never drift apart.
# Exit status: 0 when up to date, 1 when one differs or cannot be generated.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp) || exit 1
err=$(mktemp) || { rm -f "$out"; exit 1; }
trap 'rm -f "$out" "$err"' EXIT
status=0
for variant in full polls-only; do
    if [ "$variant" = full ]; then
        # the regional error fitted on 2012 and 2017 (check_regional.sh
        # checks that fragment is current)
        scenario="scenarios/fr-2022-runoff.yaml"
        flag="--regional-error $root/scenarios/calibration/fr-2012-2017.yaml"
    else
        scenario="scenarios/fr-2022-polls-only.yaml"; flag="--polls-only"
    fi
    # The generator reports skipped survey rows on stderr; show them only on failure.
    # shellcheck disable=SC2086
    if ! python3 "$root/scripts/gen_fr2022.py" $flag "$root/data/fr-2022" >"$out" 2>"$err"; then
        cat "$err" >&2
        echo "check_fr2022: scripts/gen_fr2022.py $flag failed" >&2
        exit 1
    fi
    if ! diff -u "$root/$scenario" "$out" >&2; then
        echo "check_fr2022: $scenario is out of date; regenerate it with 'make scenarios'" >&2
        status=1
    else
        echo "check_fr2022: $scenario is up to date"
    fi
done
exit $status
