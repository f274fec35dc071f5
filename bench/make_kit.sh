#!/usr/bin/env bash
# Builds the benchmark kit for a board: static netflower, bench/throughput and
# bench/synth_capture, plus run_bench.sh, in one tarball.
#
#   bench/make_kit.sh [--arch aarch64|native] [--out DIR]
#
# Default --arch aarch64 (cross-built with --config=aarch64; set-up:
# tools/install_deps.sh --aarch64). Prints the tarball's path. On the board:
#   tar xzf netflower-bench-aarch64.tar.gz && cd netflower-bench-aarch64 &&
#   ./run_bench.sh [--iface eth0]
set -euo pipefail
cd "$(dirname "$0")/.."
arch=aarch64 out=$PWD/bazel-kit
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
configs=(--config=static_kit -c opt --strip=always)
case $arch in
  aarch64) tools/install_deps.sh --aarch64; configs=(--config=aarch64 "${configs[@]}") ;;
  native) tools/install_deps.sh; arch=$(uname -m) ;;
  *) echo "make_kit: --arch is aarch64 or native" >&2; exit 2 ;;
esac
targets=(//tools:netflower //bench:throughput //bench:synth_capture)
bazel build "${configs[@]}" "${targets[@]}"
bin=$(bazel info "${configs[@]}" bazel-bin 2>/dev/null)
name=netflower-bench-$arch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin" "$out"
cp "$bin/tools/netflower" "$bin/bench/throughput" "$bin/bench/synth_capture" "$stage/$name/bin/"
chmod u+w "$stage/$name/bin/"*
strip=strip
[[ $arch == aarch64 && $(uname -m) != aarch64 ]] && strip=aarch64-linux-gnu-strip
"$strip" "$stage/$name/bin/"*
cp bench/kit/run_bench.sh "$stage/$name/"
cp bench/kit/README.txt "$stage/$name/"
echo "netflower $(git describe --always --dirty 2>/dev/null || echo unknown), $arch, built $(date -u +%Y-%m-%d)" \
  >"$stage/$name/VERSION"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
