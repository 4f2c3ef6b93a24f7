#!/bin/sh
# test_html.sh — the report page in a real browser: runoff run --html on the
# 2022 scenario, loaded by headless Chromium with networking disabled, then
# tests/check_html.py compares the page with the JSON of the same run (every
# number shown, every outline and region drawn and coloured, every chart's
# text alternative, no network request started by the page). A page that
# loads a remote image is checked too, so the network check is known to
# catch one. Screenshots (desktop and phone widths) are kept as artefacts in
# $BUILD/html/ (default build/html/). Exit status 0 when all passed, 77
# (skipped) when chromium is missing; it is never installed from here
# (`make deps` does).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RUNOFF_BIN:-$root/build/runoff}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
art=$(dirname "$bin")/html

if ! command -v chromium >/dev/null 2>&1; then
    echo "html: SKIP: chromium is not installed (make deps installs it)"
    exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "html: python3 is missing" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_html.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$art" || exit 1

# No network: a fresh network namespace when the system allows one (only a
# loopback, down), else a proxy that does not exist. Chromium's own update
# checks are started either way; the net log tells them from the page's.
offline=""
unshare -n true 2>/dev/null && offline="unshare -n"
browse() { # browse OUT-FLAG... URL: headless Chromium, its own profile in $tmp
    # shellcheck disable=SC2086
    $offline timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
        --no-first-run --disable-background-networking --disable-component-update \
        --proxy-server=127.0.0.1:9 --user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chromium.log"
}

status=0
fail() { echo "FAIL - $1"; status=1; }

scenario=$root/scenarios/fr-2022-runoff.yaml
if ! "$bin" run "$scenario" -q --draws 20000 --html "$tmp/report.html" --json="$tmp/run.json" \
    >/dev/null 2>"$tmp/err"; then
    cat "$tmp/err"
    fail "runoff run --html"
    exit 1
fi
echo "ok - runoff run --html wrote $(wc -c <"$tmp/report.html") bytes"

# Nothing in the file can fetch: no URL, no src/href out of the page, no CSS
# url() or @import.
if grep -Eqi 'https?:|//[a-z0-9.-]+\.[a-z]|src=|href="[^#]|url\(|@import' "$tmp/report.html"; then
    fail "the page names something outside itself: $(grep -Eoi 'https?:[^" ]*|src=[^ ]*|url\([^)]*|@import' "$tmp/report.html" | head -3)"
else
    echo "ok - the page names nothing outside itself"
fi

browse --log-net-log="$tmp/net.json" --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" ||
    fail "chromium could not load the page (see below)"
python3 "$root/tests/check_html.py" "$tmp/dom.html" "$tmp/run.json" \
    "$root/data/geo/fr-departements.geojson" "$tmp/net.json" >"$tmp/checks" || status=1
cat "$tmp/checks"

# The network check catches a page that loads a remote image.
printf '<!DOCTYPE html><title>t</title><img src="http://example.invalid/x.png" alt="">\n' >"$tmp/bad.html"
browse --log-net-log="$tmp/bad-net.json" --dump-dom "file://$tmp/bad.html" >/dev/null
if python3 - "$tmp/bad-net.json" <<'PY'
import json, sys
net = json.load(open(sys.argv[1]))
names = {v: k for k, v in net["constants"]["logEventTypes"].items()}
sys.exit(0 if any(names.get(e["type"]) == "URL_REQUEST_START_JOB"
                  and "example.invalid" in e.get("params", {}).get("url", "")
                  and e["params"].get("initiator") != "not an origin" for e in net["events"]) else 1)
PY
then echo "ok - the network check sees a page's remote image"
else fail "the network check missed a page's remote image"; fi

for shot in report:1000,3400 report-phone:390,5200; do
    name=${shot%%:*}
    browse --window-size="${shot#*:}" --screenshot="$art/$name.png" "file://$tmp/report.html" >/dev/null
    if [ -s "$art/$name.png" ] && [ "$(head -c 8 "$art/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        echo "ok - screenshot $art/$name.png"
    else
        fail "screenshot $name.png"
    fi
done
cp "$tmp/report.html" "$art/report.html"
[ $status -eq 0 ] || sed 's/^/    chromium: /' "$tmp/chromium.log" | tail -20
echo "html: $([ $status -eq 0 ] && echo passed || echo failed)"
exit $status
