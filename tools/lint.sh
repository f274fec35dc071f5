#!/usr/bin/env bash
# Style and static checks.
#   tools/lint.sh           clang-format check + clang-tidy on every source
#   tools/lint.sh --format  clang-format check only (fast; run by run_tests.sh)
#   tools/lint.sh --fix     rewrite files with clang-format
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files '*.cc' '*.h')
case ${1:-} in
  --fix) clang-format -i "${sources[@]}"; exit 0 ;;
esac
if ! clang-format --dry-run -Werror "${sources[@]}"; then
  echo "lint: clang-format differences (fix with tools/lint.sh --fix)" >&2
  exit 1
fi
[[ ${1:-} == --format ]] && exit 0

# clang-tidy needs a compilation database; Bazel 4 does not write one, and
# every target here compiles with the same flags.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
{
  echo "["
  first=1
  for f in "${sources[@]}"; do
    [[ $f == *.cc ]] || continue
    ((first)) || echo ","
    first=0
    printf '{"directory":"%s","file":"%s","command":"c++ -std=c++20 -ffp-contract=off -I%s -c %s"}' \
      "$PWD" "$f" "$PWD" "$f"
  done
  echo "]"
} >"$db/compile_commands.json"
mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
clang-tidy -p "$db" --quiet "${units[@]}" 2>/dev/null | tee "$db/tidy.txt"
if grep -q "warning:" "$db/tidy.txt"; then
  echo "lint: clang-tidy warnings above" >&2
  exit 1
fi
echo "lint: clean"
