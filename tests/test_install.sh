#!/bin/sh
# make install into a staging directory (DESTDIR, PREFIX), then build and run
# a program against the installed header and library through runoff.pc,
# as a user of the library would: against the shared library with
# `pkg-config --cflags --libs runoff` as it is, and against the static one
# with --static. The shared library exports the runoff_* functions only.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d) || exit 1
trap 'rm -rf "$stage"' EXIT
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); else echo "install: FAILED: $*" >&2; failed=$((failed + 1)); fi; }

make -s -C "$root" install PREFIX=/opt/runoff DESTDIR="$stage" >/dev/null 2>&1
lib=$stage/opt/runoff/lib
for f in bin/runoff bin/runoff-plot lib/librunoff.a lib/librunoff.so lib/librunoff.so.0 include/runoff.h \
    lib/pkgconfig/runoff.pc share/man/man1/runoff.1; do
    check test -f "$stage/opt/runoff/$f"
done
check test -L "$lib/librunoff.so"
check test -L "$lib/librunoff.so.0"
check sh -c "readelf -d '$lib/librunoff.so' | grep -q 'SONAME.*\[librunoff.so.0\]'"
# Defined dynamic symbols other than runoff_*: none.
exported_other() { nm -D --defined-only "$lib/librunoff.so" | awk '$3 !~ /^runoff_/' | grep .; }
check test -z "$(exported_other)"
check sh -c "nm -D --defined-only '$lib/librunoff.so' | grep -q ' T runoff_version$'"
check grep -q '^prefix=/opt/runoff$' "$stage/opt/runoff/lib/pkgconfig/runoff.pc"
check "$stage/opt/runoff/bin/runoff" --version
check test -x "$stage/opt/runoff/bin/runoff-plot"
check sh -c '"$1" --help | grep -q "^Usage: runoff-plot"' sh "$stage/opt/runoff/bin/runoff-plot"
cat > "$stage/client.c" <<'C'
#include <runoff.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(argv[1], NULL, 0, &err);
    if (s == NULL)
        return 2;
    runoff_sim_options opt = {.threads = 1, .draws = 1000};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    int ok = r != NULL && runoff_result_draws(r) == 1000;
    runoff_result_free(r);
    runoff_scenario_free(s);
    ok = ok && strcmp(runoff_version(), RUNOFF_VERSION) == 0;
    puts(ok ? "ok" : "bad");
    return ok ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$stage/opt/runoff/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
# shellcheck disable=SC2046
check cc -o "$stage/client" "$stage/client.c" $(pkg-config --cflags --libs runoff)
check sh -c "readelf -d '$stage/client' | grep -q 'NEEDED.*\[librunoff.so.0\]'"
check env LD_LIBRARY_PATH="$lib" "$stage/client" "$root/tests/data/cli/national.yaml"
# The static library, with what runoff.pc says a static link needs.
# shellcheck disable=SC2046
check cc -o "$stage/client-static" "$stage/client.c" $(pkg-config --cflags runoff) "$lib/librunoff.a" \
    $(pkg-config --libs --static runoff | sed 's/ -lrunoff\b//')
check sh -c "! readelf -d '$stage/client-static' | grep -q librunoff"
check "$stage/client-static" "$root/tests/data/cli/national.yaml"
# A C++ program that takes the address of every function the shared library
# exports, through the installed header: each must be declared there, inside
# its extern "C" block (a declaration outside it names a C++-mangled symbol
# the link cannot find).
if command -v c++ >/dev/null 2>&1; then
    {
        echo '#include <runoff.h>'
        echo 'int main() { void (*volatile f[])(void) = {'
        nm -D --defined-only "$lib/librunoff.so" | awk '$2 == "T" { print "    (void (*)(void))&" $3 "," }'
        echo '}; return f[0] == 0; }'
    } >"$stage/client.cc"
    # shellcheck disable=SC2046
    check c++ -o "$stage/client-cxx" "$stage/client.cc" $(pkg-config --cflags --libs runoff)
    check env LD_LIBRARY_PATH="$lib" "$stage/client-cxx"
else
    echo "install: no C++ compiler, the C++ client is not checked" >&2
fi
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
