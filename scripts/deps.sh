#!/bin/sh
# Make sure the Debian packages runoff builds against are present.
# As root: install what is missing with apt-get. Otherwise: print the exact
# command and fail, so nothing half-builds.
set -eu
# clang + libclang-rt-14-dev (libFuzzer and the sanitizer runtimes) and
# valgrind are for `make test`'s sanitizer, valgrind and fuzzing stages.
pkgs="build-essential pkg-config libgsl-dev libyaml-dev libcmocka-dev python3 clang libclang-rt-14-dev valgrind"
need=""
command -v pkg-config >/dev/null 2>&1 || need="pkg-config"
command -v cc >/dev/null 2>&1 || need="$need build-essential"
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
if ! command -v clang >/dev/null 2>&1; then
    need="$need clang libclang-rt-14-dev"
else
    # The runtime is a separate package: check that a fuzzer links.
    probe=$(mktemp "${TMPDIR:-/tmp}/runoff-deps.XXXXXX")
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
        'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n & 0; }' |
        clang -x c -fsanitize=fuzzer,address,undefined -o "$probe" - >/dev/null 2>&1 ||
        need="$need libclang-rt-14-dev"
    rm -f "$probe"
fi
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
