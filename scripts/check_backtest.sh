#!/bin/sh
# Check that the committed national back-test scenarios
# (scenarios/backtest/*.yaml) are exactly what scripts/gen_backtest.py and
# scripts/gen_countries.py make
# from data/ today, no more and no fewer files, so that the data, the generators and
# the scenarios can never drift apart (as scripts/check_fr2022.sh does for the
# 2022 scenarios).
# Exit status: 0 when up to date, 1 when one differs or cannot be generated.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
if ! python3 "$root/scripts/gen_backtest.py" "$root/data" "$out"; then
    echo "check_backtest: scripts/gen_backtest.py failed" >&2
    exit 1
fi
if ! python3 "$root/scripts/gen_countries.py" "$root/data" "$out"; then
    echo "check_backtest: scripts/gen_countries.py failed" >&2
    exit 1
fi
# README.md is written by hand; everything else in the directory is generated.
if ! diff -ru -x README.md "$root/scenarios/backtest" "$out" >&2; then
    echo "check_backtest: scenarios/backtest is out of date; regenerate it with 'make scenarios'" >&2
    exit 1
fi
set -- "$out"/*.yaml
echo "check_backtest: scenarios/backtest is up to date ($# files)"
