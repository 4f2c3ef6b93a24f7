#!/bin/sh
# Check that the regional chain (scripts/gen_regional_chain.sh: the 2012 and
# 2017 regional scenarios, the calibration fragments runoff calibrate fits on
# them, and the 2022 scenario that uses the fit) is exactly what the
# generators and the engine ($RUNOFF_BIN, default build/runoff) make from
# data/ today. Exit status: 0 when up to date, 1 otherwise.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
if ! "$root/scripts/gen_regional_chain.sh" "$out" "$bin" 2>"$out/stderr"; then
    cat "$out/stderr" >&2
    echo "check_regional: scripts/gen_regional_chain.sh failed" >&2
    exit 1
fi
status=0
for f in scenarios/regional/fr-2012-regions.yaml scenarios/regional/fr-2017-regions.yaml \
    scenarios/calibration/fr-2012.yaml scenarios/calibration/fr-2012-2017.yaml \
    scenarios/fr-2022-runoff.yaml; do
    if diff -u "$root/$f" "$out/$f" >&2; then
        echo "check_regional: $f is up to date"
    else
        echo "check_regional: $f is out of date; regenerate it with 'make scenarios'" >&2
        status=1
    fi
done
exit $status
