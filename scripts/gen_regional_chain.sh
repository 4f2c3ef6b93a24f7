#!/bin/sh
# gen_regional_chain.sh ROOT RUNOFF — write the regional scenarios and the
# calibration fragments under ROOT (the repository, or a scratch directory
# to compare with it), in the order each needs the one before:
#
#   scenarios/regional/fr-2012-regions.yaml      2012, groups at sd 0: the
#                                                calibration input (nothing
#                                                earlier to fit on)
#   scenarios/calibration/fr-2012.yaml           runoff calibrate on 2012
#   scenarios/regional/fr-2017-regions.yaml      2017 with the 2012 fit: the
#                                                regional back-test
#   scenarios/calibration/fr-2012-2017.yaml      runoff calibrate on both
#   scenarios/fr-2022-runoff.yaml                2022 with the 2012+2017 fit
#
# The calibrator ignores its inputs' own sds, so the 2017 back-test file
# serves as 2017's calibration input. Paths given to runoff calibrate are
# relative to ROOT, so the fragments' comments are the same wherever ROOT
# is. RUNOFF is the runoff binary (make scenarios passes build/runoff).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$1
runoff=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mkdir -p "$root/scenarios/regional" "$root/scenarios/calibration"
cd "$root"
gen() { # OUT COMMAND...: write OUT only when COMMAND succeeds
    out=$1; shift
    "$@" > "$out.tmp" && mv "$out.tmp" "$out"
}
gen scenarios/regional/fr-2012-regions.yaml python3 "$repo/scripts/gen_regional.py" "$repo/data" 2012
gen scenarios/calibration/fr-2012.yaml "$runoff" calibrate scenarios/regional/fr-2012-regions.yaml
gen scenarios/regional/fr-2017-regions.yaml python3 "$repo/scripts/gen_regional.py" "$repo/data" 2017 \
    --regional-error scenarios/calibration/fr-2012.yaml
gen scenarios/calibration/fr-2012-2017.yaml "$runoff" calibrate \
    scenarios/regional/fr-2012-regions.yaml scenarios/regional/fr-2017-regions.yaml
gen scenarios/fr-2022-runoff.yaml python3 "$repo/scripts/gen_fr2022.py" \
    --regional-error scenarios/calibration/fr-2012-2017.yaml "$repo/data/fr-2022"
