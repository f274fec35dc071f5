#!/usr/bin/env bash
# Installs netflower like any library and tool, under a prefix:
#   bin/netflower
#   lib/libnetflower.so.<major>, lib/libnetflower.so, lib/libnetflower.a
#   include/netflower/*.h            (the public C and C++ API)
#   lib/pkgconfig/netflower.pc       (pkg-config --cflags --libs netflower)
#   share/man/man1/netflower.1       (generated from the option table)
#   share/bash-completion/completions/netflower
#
#   tools/install.sh --prefix DIR [--destdir STAGE] [--libdir lib] [--aarch64]
#
# Builds what it installs with Bazel first (--config=release: optimized; the
# debug information stays in bazel-bin for tools/abi_check.sh, the installed
# files are stripped); --aarch64 cross-builds
# the binaries and libraries for 64-bit ARM (--config=aarch64; the man page
# and completion are the same everywhere). --destdir stages the files under
# STAGE/DIR (for packaging) while the .pc file names DIR. Installs only
# these files; run it again to replace them.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=""
destdir=""
libdir="lib"
config=(--config=release)
while (($#)); do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    --libdir) libdir=$2; shift 2 ;;
    --aarch64) config=(--config=aarch64); shift ;;
    *) echo "install.sh: unknown argument '$1' (usage: tools/install.sh --prefix DIR [--destdir STAGE] [--libdir lib] [--aarch64])" >&2; exit 2 ;;
  esac
done
[[ -n $prefix ]] || { echo "install.sh: --prefix DIR is required" >&2; exit 2; }
[[ $prefix == /* ]] || prefix=$(cd "$(dirname "$prefix")" 2>/dev/null && pwd)/$(basename "$prefix")

if [[ ${config[0]} == --config=aarch64 ]]; then tools/install_deps.sh --aarch64; else tools/install_deps.sh; fi
bazel build "${config[@]}" //tools:netflower //netflower:libnetflower.so.2 >&2
bazel build --config=release //tools:cli_docs >&2  # runs here, whatever the target
bin=$(bazel info "${config[@]}" bazel-bin 2>/dev/null)
docs=$(bazel info --config=release bazel-bin 2>/dev/null)/tools/cli_docs
exec_root=$(bazel info "${config[@]}" execution_root 2>/dev/null)
major=$(sed -n 's/^#define NETFLOWER_VERSION_MAJOR \([0-9]*\)$/\1/p' netflower/netflower.h)
version=$(sed -n 's/^inline constexpr char kVersion\[\] = "\([^"]*\)";$/\1/p' netflower/netflower.h)
so=libnetflower.so.$major
[[ -f $bin/netflower/$so ]] || { echo "install.sh: $so was not built (version $major)" >&2; exit 1; }

root=$destdir$prefix
install -d "$root/bin" "$root/$libdir/pkgconfig" "$root/include/netflower" \
  "$root/share/man/man1" "$root/share/bash-completion/completions"
strip=strip
[[ ${config[0]} == --config=aarch64 ]] && strip=aarch64-linux-gnu-strip
install -m 0755 "$bin/tools/netflower" "$root/bin/netflower"
install -m 0755 "$bin/netflower/$so" "$root/$libdir/$so"
"$strip" --strip-unneeded "$root/bin/netflower" "$root/$libdir/$so"
ln -sfn "$so" "$root/$libdir/libnetflower.so"
for h in export.h flow_record.h netflower.h netflower_c.h options.h stats.h; do
  install -m 0644 "netflower/$h" "$root/include/netflower/$h"
done

# The static library: the objects the shared one is linked from (its link's
# parameter file lists them).
objects=()
while IFS= read -r o; do objects+=("$exec_root/$o"); done \
  < <(grep '\.pic\.o$' "$bin/netflower/$so-2.params")
rm -f "$root/$libdir/libnetflower.a"
ar=ar
[[ ${config[0]} == --config=aarch64 ]] && ar=aarch64-linux-gnu-ar
"$ar" rcs "$root/$libdir/libnetflower.a" "${objects[@]}"
"$strip" --strip-debug "$root/$libdir/libnetflower.a"

# What a static link needs besides: the shared library's own dependencies.
private=$(readelf -d "$bin/netflower/$so" | sed -n 's/.*Shared library: \[lib\([^.]*\)\.so.*/-l\1/p' |
  grep -vxE -- '-l(c|m|gcc_s|stdc\+\+|ld-linux-x86-64|ld-linux-aarch64)' | tr '\n' ' ')
cat >"$root/$libdir/pkgconfig/netflower.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/$libdir
includedir=\${prefix}/include

Name: netflower
Description: Packets to bidirectional network flows with CICFlowMeter-style features (C and C++ API)
Version: ${version%-dev}
Requires: absl_status absl_statusor
Libs: -L\${libdir} -lnetflower
Libs.private: ${private}-lstdc++ -lm
Cflags: -I\${includedir}
EOF

"$docs" --man >"$root/share/man/man1/netflower.1"
"$docs" --completion >"$root/share/bash-completion/completions/netflower"
chmod 0644 "$root/share/man/man1/netflower.1" "$root/share/bash-completion/completions/netflower"
echo "installed netflower $version under $root" >&2
