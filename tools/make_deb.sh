#!/usr/bin/env bash
# Builds netflower_<version>_<arch>.deb, the package a Debian or ARM
# appliance image installs:
#   /usr/bin/netflower                          the command-line tool
#   /usr/lib/<triplet>/libnetflower.so.2, .so, .a, pkgconfig/netflower.pc
#   /usr/include/netflower/*.h                  the C and C++ API
#   /usr/share/man/man1/netflower.1.gz, bash completion, copyright, changelog
#   /usr/lib/python3/dist-packages/netflower    the Python package for Debian's
#                                               python3 (amd64 only: see below)
# No capability is granted: capturing without root is a choice the
# administrator makes (README: setcap cap_net_raw,cap_net_admin=eip /usr/bin/netflower).
#
#   tools/make_deb.sh [--arch amd64|arm64] [--out DIR]
#
# arm64 comes from the cross build (tools/install.sh --aarch64) and carries
# no Python module: building it would need Debian's arm64 Python headers and
# an arm64 interpreter to test it with.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
arch=amd64
out=$PWD
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "make_deb.sh: unknown argument '$1' (usage: tools/make_deb.sh [--arch amd64|arm64] [--out DIR])" >&2; exit 2 ;;
  esac
done
case $arch in
  amd64) triplet=x86_64-linux-gnu; cross=(); strip=strip ;;
  arm64) triplet=aarch64-linux-gnu; cross=(--aarch64); strip=aarch64-linux-gnu-strip ;;
  *) echo "make_deb.sh: --arch is amd64 or arm64" >&2; exit 2 ;;
esac
tools/install_deps.sh
version=$(sed -n 's/^inline constexpr char kVersion\[\] = "\([^"]*\)";$/\1/p' netflower/netflower.h)
debversion=${version/-/\~}  # 2.0.0-dev -> 2.0.0~dev: sorts before 2.0.0
work=$(mktemp -d /tmp/netflower-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

tools/install.sh --prefix /usr --destdir "$root" --libdir "lib/$triplet" "${cross[@]}" >&2
# Debian's places: a compressed man page (install.sh stripped the
# binaries: debug symbols are not shipped).
gzip -9n "$root/usr/share/man/man1/netflower.1"
chmod 0644 "$root/usr/lib/$triplet/libnetflower.so.2"  # a library, not a program

depends_python=""
if [[ $arch == amd64 ]]; then
  # The Python package, built by the in-tree backend for Debian's python3.
  /usr/bin/python3 -m pip wheel --no-build-isolation --no-deps -w "$work/wheel" . >&2
  site=$root/usr/lib/python3/dist-packages
  mkdir -p "$site"
  (cd "$site" && python3 -m zipfile -e "$work"/wheel/netflower-*.whl . &&
    rm -rf netflower-*.dist-info netflower/_bin)
  # python -m netflower runs the packaged tool.
  mkdir -p "$site/netflower/_bin"
  ln -s ../../../../../bin/netflower "$site/netflower/_bin/netflower"  # /usr/bin/netflower
  "$strip" --strip-unneeded "$site"/netflower/_netflower.*.so
  pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  depends_python=", python3 (>= $pyver), python3 (<< ${pyver%.*}.$((${pyver#*.} + 1)))"
fi

doc=$root/usr/share/doc/netflower
mkdir -p "$doc"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: netflower
Source: the netflower repository

Files: *
Copyright: 2024-2026 the netflower developers
License: other
 The netflower repository states no license yet; the package is built for
 the appliances and machines of those who build it. Ask the netflower
 developers before redistributing it.
EOF
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
printf 'netflower (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- netflower developers <netflower@packages.debian.invalid>  %s\n' \
  "$debversion" "$commit" "$(date -R -d @"$(git log -1 --format=%ct 2>/dev/null || date +%s)")" |
  gzip -9n >"$doc/changelog.gz"

# Dependencies from the binaries' own needs (dpkg-shlibdeps reads a
# debian/control of its own).
mkdir -p "$work/src/debian"
printf 'Source: netflower\n\nPackage: netflower\nArchitecture: any\n' >"$work/src/debian/control"
elves=("$root/usr/bin/netflower" "$root/usr/lib/$triplet/libnetflower.so.2")
[[ $arch == amd64 ]] && elves+=("$root"/usr/lib/python3/dist-packages/netflower/_netflower.*.so)
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -l"$root/usr/lib/$triplet" \
  ${cross:+-xlibnetflower} "${elves[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || shlibs=""
[[ -n $shlibs ]] || { echo "make_deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: netflower
Version: $debversion
Architecture: $arch
Maintainer: netflower developers <netflower@packages.debian.invalid>
Installed-Size: $installed_size
Depends: $shlibs$depends_python
Suggests: python3-pandas, python3-distributed
Section: net
Priority: optional
Description: bidirectional network flows with CICFlowMeter-style features
 netflower turns packets into bidirectional TCP and UDP flows with 82
 CICFlowMeter-style columns (or the CIC-IDS datasets' layouts), from pcap and
 pcapng files, standard input and live Linux interfaces (TPACKET_V3 rings),
 to CSV, JSON Lines or Kafka.
 .
 This package holds the command-line tool and its manual page, the shared
 and static library with its C and C++ headers and pkg-config file, and the
 Python package for the system's python3.
EOF
echo "libnetflower 2 netflower (>= $debversion)" >"$root/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"$root/DEBIAN/triggers"
# Python writes __pycache__ next to the package when root imports it:
# removed with the package, so that purge leaves nothing.
cat >"$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
rm -rf /usr/lib/python3/dist-packages/netflower/__pycache__
EOF
chmod 0755 "$root/DEBIAN/prerm"
[[ $arch == amd64 ]] || rm "$root/DEBIAN/prerm"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum >DEBIAN/md5sums)
find "$root" -type d -exec chmod 0755 {} +
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums" "$root/DEBIAN/shlibs" "$root/DEBIAN/triggers"

deb=$out/netflower_${debversion}_$arch.deb
mkdir -p "$out"
dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >&2
echo "$deb"
