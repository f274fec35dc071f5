#!/usr/bin/env bash
# Installs the Python package for Debian's python3 with pip (the in-tree
# build backend: nothing downloaded). In a venv, run `pip install .` instead.
#   tools/install_python.sh [PIP INSTALL OPTIONS...]    e.g. --user, --target DIR
set -euo pipefail
cd "$(dirname "$0")/.." && tools/install_deps.sh && exec /usr/bin/python3 -m pip install --no-build-isolation --break-system-packages "$@" .
