#!/usr/bin/env bash
# docs/COLUMNS.md is exactly what //tools:column_reference writes from the
# schema (regenerate: bazel run //tools:column_reference > docs/COLUMNS.md).
set -uo pipefail
source tests/testing/target_exec.sh
GEN=$(target_program tools/column_reference)
if ! "$GEN" >"${TEST_TMPDIR:-/tmp}/COLUMNS.md"; then
  echo "FAIL: the column documentation and the schema disagree"
  exit 1
fi
if ! diff -u docs/COLUMNS.md "${TEST_TMPDIR:-/tmp}/COLUMNS.md"; then
  echo "FAIL: docs/COLUMNS.md is stale: bazel run //tools:column_reference > docs/COLUMNS.md"
  exit 1
fi
echo "1 passed, 0 failed"
