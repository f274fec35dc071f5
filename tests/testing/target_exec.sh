# Sourced by the shell tests.
#
# target_program PATH prints a command that runs the built program PATH on
# this machine: PATH itself, or, in a cross build (--config=aarch64, where
# toolchains/aarch64/qemu_run.sh sets NETFLOWER_TARGET_RUNNER), a small
# script in $TEST_TMPDIR that starts PATH under that runner.
target_program() {
  local program=$1
  if [[ -z ${NETFLOWER_TARGET_RUNNER:-} ]]; then
    echo "$program"
    return
  fi
  local dir=${TEST_TMPDIR:-/tmp}/target-bin
  mkdir -p "$dir"
  local wrapper
  wrapper=$dir/$(basename "$program")
  printf '#!/usr/bin/env bash\nexec %q %q "$@"\n' \
    "$NETFLOWER_TARGET_RUNNER" "$(realpath "$program")" >"$wrapper"
  chmod +x "$wrapper"
  echo "$wrapper"
}
