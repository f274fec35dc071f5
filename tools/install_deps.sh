#!/usr/bin/env bash
# Installs the Debian 12 packages netflower needs, only those missing.
# Everything comes from Debian's archive; nothing else is downloaded.
#   tools/install_deps.sh [--aarch64]
# --aarch64 adds what the cross build needs (--config=aarch64): Debian's arm64
# architecture, the cross compiler, qemu-user-static and the :arm64 libraries.
set -euo pipefail
aarch64=0
[[ ${1:-} == --aarch64 ]] && aarch64=1

packages=(
  bazel-bootstrap bazel-rules-java g++ pkg-config
  libpcap-dev liburing-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests and benchmarks: network namespaces, captures, traffic
  iproute2 tcpdump python3 procps file
  # the CIC layouts read the way published CIC-IDS pipelines read them
  python3-pandas
  # the Python package: its module, its tests
  pybind11-dev python3-dev python3-pytest
  # many captures on a Dask cluster (netflower.dask), tested on a LocalCluster
  python3-distributed
  # tunnels and Wi-Fi: tshark, the independent decoder the tests compare with
  tshark
  # flows to Kafka (librdkafka, its mock cluster for the tests), kcat to consume
  librdkafka-dev kcat python3-confluent-kafka
  # application labels (--dpi): nDPI, and its own reader the tests compare with
  libndpi-dev libndpi-bin
  # style checks; fuzzing (libFuzzer with clang-14)
  clang-format clang-tidy clang-14 libclang-rt-14-dev
  # IPFIX export, checked by independent collectors and decoders: nfcapd and
  # nfdump, libfixbuf's ipfixDump, pmacct's nfacctd; libfixbuf-dev for the
  # encoder comparison (bench/ipfix_encoders.sh)
  nfdump libfixbuf-tools pmacct libfixbuf-dev
  # the installed library: its ABI check (abidw, abidiff), man page check
  abigail-tools man-db
  # the Python package as users install it: venvs, sdists, typing; the .deb
  python3-venv python3-build python3-mypy lintian libcap2-bin
)
if ((aarch64)); then
  packages+=(
    crossbuild-essential-arm64 gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static
    libpcap-dev:arm64 liburing-dev:arm64 libabsl-dev:arm64 librdkafka-dev:arm64
    # nDPI's runtime only: Debian's libndpi-dev is not multi-arch (its arm64
    # twin would replace the native one); third_party:ndpi links the
    # arm64 shared object by its file name, with the native headers
    libndpi4.2:arm64
    libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64
    # libpcap.a's own dependencies, for the static benchmark kit
    libdbus-1-dev:arm64 libsystemd-dev:arm64
  )
fi

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
if ((aarch64)) && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo[@]}" dpkg --add-architecture arm64
  "${sudo[@]}" apt-get update >/dev/null
fi
if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  "${sudo[@]}" apt-get update >/dev/null
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
