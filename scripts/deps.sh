#!/bin/sh
# Make sure the Debian packages runoff builds against are present.
# As root: install what is missing with apt-get. Otherwise: print the exact
# command and fail, so nothing half-builds.
set -eu
pkgs="build-essential pkg-config libgsl-dev libyaml-dev libcmocka-dev"
need=""
command -v pkg-config >/dev/null 2>&1 || need="pkg-config"
command -v cc >/dev/null 2>&1 || need="$need build-essential"
command -v python3 >/dev/null 2>&1 || need="$need python3"
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists gsl || need="$need libgsl-dev"
    pkg-config --exists yaml-0.1 || need="$need libyaml-dev"
    pkg-config --exists cmocka || need="$need libcmocka-dev"
else
    need="$pkgs"
fi
# `deps.sh plots`: also gnuplot, which only the figures need.
if [ "${1:-}" = plots ] && ! command -v gnuplot >/dev/null 2>&1; then
    need="$need gnuplot-nox"
fi
[ -z "$need" ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" -ne 0 ]; then
    echo "runoff: missing packages:$need" >&2
    echo "runoff: run: sudo sh -c '$cmd'" >&2
    exit 1
fi
echo "runoff: installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >&2
