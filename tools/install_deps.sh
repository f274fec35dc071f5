#!/usr/bin/env bash
# Installs the Debian 12 packages netflower needs, only those missing.
# Everything comes from Debian's archive; nothing else is downloaded.
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java g++ pkg-config
  libpcap-dev liburing-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests and benchmarks: network namespaces, captures, traffic
  iproute2 tcpdump python3 procps
  # style check; fuzzing (libFuzzer with clang-14)
  clang-format clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install_deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  "${sudo[@]}" apt-get update >/dev/null
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
