#!/bin/sh
# test_plot.sh — end-to-end checks of scripts/plot on the fixtures in
# tests/data/plot/ (see its README): every figure kind as PNG and SVG, the
# files' formats, the text that must survive CSV quoting, and the error
# paths (status, message naming file and line, old output untouched, no
# temporary file left behind). Prints one line per check and a closing
# "plot: N passed, N failed"; exit status 0 when all passed, 77 (skipped)
# when gnuplot is missing.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
plot=$root/scripts/plot
data=$root/tests/data/plot

# gnuplot is the one dependency the C build does not need: without it this
# check is skipped (exit 77), never installed from here (`make deps` does).
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot: SKIP: gnuplot is not installed (make deps installs it)"
    exit 77
fi
command -v python3 >/dev/null 2>&1 ||
    { echo "plot: python3 is missing (it checks the SVG); run: sudo apt-get install -y python3" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_plot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
figs=$tmp/figs
mkdir "$figs" "$tmp/tmpdir"
# scripts/plot's own work directories go here, so we can see it cleans up.
TMPDIR=$tmp/tmpdir
export TMPDIR

passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
# fail WHAT [quiet]: quiet when the last command's stderr is not the point.
fail() {
    failed=$((failed + 1)); echo "FAIL - $1"
    [ "${2-}" = quiet ] || [ ! -s "$tmp/stderr" ] || sed 's/^/    stderr: /' "$tmp/stderr"
}

# run CMD...: status in $status, stderr in $tmp/stderr.
run() {
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    status=$?
}

is_png() {
    [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ]
}
is_svg() {
    python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$1" 2>/dev/null
}

# figure NAME OUT CMD...: CMD must succeed silently and leave a valid OUT.
figure() {
    name=$1; out=$2; shift 2
    run "$@"
    if [ "$status" -ne 0 ]; then fail "$name: status $status"; return; fi
    if [ -s "$tmp/stderr" ]; then fail "$name: unexpected messages"; return; fi
    if [ ! -s "$out" ]; then fail "$name: $out missing or empty"; return; fi
    case $out in
    *.png) is_png "$out" || { fail "$name: $out lacks the PNG signature"; return; } ;;
    *.svg) is_svg "$out" || { fail "$name: $out is not well-formed XML"; return; } ;;
    esac
    pass "$name"
}

# refuse NAME WANT_STATUS PATTERN CMD...: CMD must exit with WANT_STATUS
# ("nonzero" for any failure) and print PATTERN (grep -E) on stderr.
refuse() {
    name=$1; want=$2; pattern=$3; shift 3
    run "$@"
    if [ "$want" = nonzero ] && [ "$status" -eq 0 ]; then fail "$name: status 0"; return; fi
    if [ "$want" != nonzero ] && [ "$status" -ne "$want" ]; then fail "$name: status $status, want $want"; return; fi
    grep -Eq -- "$pattern" "$tmp/stderr" || { fail "$name: no message matching '$pattern'"; return; }
    pass "$name"
}

# contains NAME FILE TEXT: the figure holds TEXT (fixed string).
contains() {
    if grep -Fq -- "$3" "$2"; then pass "$1"; else fail "$1: '$3' not in $2" quiet; fi
}

grep -v '^actual_share,' "$data/stats.csv" >"$tmp/stats_noactual.csv"
grep -v '^win_probability' "$data/stats.csv" >"$tmp/stats_nowin.csv"

for f in png svg; do
    figure "distribution $f" "$figs/distribution.$f" \
        "$plot" distribution "$data/stats.csv" "$data/hist.csv" "$figs/distribution.$f"
    figure "distribution without actual, --bin 1, --label-a $f" "$figs/distribution_noactual.$f" \
        "$plot" --bin 1 --label-a "Zoé d'Arc" distribution "$tmp/stats_noactual.csv" "$data/hist.csv" \
        "$figs/distribution_noactual.$f"
    figure "sweep with named column $f" "$figs/sweep.$f" \
        "$plot" sweep "$data/sweep.csv" polling_error.scale "$figs/sweep.$f"
    figure "sweep with its only column implied $f" "$figs/sweep_implied.$f" \
        "$plot" sweep "$data/sweep.csv" "$figs/sweep_implied.$f"
    figure "sweep with a constant second column $f" "$figs/sweep2.$f" \
        "$plot" sweep "$data/sweep2.csv" transfers.adjust.other.alice "$figs/sweep2.$f"
    figure "history $f" "$figs/history.$f" "$plot" history "$data/history.csv" "$figs/history.$f"
    figure "history-share $f" "$figs/history-share.$f" "$plot" history-share "$data/history.csv" \
        "$figs/history-share.$f"
    figure "sweep-share $f" "$figs/sweep-share.$f" "$plot" sweep-share "$data/sweep.csv" "$figs/sweep-share.$f"
    figure "heatmap $f" "$figs/heatmap.$f" "$plot" --source "Test data" heatmap "$data/grid.csv" \
        transfers.adjust.other.alice polling_error.scale "$figs/heatmap.$f"
    figure "regions $f" "$figs/regions.$f" "$plot" regions "$data/regions.csv" "$figs/regions.$f"
    figure "trend $f" "$figs/trend.$f" "$plot" --label-a "Zoé d'Arc" trend "$data/trend.csv" "$figs/trend.$f"
