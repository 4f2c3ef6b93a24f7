#!/bin/sh
# Check that the committed default scenario is exactly what
# scripts/gen_fr2022.py makes from data/fr-2022 today, so that the data, the
# generator and scenarios/fr-2022-runoff.yaml can never drift apart.
# Exit status: 0 when up to date, 1 when it differs or cannot be generated.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
scenario="$root/scenarios/fr-2022-runoff.yaml"
out=$(mktemp) || exit 1
err=$(mktemp) || { rm -f "$out"; exit 1; }
trap 'rm -f "$out" "$err"' EXIT

# The generator reports skipped survey rows on stderr; show them only on failure.
if ! python3 "$root/scripts/gen_fr2022.py" "$root/data/fr-2022" >"$out" 2>"$err"; then
    cat "$err" >&2
    echo "check_fr2022: scripts/gen_fr2022.py failed" >&2
    exit 1
fi
if ! diff -u "$scenario" "$out" >&2; then
    echo "check_fr2022: scenarios/fr-2022-runoff.yaml is out of date;" \
         "regenerate it with 'make scenarios/fr-2022-runoff.yaml'" >&2
    exit 1
fi
echo "check_fr2022: scenarios/fr-2022-runoff.yaml is up to date"
