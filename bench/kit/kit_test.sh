#!/usr/bin/env bash
# Builds the aarch64 benchmark kit and runs its script under qemu on a small
# capture (tools/run_tests.sh calls this; it needs bazel, so it is not a
# bazel test). Fails unless the binaries are static aarch64 programs and every
# table the script prints has its rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=$(bench/make_kit.sh --arch aarch64 | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$kit"
dir=$work/netflower-bench-aarch64
failures=0
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi; }
for b in netflower throughput synth_capture; do
  check "$b is a static aarch64 program" \
    bash -c "file '$dir/bin/$b' | grep -q 'ARM aarch64.*statically linked'"
done
RUNNER=qemu-aarch64-static "$dir/run_bench.sh" --packets 100000 --runs 1 --jobs-max 2 \
  --workdir "$work/run" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt"; exit 1; }
cat "$work/out.txt"
check "binary size reported" grep -qE '^netflower binary \(static\) +[0-9]+ KiB' "$work/out.txt"
check "idle RSS reported" grep -qE '^idle RSS .* [0-9.]+ MiB' "$work/out.txt"
check "RSS per flow reported" grep -qE '^RSS per tracked flow +[0-9]+ bytes' "$work/out.txt"
check "libpcap baseline row" grep -qE '^libpcap read loop .* 1\.00 ' "$work/out.txt"
for j in 1 2; do
  check "jobs $j row with packets/s" grep -qE "^netflower --compat=none --jobs $j +[0-9]+ " "$work/out.txt"
done
check "every packet of the capture was read" grep -q '(100000 packets)' "$work/out.txt"
((failures == 0)) && echo "kit checks passed"
exit $((failures > 0))
