#!/usr/bin/env bash
# The Python package as users install it, on every CPython 3.9+ here:
# Debian's python3 always, and the others on PATH or under a pyenv root
# ($PYENV_ROOT, else ~/.pyenv). For each interpreter:
#   - pip wheel --no-build-isolation (the in-tree PEP 517 backend: nothing
#     downloaded) builds a wheel for it;
#   - a fresh venv (Debian's with --system-site-packages: its pandas, numpy,
#     pytest, distributed, confluent_kafka, mypy) gets the wheel with pip;
#   - the Python suite runs from outside the source tree against it
#     (python/tests/run_suite.py: pytest where the interpreter has it);
#   - the venv's `netflower` and `python -m netflower` run the CLI;
#   - Debian's: mypy --strict on examples/python_typed.py, with the stubs;
#   - pip uninstall leaves no file of the package behind.
# Then `python3 -m build --no-isolation` makes an sdist and builds the wheel
# from it, from scratch. Prints a table of interpreters and results; exits 1
# if any failed. Needs root (the live tests).
#   tools/python_wheels.sh [--no-sdist]
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
sdist=1
[[ ${1:-} == --no-sdist ]] && sdist=0
tools/install_deps.sh
bazel build --config=release //tests/testing:kafka_mock >/dev/null 2>&1 ||
  bazel build --config=release //tests/testing:kafka_mock
mock=$(bazel info --config=release bazel-bin 2>/dev/null)/tests/testing/kafka_mock
shared=${NETFLOWER_SHARED_DIR:-../shared}
[[ -d $shared/pcaps ]] && export NETFLOWER_SHARED_DIR=$(cd "$shared" && pwd)
work=$(mktemp -d /tmp/netflower-wheels.XXXXXX)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The interpreters: path, one per distinct executable, 3.9 or newer.
candidates=(/usr/bin/python3)
for minor in 9 10 11 12 13 14; do
  p=$(command -v "python3.$minor" 2>/dev/null) && candidates+=("$p")
done
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do [[ -x $p ]] && candidates+=("$p"); done
declare -A seen
interpreters=()
for p in "${candidates[@]}"; do
  real=$("$p" -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null) || continue
  [[ -n ${seen[$real]:-} ]] && continue
  seen[$real]=1
  if "$p" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    interpreters+=("$real")
  else
    echo "note: $real is older than 3.9: not supported, not built"
  fi
done

table=()
for py in "${interpreters[@]}"; do
  version=$("$py" -c 'import platform; print(platform.python_version())')
  dir=$work/$version-$(echo "$py" | md5sum | cut -c1-6)
  mkdir -p "$dir"
  echo "=== $py ($version)"
  started=$(date +%s)
  if ! "$py" -m pip wheel --no-build-isolation --no-deps -w "$dir/dist" . >"$dir/wheel.log" 2>&1; then
    tail -30 "$dir/wheel.log"
    fail "$py: the wheel did not build"
    table+=("$version $py: wheel failed")
    continue
  fi
  wheel=$(ls "$dir"/dist/netflower-*.whl)
  site=()
  [[ $py == /usr/bin/* ]] && site=(--system-site-packages)
  "$py" -m venv "${site[@]}" "$dir/venv" || { fail "$py: no venv"; continue; }
  "$dir/venv/bin/pip" install --no-index --no-deps "$wheel" >"$dir/install.log" 2>&1 ||
    { cat "$dir/install.log"; fail "$py: pip install of the wheel"; continue; }
  ok=1
  # From outside the source tree: the installed package, not python/netflower.
  (cd "$dir" && NETFLOWER_BIN=$dir/venv/bin/netflower NETFLOWER_KAFKA_MOCK=$mock \
    "$dir/venv/bin/python" "$repo/python/tests/run_suite.py") >"$dir/tests.log" 2>&1 ||
    { tail -40 "$dir/tests.log"; fail "$py: the Python suite"; ok=0; }
  summary=$(grep -E "passed|failed" "$dir/tests.log" | tail -1)
  grep -E "not run|skipped" "$dir/tests.log" | sed "s|^|  $version: |"
  (cd / && "$dir/venv/bin/netflower" --version | grep -q "^netflower ") ||
    { fail "$py: the venv's netflower command"; ok=0; }
  (cd / && "$dir/venv/bin/python" -m netflower --pcap "$repo/tests/testdata/loopback-web.pcap" \
    --out "$dir/m.csv" --quiet && [[ $(wc -l <"$dir/m.csv") -eq 40 ]]) ||
    { fail "$py: python -m netflower"; ok=0; }
  if [[ $py == /usr/bin/* ]]; then
    (cd "$dir" && "$dir/venv/bin/python" -m mypy --strict --no-incremental \
      "$repo/examples/python_typed.py") >"$dir/mypy.log" 2>&1 ||
      { cat "$dir/mypy.log"; fail "$py: mypy --strict examples/python_typed.py"; ok=0; }
    echo "  $version: $(tail -1 "$dir/mypy.log")"
  fi
  "$dir/venv/bin/pip" uninstall -y netflower >/dev/null 2>&1
  left=$(find "$dir/venv" -iname '*netflower*' | head -5)
  [[ -z $left ]] || { echo "$left"; fail "$py: pip uninstall left files"; ok=0; }
  size=$(stat -c %s "$wheel")
  table+=("$version $py: $( ((ok)) && echo ok || echo FAILED ), wheel $((size / 1024)) KiB, $summary, $(($(date +%s) - started)) s")
done

if ((sdist)); then
  echo "=== python3 -m build --no-isolation (an sdist, and the wheel built from it)"
  if /usr/bin/python3 -m build --no-isolation --outdir "$work/build" . >"$work/build.log" 2>&1; then
    ls -l "$work/build" | sed 's/^/  /'
    table+=("sdist $(ls "$work"/build/*.tar.gz | xargs basename) and the wheel built from it: ok")
  else
    tail -40 "$work/build.log"
    fail "python3 -m build --no-isolation"
  fi
fi

echo
echo "interpreters built and tested:"
printf '  %s\n' "${table[@]}"
echo "$failures failure(s)"
((failures == 0)) && rm -rf "$work"
exit $((failures > 0))