done
grep -v '^poll,' "$data/trend.csv" >"$tmp/trend_nopolls.csv"
figure "trend without poll rows" "$figs/trend_nopolls.png" \
    "$plot" trend "$tmp/trend_nopolls.csv" "$figs/trend_nopolls.png"

# The SVG keeps text as text: quoted CSV fields arrive whole, escaped for XML.
contains "region name with a comma" "$figs/regions.svg" "Corse, Haute-Corse"
contains "region name with accents" "$figs/regions.svg" "Paris, Île-de-France"
contains "region name with quotes, & and <" "$figs/regions.svg" "Saint 'Pierre' &amp; Miquelon &lt;Œuvre>"
contains "--label-a in the title" "$figs/distribution_noactual.svg" "Zoé d'Arc"
contains "actual result in the legend" "$figs/distribution.svg" "actual 58.6 %"
contains "constant swept column in the subtitle" "$figs/sweep2.svg" "polling_error.scale = 1"
contains "history-share actual line in the legend" "$figs/history-share.svg" "actual share 58.6 %"
contains "sweep: the key in words on the axis" "$figs/sweep.svg" "systematic polling error, sd (points)"
contains "heatmap: both keys in words" "$figs/heatmap.svg" "share of other’s voters going to alice (%)"
contains "heatmap: the source line" "$figs/heatmap.svg" "Source: Test data. Drawn "
contains "heatmap: the provenance line" "$figs/heatmap.svg" "runoff 0.1.0, scenario fnv1a64:0000000000000010"
contains "a source line on every figure" "$figs/regions.svg" "Source: runoff simulation"
if grep -Fq "y2" "$figs/sweep.svg" || grep -c "P(alice wins)" "$figs/sweep-share.svg" | grep -qv '^0$'; then
    fail "one axis per figure: no share axis on the sweep, no probability on the share" quiet
else
    pass "one axis per figure: no share axis on the sweep, no probability on the share"
fi
contains "trend: --label-a in the axis label" "$figs/trend.svg" "Zoé d'Arc’s share of the two-way vote (%)"
contains "trend: last day in the subtitle" "$figs/trend.svg" "2030-05-08: 52.9 %"
contains "trend: poll count in the subtitle" "$figs/trend.svg" "(3 polls)"
if grep -Fq "actual" "$figs/distribution_noactual.svg"; then
    fail "no actual mark without actual_share" quiet
else
    pass "no actual mark without actual_share"
fi

# Usage errors: status 2.
refuse "no arguments" 2 "missing KIND" "$plot"
refuse "unknown kind" 2 "unknown kind 'pie'" "$plot" pie "$data/regions.csv" "$figs/x.png"
refuse "unknown option" 2 "unknown option" "$plot" --colour regions "$data/regions.csv" "$figs/x.png"
refuse "wrong argument count" 2 "usage: plot regions" "$plot" regions "$figs/x.png"
refuse "unknown output format" 2 "must end in .png or .svg" "$plot" regions "$data/regions.csv" "$figs/x.pdf"
refuse "bad --size" 2 "--size" "$plot" --size 800 regions "$data/regions.csv" "$figs/x.png"
refuse "output directory missing" 2 "does not exist" "$plot" regions "$data/regions.csv" "$tmp/no/x.png"
run "$plot" --help
if [ "$status" -eq 0 ] && grep -q '^Usage: scripts/plot' "$tmp/stdout"; then pass "--help"; else fail "--help"; fi

# Input errors: status 2, message "file:line: reason".
refuse "missing input file" nonzero "nothing\\.csv: no such file" \
    "$plot" regions "$tmp/nothing.csv" "$figs/x.png"
refuse "missing histogram file" nonzero "nothing\\.csv: no such file" \
    "$plot" distribution "$data/stats.csv" "$tmp/nothing.csv" "$figs/x.svg"
