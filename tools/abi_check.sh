#!/usr/bin/env bash
# Checks libnetflower.so's ABI against the committed baseline
# (netflower/abi/libnetflower.so.<major>.abi.gz, written by abidw from
# Debian's abigail-tools: the exported symbols and the types of the public
# headers; gzipped, most of it being the standard library's types): a change that breaks the ABI (a function removed, a type
# of the public headers changed) fails unless the major version changed.
# Additions pass. netflower/abi/suppressions.txt names what abidiff
# reports that is not ABI (a pimpl's insides).
#   tools/abi_check.sh            build (--config=release: with debug info) and compare
#   tools/abi_check.sh --update   write the baseline anew (after a major version
#                                 change, or to record additions)
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
[[ ${1:-} == --update ]] && update=1

bazel build --config=release //netflower:libnetflower.so.2 >/dev/null 2>&1 ||
  bazel build --config=release //netflower:libnetflower.so.2
major=$(sed -n 's/^#define NETFLOWER_VERSION_MAJOR \([0-9]*\)$/\1/p' netflower/netflower.h)
lib="$(bazel info --config=release bazel-bin 2>/dev/null)/netflower/libnetflower.so.$major"
baseline=netflower/abi/libnetflower.so.$major.abi.gz

headers=$(mktemp -d)  # scratch
trap 'rm -rf "$headers"' EXIT

if ((update)); then
  mkdir -p netflower/abi
  abidw --no-show-locs --no-corpus-path "$lib" | gzip -9n >"$baseline"
  echo "abi_check: wrote $baseline ($(wc -c <"$baseline") bytes)"
  exit 0
fi
if [[ ! -f $baseline ]]; then
  echo "abi_check: no baseline for major version $major ($baseline): the major version changed;" \
    "record the new ABI with tools/abi_check.sh --update" >&2
  exit 1
fi
set +e
gunzip -c "$baseline" >"$headers/baseline.abi"
abidiff --no-show-locs --suppressions netflower/abi/suppressions.txt "$headers/baseline.abi" "$lib" \
  >"$headers/diff.txt"
status=$?
set -e
# abidiff's exit status is a bit field: 1 error, 2 usage, 4 an ABI change,
# 8 an incompatible one. It sets 8 only for removed symbols, so a changed
# type (a field's type or place, an enumerator) counts here too: anything
# but added functions and variables breaks the ABI.
if ((status & 3)); then
  cat "$headers/diff.txt" >&2
  echo "abi_check: abidiff failed (status $status)" >&2
  exit 1
fi
breaking=$(sed -n -E 's/^(Functions|Variables|Function symbols|Variable symbols) changes summary: ([0-9]+) Removed, ([0-9]+) Changed.*/\2 \3/p' \
  "$headers/diff.txt" | awk '{n += $1 + $2} END {print n + 0}')
if ((status & 8)) || ((breaking > 0)); then
  cat "$headers/diff.txt"
  echo "abi_check: libnetflower.so.$major breaks the ABI of its baseline ($breaking removed or" \
    "changed): keep the old interface, or raise NETFLOWER_VERSION_MAJOR (the soname) and" \
    "record the new ABI with --update" >&2
  exit 1
fi
if ((status & 4)); then
  cat "$headers/diff.txt"
  echo "abi_check: compatible additions (record them with tools/abi_check.sh --update)"
fi
echo "abi_check: libnetflower.so.$major is compatible with $baseline"
