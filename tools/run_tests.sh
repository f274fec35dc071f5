#!/usr/bin/env bash
# Set-up plus the whole test suite (what CI runs, via .ci/run):
#   1. clang-format check;
#   2. every test (the live-capture ones need root: CI runs as root);
#   3. the installed library (tools/check_install.sh): tools/install.sh into a
#      fresh prefix, the examples built out of the tree with pkg-config and
#      run, only API symbols exported, the ABI against its baseline; the
#      Python package built and tested for every CPython 3.9+ found
#      (tools/python_wheels.sh); the .deb (tools/check_deb.sh);
#   4. clang-tidy on every source (tools/lint.sh, about 7 minutes on 2 cores);
#   5. every test again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   6. the pipeline and capture tests under ThreadSanitizer;
#   7. each libFuzzer target for a short fixed number of runs;
#   8. aarch64: cross build (--config=aarch64), every test but the AF_PACKET
#      ones under qemu-aarch64-static (corpus goldens included), and the
#      benchmark kit built and run under qemu (bench/kit/kit_test.sh);
#   9. aarch64 kernel (tools/arm_vm_test.sh): Debian's arm64 kernel booted
#      under qemu-system-aarch64 runs the AF_PACKET tests qemu-user cannot
#      (live capture, the live CLI, Kafka), the io_uring writer test and the
#      benchmark kit with its live part; about 8 minutes.
# The corpus tests (byte-exact goldens, every shared capture in both
# profiles, in 1-3 jobs) run in 2, 5 and 8 when ../shared exists next to the
# repository (or NETFLOWER_SHARED_DIR names it).
#   tools/run_tests.sh [--quick]    --quick: steps 1 and 2 only
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
quick=0
[[ ${1:-} == --quick ]] && quick=1

# Each step's wall time, printed when the next one starts and at the end
# (pass or fail), so a slow CI run says where its time went.
suite_start=$(date +%s)
step_start=$suite_start
step_name=""
step_done() {
  [[ -n $step_name ]] || return 0
  printf '=== %s: %d s (suite so far %d s)\n' "$step_name" $(($(date +%s) - step_start)) \
    $(($(date +%s) - suite_start))
}
step() {
  step_done
  step_name=$*
  step_start=$(date +%s)
  printf '\n=== %s\n' "$*"
}
trap step_done EXIT

step "format"
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

step "tests"
bazel test "${flags[@]}" "${targets[@]}"
((quick)) && exit 0

step "installed library: examples built out of the tree with pkg-config, exports, ABI"
tools/check_install.sh

step "Python package: a wheel per CPython 3.9+, each tested in a fresh venv; the sdist"
tools/python_wheels.sh

step "Debian package: build, lintian, install, purge"
tools/check_deb.sh

step "clang-tidy"
tools/lint.sh

step "tests under ASan + UBSan"
bazel test --config=asan "${flags[@]}" "${targets[@]}"

step "pipeline, capture and IPFIX exporter tests under TSan"
bazel test --config=tsan //pipeline:spsc_queue_test //flow:flow_engine_test \
  //tests:profile_corrections_test //tests:live_capture_test //tests:flood_test //io:ipfix_test
# The parallel test without its largest configuration sweep (minutes under TSan).
bazel test --config=tsan //tests:parallel_test --test_filter='-*JobsGiveByteIdenticalCsv*'

step "fuzz targets, short runs"
tools/fuzz.sh --runs 20000

step "aarch64: cross build, tests under qemu, benchmark kit"
tools/install_deps.sh --aarch64
# The Python package is built and tested for the host only: a cross-built
# module would need Debian's arm64 Python headers and an arm64 interpreter.
bazel build --config=aarch64 -- //... -//python/...
# (Not `tee /dev/stderr`: reopening stderr truncates a log file it points to.)
kind=$(file "$(bazel info --config=aarch64 bazel-bin 2>/dev/null)/tools/netflower")
echo "$kind"
grep -q "ARM aarch64" <<<"$kind"
bazel test --config=aarch64 "${flags[@]}" -- "${targets[@]}" -//python/...
bench/kit/kit_test.sh

step "aarch64 kernel: live capture tests and the kit in a VM"
tools/arm_vm_test.sh
