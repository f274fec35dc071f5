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
# Under --config=asan the module is instrumented: ASan's runtime must be the
# first library of the (uninstrumented) interpreter, and the interpreter's
# own allocations at exit are not the module's leaks.
if ldd "$pkg/_netflower.so" | grep -q libasan; then
  # libstdc++ too, so that ASan finds the real __cxa_throw to wrap.
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0
fi
export NETFLOWER_BIN=$PWD/tools/netflower
exec "$PY" -m pytest -q -p no:cacheprovider python/tests "$@"
