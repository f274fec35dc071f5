#!/usr/bin/env bash
# Set-up plus the whole test suite: installs what is missing, then runs every
# test. The corpus tests (byte-exact goldens, every shared capture in both
# profiles) run too when ../shared exists next to the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/lint.sh --format
targets=(//...)
flags=()
shared=${NETFLOWER_SHARED_DIR:-../shared}
if [[ -d $shared/pcaps ]]; then
  targets+=(//tests:corpus_test)
  flags+=("--test_env=NETFLOWER_SHARED_DIR=$(cd "$shared" && pwd)")
else
  echo "run_tests: $shared not found; corpus tests not run" >&2
fi
bazel test "${flags[@]}" "${targets[@]}"
