#!/usr/bin/env bash
# Style and static checks.
#   tools/lint.sh           clang-format check + clang-tidy on every source
#   tools/lint.sh --format  clang-format check only (fast; run by run_tests.sh)
#   tools/lint.sh --fix     rewrite files with clang-format
#   tools/lint.sh FILE.cc...  clang-format check + clang-tidy on these files only
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
command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is missing (tools/install_deps.sh)" >&2; exit 1; }

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
    extra=""  # the Python module also sees Python's headers (python/BUILD.bazel)
    [[ $f == python/* ]] && extra="-isystem $(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("include"))')"
    # The libfixbuf comparison (built outside Bazel) sees libfixbuf's and
    # GLib's headers (libfixbuf-dev: tools/install_deps.sh).
    [[ $f == bench/ipfix_encoders.cc ]] && extra=$(pkg-config --cflags libfixbuf)
    printf '{"directory":"%s","file":"%s","command":"c++ -std=c++20 -ffp-contract=off -I%s %s -c %s"}' \
      "$PWD" "$f" "$PWD" "$extra" "$f"
  done
  echo "]"
} >"$db/compile_commands.json"
mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
if (($#)) && [[ $1 != --* ]]; then units=("$@"); fi
# One clang-tidy per file, as many at once as there are CPUs; each writes its
# own report so that the output is not interleaved.
mkdir "$db/out"
printf '%s\n' "${units[@]}" |
  xargs -P "$(nproc)" -I{} sh -c 'clang-tidy -p "$1" --quiet "$2" >"$1/out/$(echo "$2" | tr / _).txt" 2>/dev/null || true' _ "$db" {}
cat "$db"/out/*.txt | tee "$db/tidy.txt"
if grep -qE "(warning|error):" "$db/tidy.txt"; then
  echo "lint: clang-tidy warnings above" >&2
  exit 1
fi
echo "lint: clean"
