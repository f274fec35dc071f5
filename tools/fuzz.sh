#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) and runs them.
#
#   tools/fuzz.sh [--runs N | --seconds S] [TARGET...]
#
# Targets: capture_reader_fuzzer decode_fuzzer convert_fuzzer label_rules_fuzzer
# (default: all).
# Each starts from tests/fuzz/seeds (plus ../shared/pcaps for the capture
# targets when present) and keeps its growing corpus in
# ${NETFLOWER_FUZZ_DIR:-/tmp/netflower-fuzz}/<target>. A crash is written to
# tests/fuzz/regressions/<target>/ (commit it with the fix: the replay test
# then runs it forever) and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-runs=100000)
targets=()
while (($#)); do
  case $1 in
    --runs) limit=("-runs=$2"); shift 2 ;;
    --seconds) limit=("-max_total_time=$2"); shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(capture_reader_fuzzer decode_fuzzer convert_fuzzer label_rules_fuzzer)
tools/install_deps.sh
work=${NETFLOWER_FUZZ_DIR:-/tmp/netflower-fuzz}
mkdir -p "$work"
if ! bazel build --config=fuzz "${targets[@]/#/\/\/tests\/fuzz:}" >"$work.build.log" 2>&1; then
  cat "$work.build.log" >&2
  exit 1
fi
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)  # its own output tree
status=0
for t in "${targets[@]}"; do
  corpus=$work/$t
  mkdir -p "$corpus" "tests/fuzz/regressions/$t"
  seeds=(tests/fuzz/seeds/capture)
  [[ $t == decode_fuzzer ]] && seeds=(tests/fuzz/seeds/frames)
  [[ $t == label_rules_fuzzer ]] && seeds=(tests/fuzz/seeds/labels)
  if [[ $t == *capture* || $t == convert_fuzzer ]] && [[ -d ../shared/pcaps ]]; then
    seeds+=(../shared/pcaps)
  fi
  echo "== $t ${limit[*]}"
  if ! "$bin/tests/fuzz/$t" "${limit[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="tests/fuzz/regressions/$t/" \
      "$corpus" "${seeds[@]}" 2>"$work/$t.log"; then
    echo "FAIL: $t found a problem; see $work/$t.log and tests/fuzz/regressions/$t/"
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$work/$t.log" || true
  tail -1 "$work/$t.log"
done
exit $status
