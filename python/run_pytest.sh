#!/usr/bin/env bash
# Runs the Python package's tests (python/tests) with Debian's python3 and
# pytest against the package as built: netflower/*.py next to _netflower.so.
set -euo pipefail
pkg=${TEST_TMPDIR:-$(mktemp -d)}/site/netflower
mkdir -p "$pkg"
cp python/netflower/*.py "$pkg/"
cp python/_netflower.so "$pkg/"
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
export PYTHONPATH=$(dirname "$pkg")
export NETFLOWER_BIN=$PWD/tools/netflower
exec "$PY" -m pytest -q -p no:cacheprovider python/tests "$@"
