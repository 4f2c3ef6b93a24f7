#!/bin/sh
# The Python package (python/runoff) against build/librunoff.so and the CLI
# it was built with: pytest over python/tests. Skipped (77) when no Python
# with pytest is found (Debian: python3-pytest, which `make deps` installs).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
py=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pytest' >/dev/null 2>&1; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "python: skipped: no python3 with pytest (python3-pytest)"
    exit 77
fi
RUNOFF_LIB=${RUNOFF_LIB:-$root/build/librunoff.so} RUNOFF_BIN=${RUNOFF_BIN:-$root/build/runoff} \
    PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
    exec "$py" -m pytest -q -p no:cacheprovider "$root/python/tests"
