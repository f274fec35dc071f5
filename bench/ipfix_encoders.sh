#!/usr/bin/env bash
# Builds bench/ipfix_encoders.cc outside Bazel (it links libfixbuf and GLib,
# which the library does not take) and runs it from the repository root:
#   bench/ipfix_encoders.sh [FLOWS=1000000] [RUNS=5]
# Needs libfixbuf-dev (tools/install_deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/ipfix_encoders
trap 'rm -rf "$(dirname "$bin")"' EXIT
# shellcheck disable=SC2046
g++ -std=c++20 -O2 -DNDEBUG -I. bench/ipfix_encoders.cc io/ipfix_model.cc netflower/flow_record.cc \
  -o "$bin" $(pkg-config --cflags --libs libfixbuf absl_strings)
"$bin" "${1:-1000000}" "${2:-5}"
