#!/usr/bin/env bash
# Replays the seed corpus and every committed crash regression through each
# fuzz target: none may crash or trip a sanitizer.
set -euo pipefail
source tests/testing/target_exec.sh
dir=tests/fuzz
status=0
run() {  # run TARGET INPUTS...
  local target=$1; shift
  echo "== $target"
  if ! "$(target_program "$dir/$target")" "$@"; then
    echo "FAIL: $target"
    status=1
  fi
}
regressions() { [[ -d $dir/regressions/$1 ]] && echo "$dir/regressions/$1"; }
run capture_reader_fuzzer "$dir/seeds/capture" tests/testdata/loopback-web.pcap $(regressions capture_reader_fuzzer)
run convert_fuzzer "$dir/seeds/capture" $(regressions convert_fuzzer)
run decode_fuzzer "$dir/seeds/frames" $(regressions decode_fuzzer)
run label_rules_fuzzer "$dir/seeds/labels" $(regressions label_rules_fuzzer)
exit $status
