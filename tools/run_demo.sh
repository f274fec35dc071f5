#!/usr/bin/env bash
# Set-up plus the main job: installs what is missing, builds netflower
# (-c opt) and converts the capture bundled in the repository to CSV.
#   tools/run_demo.sh [CAPTURE] [OUT.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
capture=${1:-tests/testdata/loopback-web.pcap}
out=${2:-out/$(basename "${capture%.*}").csv}
mkdir -p "$(dirname "$out")"
bazel build -c opt //tools:netflower
bazel-bin/tools/netflower --pcap "$capture" --out "$out"
echo "CSV written to $(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
