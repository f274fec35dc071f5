#!/usr/bin/env bash
# Installs netflower into a fresh prefix and uses it the way an appliance
# builder would, out of the tree, with nothing but the compiler and
# pkg-config (run by tools/run_tests.sh; needs root for the live example):
#   - builds examples/embed.c, embed_convert.cc and embed_live.cc against the
#     shared library, and embed_convert.cc against the static one;
#   - runs them on a committed capture: the C example's CSV must equal the
#     installed CLI's, byte for byte; the live one on loopback;
#   - checks the shared library: soname, only API symbols exported (nm -D),
#     the ABI against the committed baseline (tools/abi_check.sh);
#   - checks the man page renders and the bash completion parses.
#   tools/check_install.sh [--keep DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/netflower-install.XXXXXX)
if [[ ${1:-} == --keep ]]; then work=$2; rm -rf "$work"; mkdir -p "$work"; fi
prefix=$work/prefix
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

tools/install.sh --prefix "$prefix" 2>"$work/install.log" || { cat "$work/install.log"; exit 1; }
check "installed: bin, lib, include, pkgconfig, man, completion" test -x "$prefix/bin/netflower" \
  -a -f "$prefix/lib/libnetflower.a" -a -L "$prefix/lib/libnetflower.so" \
  -a -f "$prefix/include/netflower/netflower_c.h" -a -f "$prefix/lib/pkgconfig/netflower.pc" \
  -a -f "$prefix/share/man/man1/netflower.1" -a -f "$prefix/share/bash-completion/completions/netflower"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
capture=tests/testdata/loopback-web.pcap
# shellcheck disable=SC2046  # pkg-config's words are separate arguments
cc -std=c99 -Wall -Wextra -pedantic -Werror examples/embed.c $(pkg-config --cflags --libs netflower) \
  -o "$work/embed"
check "examples/embed.c builds with cc and pkg-config" test -x "$work/embed"
# shellcheck disable=SC2046
c++ -std=c++20 -Wall -Werror examples/embed_convert.cc $(pkg-config --cflags --libs netflower) \
  -o "$work/embed_convert"
check "examples/embed_convert.cc builds with c++ and pkg-config" test -x "$work/embed_convert"
# shellcheck disable=SC2046
c++ -std=c++20 -Wall -Werror examples/embed_live.cc $(pkg-config --cflags --libs netflower) \
  -o "$work/embed_live"
check "examples/embed_live.cc builds with c++ and pkg-config" test -x "$work/embed_live"
# The static twin: libnetflower.a and what pkg-config --static adds.
# shellcheck disable=SC2046
c++ -std=c++20 examples/embed_convert.cc $(pkg-config --cflags netflower) "$prefix/lib/libnetflower.a" \
  $(pkg-config --static --libs netflower | sed 's/-lnetflower\b//') -o "$work/embed_convert_static"
check "examples/embed_convert.cc links statically" test -x "$work/embed_convert_static"
check "... without libnetflower.so" bash -c "! ldd '$work/embed_convert_static' | grep -q libnetflower"

export LD_LIBRARY_PATH=$prefix/lib
"$prefix/bin/netflower" --pcap "$capture" --out "$work/cli.csv" --quiet
"$work/embed" "$capture" "$work/c.csv" >"$work/embed.out"; rc=$?
check "embed runs (exit $rc)" test "$rc" -eq 0
check "... its CSV equals the CLI's, byte for byte" cmp "$work/c.csv" "$work/cli.csv"
check "... and it counted the flows" grep -q "39 flows (29 TCP)" "$work/embed.out"
"$work/embed_convert" "$capture" "$work/cpp.csv" >"$work/embed_convert.out"; rc=$?
check "embed_convert runs (exit $rc)" test "$rc" -eq 0
check "... its CSV equals the CLI's" cmp "$work/cpp.csv" "$work/cli.csv"
unset LD_LIBRARY_PATH
"$work/embed_convert_static" "$capture" "$work/static.csv" >/dev/null; rc=$?
check "the static embed_convert runs without the shared library (exit $rc)" test "$rc" -eq 0
check "... its CSV equals the CLI's" cmp "$work/static.csv" "$work/cli.csv"
export LD_LIBRARY_PATH=$prefix/lib
# Live, on loopback: a few UDP datagrams while it captures (root).
"$work/embed_live" lo 2 >"$work/live.out" 2>&1 &
live=$!
sleep 0.7
for i in 1 2 3; do echo "netflower $i" >/dev/udp/127.0.0.1/9; sleep 0.1; done
wait "$live"; rc=$?
check "embed_live captures on lo (exit $rc; needs root)" test "$rc" -eq 0
check "... and prints the UDP flow it saw" grep -q "flow 127.0.0.1:[0-9]* -> 127.0.0.1:9 proto 17" "$work/live.out"

so=$(readlink "$prefix/lib/libnetflower.so")
check "the shared library's soname is $so" \
  bash -c "readelf -d '$prefix/lib/$so' | grep -q 'Library soname: \\[$so\\]'"
nm -D --defined-only "$prefix/lib/$so" | awk '{print $3}' | c++filt >"$work/exports.txt"
check "it exports only the API (netflower_*, netflower::)" \
  bash -c "! grep -vE '^(netflower_[a-z_]+|netflower::.*)@@NETFLOWER_[0-9]+$|^NETFLOWER_[0-9]+$' '$work/exports.txt'"
echo "  $(grep -c . "$work/exports.txt") dynamic symbols"
if tools/abi_check.sh "$prefix/lib/$so" >"$work/abi.out" 2>&1; then
  echo "ok: the ABI matches the committed baseline (tools/abi_check.sh)"
else
  cat "$work/abi.out"
  fail "the ABI differs incompatibly from the committed baseline"
fi

check "the man page renders" bash -c "MANWIDTH=80 man -l '$prefix/share/man/man1/netflower.1' 2>'$work/man.err' | grep -q 'EXIT STATUS' && ! grep -q . '$work/man.err'"
check "the bash completion parses" bash -n "$prefix/share/bash-completion/completions/netflower"

echo "$failures failure(s)"
((failures == 0)) && rm -rf "$work"
exit $((failures > 0))
