#!/bin/sh
# deps.sh [build|check|test|plots] — make sure the Debian packages a stage needs
# are present. As root: install what is missing with apt-get. Otherwise:
# print the exact command and fail, so nothing half-builds.
#
#   build  what `make` and `make run` need: a C compiler, pkg-config,
#          GSL, libyaml, libcsv and json-c headers (libcsv reads poll tables,
#          json-c the map outlines)
#   check  build, plus what `make check` and `make bench` need: cmocka,
#          python3
#   test   check, plus what `make test` needs (the default): clang and
#          its runtimes (sanitizers, libFuzzer), valgrind, gnuplot
#          (tests/test_plot.sh), pytest (tests/test_python.sh), Open MPI
#          (make MPI=1, tests/test_mpi.sh), chromium (tests/test_html.sh
#          renders the report page headless)
#   plots  build, plus gnuplot (`make plots`)
#
# This is the only place that installs anything: the build and the tests
# never do.
set -eu
mode=${1:-test}
case $mode in
build | check | test | plots) ;;
*)
    echo "deps.sh: unknown mode '$mode', expected build, check, test or plots" >&2
    exit 2
    ;;
esac

need=""
command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || need="build-essential"
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists gsl || need="$need libgsl-dev"
    pkg-config --exists yaml-0.1 || need="$need libyaml-dev"
    pkg-config --exists json-c || need="$need libjson-c-dev"
    case $mode in check | test) pkg-config --exists cmocka || need="$need libcmocka-dev" ;; esac
else
    need="$need pkg-config libgsl-dev libyaml-dev libjson-c-dev"
    case $mode in check | test) need="$need libcmocka-dev" ;; esac
fi
# libcsv has no pkg-config file: its header says whether it is there.
[ -f /usr/include/csv.h ] || need="$need libcsv-dev"
case $mode in check | test) command -v python3 >/dev/null 2>&1 || need="$need python3" ;; esac

if [ "$mode" = test ]; then
    command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
    # Debian's pytest is for the system python3, which may not be first in PATH.
    { python3 -c 'import pytest' || /usr/bin/python3 -c 'import pytest'; } >/dev/null 2>&1 ||
        need="$need python3-pytest"
    command -v mpicc >/dev/null 2>&1 || need="$need libopenmpi-dev"
    command -v mpirun >/dev/null 2>&1 || need="$need openmpi-bin"
    command -v chromium >/dev/null 2>&1 || need="$need chromium"
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
fi
if { [ "$mode" = test ] || [ "$mode" = plots ]; } && ! command -v gnuplot >/dev/null 2>&1; then
    need="$need gnuplot-nox"
fi

need=${need# }
[ -z "$need" ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" -ne 0 ]; then
    echo "runoff: missing packages for '$mode': $need" >&2
    echo "runoff: run: sudo sh -c '$cmd'" >&2
    exit 1
fi
echo "runoff: installing for '$mode': $need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >&2
