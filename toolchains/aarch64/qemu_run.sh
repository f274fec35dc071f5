#!/usr/bin/env bash
# --run_under wrapper for --config=aarch64: runs an aarch64 ELF program under
# qemu-aarch64-static; runs anything else (a test script) directly, telling it
# through NETFLOWER_TARGET_RUNNER how to start the aarch64 programs it calls.
# No binfmt_misc registration is needed, so it works in containers too.
set -euo pipefail
qemu=${QEMU_AARCH64:-qemu-aarch64-static}
if ! command -v "$qemu" >/dev/null; then
  echo "qemu_run: $qemu not found; run tools/install_deps.sh --aarch64" >&2
  exit 127
fi
program=$1
# ELF magic, 64-bit, little-endian, e_machine 0xb7 (EM_AARCH64) at offset 18.
if [[ $(od -An -tx1 -j0 -N4 "$program" | tr -d ' \n') == 7f454c46 &&
      $(od -An -tx1 -j18 -N2 "$program" | tr -d ' \n') == b700 ]]; then
  exec "$qemu" "$@"
fi
export NETFLOWER_TARGET_RUNNER=$qemu
exec "$@"