refuse "unterminated quote" 2 "bad_quote\\.csv:3: unterminated quoted field" \
    "$plot" regions "$data/bad_quote.csv" "$figs/x.png"
refuse "wrong field count" 2 "bad_fields\\.csv:3: 14 fields, but the header has 13" \
    "$plot" regions "$data/bad_fields.csv" "$figs/x.png"
refuse "non-number" 2 "bad_number\\.csv:3: share_quantile_0.5 \"52%\" is not a number" \
    "$plot" regions "$data/bad_number.csv" "$figs/x.png"
refuse "missing column" 2 "bad_columns\\.csv:1: missing column \"share_quantile_0.5\"" \
    "$plot" regions "$data/bad_columns.csv" "$figs/x.png"
refuse "impossible date" 2 "bad_date\\.csv:4: aggregation.as_of \"2022-02-30\" is not a valid date" \
    "$plot" history "$data/bad_date.csv" "$figs/x.png"
refuse "histogram bin upside down" 2 "bad_hist\\.csv:2: upper" \
    "$plot" distribution "$data/stats.csv" "$data/bad_hist.csv" "$figs/x.png"
refuse "stats without win_probability" 2 "stats_nowin\\.csv: no win_probability row" \
    "$plot" distribution "$tmp/stats_nowin.csv" "$data/hist.csv" "$figs/x.png"
refuse "stats fed as histogram" 2 "missing column \"lower\"" \
    "$plot" distribution "$data/stats.csv" "$data/stats.csv" "$figs/x.png"
refuse "several swept columns, none named" 2 "several swept columns" \
    "$plot" sweep "$data/sweep2.csv" "$figs/x.png"
refuse "unknown sweep column" 2 "\"turnout\" is not a swept column" \
    "$plot" sweep "$data/sweep.csv" turnout "$figs/x.png"
refuse "second swept column varies" 2 "swept column transfers.adjust.other.alice changes" \
    "$plot" sweep "$data/sweep2.csv" polling_error.scale "$figs/x.png"
refuse "trend bands out of order" 2 "bad_trend\\.csv:4: trend bands are not in order" \
    "$plot" trend "$data/bad_trend.csv" "$figs/x.png"
refuse "regions fed as trend" 2 "missing column \"kind\"" \
    "$plot" trend "$data/regions.csv" "$figs/x.png"
refuse "trend usage" 2 "usage: plot trend" "$plot" trend "$data/trend.csv" extra "$figs/x.png"
refuse "heatmap of a grid with a hole" 2 "bad_grid\\.csv: 8 rows for a 3 x 3 grid: not a full grid" \
    "$plot" heatmap "$data/bad_grid.csv" transfers.adjust.other.alice polling_error.scale "$figs/x.png"
refuse "heatmap of one column twice" 2 "X and Y are the same column" \
    "$plot" heatmap "$data/grid.csv" polling_error.scale polling_error.scale "$figs/x.png"
refuse "history without dates" 2 "\"aggregation.as_of\" is not a swept column" \
    "$plot" history "$data/sweep.csv" "$figs/x.png"

# Runtime errors: status 1; the old figure stays as it was.
cp "$figs/regions.png" "$tmp/old.png"
refuse "gnuplot not installed" 1 "gnuplot not found" \
    env GNUPLOT="$tmp/no-gnuplot" "$plot" regions "$data/regions.csv" "$figs/regions.png"
refuse "gnuplot failing" 1 "gnuplot failed" \
    env GNUPLOT=false "$plot" regions "$data/regions.csv" "$figs/regions.png"
refuse "bad input over an existing figure" 2 "bad_number" \
    "$plot" regions "$data/bad_number.csv" "$figs/regions.png"
if cmp -s "$tmp/old.png" "$figs/regions.png"; then pass "failed runs leave the old figure"; else fail "failed runs leave the old figure" quiet; fi

# Nothing but the figures in the output directory, nothing in TMPDIR.
want="distribution.png distribution.svg distribution_noactual.png distribution_noactual.svg heatmap.png \
heatmap.svg history-share.png history-share.svg history.png history.svg regions.png regions.svg sweep-share.png \
sweep-share.svg sweep.png sweep.svg sweep2.png sweep2.svg sweep_implied.png sweep_implied.svg trend.png trend.svg \
trend_nopolls.png "
got=$(cd "$figs" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
if [ "$got" = "$want" ]; then
    pass "no temporary file left next to the figures"
else
    fail "no temporary file left next to the figures (found: $got)" quiet
fi
if [ -z "$(ls -A "$TMPDIR")" ]; then pass "no work directory left in TMPDIR"; else fail "work directory left in TMPDIR" quiet; fi

echo "plot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
