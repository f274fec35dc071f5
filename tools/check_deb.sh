#!/usr/bin/env bash
# The Debian package as an appliance image gets it (run by
# tools/run_tests.sh; root): tools/make_deb.sh, lintian without errors,
# apt install of the file, the tool, its man page, the library through
# pkg-config, Debian's python3 importing the package and converting a
# committed capture to the CLI's bytes, then apt purge leaving none of the
# package's files behind.
#   tools/check_deb.sh
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/netflower-deb-check.XXXXXX)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
capture=$PWD/tests/testdata/loopback-web.pcap

deb=$(tools/make_deb.sh --out "$work" 2>"$work/make.log" | tail -1)
[[ -f $deb ]] || { tail -30 "$work/make.log"; echo "FAIL: tools/make_deb.sh"; exit 1; }
echo "built $(basename "$deb") ($(($(stat -c %s "$deb") / 1024)) KiB)"
lintian --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1
sed 's/^/  lintian: /' "$work/lintian.txt" | grep -v "root privileges"
check "lintian reports no error" bash -c "! grep -q '^E:' '$work/lintian.txt'"

if dpkg -s netflower >/dev/null 2>&1; then
  echo "FAIL: a netflower package is already installed; not touching it"; exit 1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" >"$work/apt.log" 2>&1
check "apt install of the .deb" dpkg -s netflower
dpkg -L netflower >"$work/files.txt"
(cd / && netflower --version) >"$work/version.txt" 2>&1
check "netflower --version from /usr/bin" grep -q "^netflower 2" "$work/version.txt"
check "man netflower" bash -c "MANWIDTH=80 man netflower 2>/dev/null | grep -q 'EXIT STATUS'"
check "pkg-config knows the library" pkg-config --exists netflower
(cd / && netflower --pcap "$capture" --out "$work/cli.csv" --quiet)
(cd / && /usr/bin/python3 -c "import netflower, sys; netflower.convert_pcap_to_csv(sys.argv[1], sys.argv[2], compat='none')" \
  "$capture" "$work/py.csv")
check "/usr/bin/python3 imports netflower and converts to the CLI's bytes" cmp -s "$work/cli.csv" "$work/py.csv"
check "python3 -m netflower runs the tool" bash -c "cd / && /usr/bin/python3 -m netflower --version | grep -q '^netflower 2'"
check "no capability granted" bash -c "[[ -z \$(getcap /usr/bin/netflower) ]]"
DEBIAN_FRONTEND=noninteractive apt-get purge -y netflower >>"$work/apt.log" 2>&1
check "apt purge" bash -c "! dpkg -s netflower >/dev/null 2>&1"
left=""
while read -r f; do
  [[ $f == / || -d $f ]] && continue
  [[ -e $f || -L $f ]] && left+="$f "
done <"$work/files.txt"
for d in /usr/lib/python3/dist-packages/netflower /usr/include/netflower /usr/share/doc/netflower; do
  [[ -e $d ]] && left+="$d "
done
check "purge left nothing (${left:-none})" test -z "$left"
echo "$failures failure(s)"
((failures == 0)) && rm -rf "$work"
exit $((failures > 0))
