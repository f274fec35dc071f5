#!/usr/bin/env bash
# Runs the Python package's tests (python/tests) with Debian's python3 and
# pytest against the package as built: netflower/*.py next to _netflower.so.
set -euo pipefail
pkg=${TEST_TMPDIR:-$(mktemp -d)}/site/netflower
mkdir -p "$pkg"
cp python/netflower/*.py python/netflower/*.pyi python/netflower/py.typed "$pkg/"
cp python/_netflower.so "$pkg/"
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
export PYTHONPATH=$(dirname "$pkg")
# Under --config=asan the module is instrumented: ASan's runtime must be the
# first library of the (uninstrumented) interpreter, and the interpreter's
# own allocations at exit are not the module's leaks. Reports go to files:
# pytest captures stderr, and a report that aborts the interpreter would
# otherwise be lost with the capture; they are printed below.
sanitizer_logs=""
# (ldd's output is read whole: `ldd | grep -q` under pipefail fails when grep
# exits at the first match before ldd has written the rest, SIGPIPE; that
# race left the preload out in about one run in five.)
if [[ $(ldd "$pkg/_netflower.so") == *libasan* ]]; then
  # libstdc++ too, so that ASan finds the real __cxa_throw to wrap.
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
  sanitizer_logs=$(dirname "$pkg")/sanitizer
  export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0:log_path=$sanitizer_logs
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:log_path=$sanitizer_logs
fi
export NETFLOWER_BIN=$PWD/tools/netflower
export NETFLOWER_KAFKA_MOCK=$PWD/tests/testing/kafka_mock
rc=0
"$PY" -m pytest -q -p no:cacheprovider python/tests "$@" || rc=$?
if [[ -n $sanitizer_logs ]] && compgen -G "$sanitizer_logs.*" >/dev/null; then
  echo "sanitizer reports:" >&2
  cat "$sanitizer_logs".* >&2
  rc=${rc/#0/1}
fi
exit "$rc"
