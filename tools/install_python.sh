#!/usr/bin/env bash
# Builds the Python package `netflower` (optimized) and installs it for the
# system's Python 3, offline: after this, `python3 -c "import netflower"`
# works from any directory.
#
#   tools/install_python.sh [--target DIR]
#
# DIR defaults to the system Python's site directory for local installs
# (/usr/local/lib/python3.11/dist-packages on Debian 12). The package is the
# folder DIR/netflower (its Python files and _netflower.so); removing that
# folder uninstalls it.
set -euo pipefail
cd "$(dirname "$0")/.."
target=
if [[ ${1:-} == --target ]]; then
  target=${2:?--target needs a directory}
elif [[ $# -gt 0 ]]; then
  echo "usage: tools/install_python.sh [--target DIR]" >&2
  exit 2
fi
tools/install_deps.sh
python=/usr/bin/python3
[[ -n $target ]] || target=$("$python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
bazel build -c opt //python:_netflower.so
module=$(bazel info -c opt bazel-bin 2>/dev/null)/python/_netflower.so
mkdir -p "$target"
staging=$(mktemp -d "$target/.netflower.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp python/netflower/*.py "$module" "$staging/"
chmod 0644 "$staging"/*
chmod 0755 "$staging"
# Replace an earlier install in one step.
rm -rf "$target/netflower"
mv "$staging" "$target/netflower"
trap - EXIT
version=$(cd / && PYTHONPATH=$target "$python" -c 'import netflower; print(netflower.__version__)')
echo "installed netflower $version in $target/netflower"
