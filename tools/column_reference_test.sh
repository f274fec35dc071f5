#!/usr/bin/env bash
# docs/COLUMNS.md and docs/CIC-COLUMNS.md are exactly what
# //tools:column_reference writes from the schemas, and
# docs/ipfix/netflower-elements.xml what //tools:ipfix_elements writes (regenerate:
# bazel run //tools:column_reference > docs/COLUMNS.md, and with -- --cic
# > docs/CIC-COLUMNS.md).
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
if ! "$GEN" --cic >"${TEST_TMPDIR:-/tmp}/CIC-COLUMNS.md"; then
  echo "FAIL: the CIC column documentation and the CIC table disagree"
  exit 1
fi
if ! diff -u docs/CIC-COLUMNS.md "${TEST_TMPDIR:-/tmp}/CIC-COLUMNS.md"; then
  echo "FAIL: docs/CIC-COLUMNS.md is stale:" \
    "bazel run //tools:column_reference -- --cic > docs/CIC-COLUMNS.md"
  exit 1
fi
"$(target_program tools/ipfix_elements)" >"${TEST_TMPDIR:-/tmp}/netflower-elements.xml"
if ! diff -u docs/ipfix/netflower-elements.xml "${TEST_TMPDIR:-/tmp}/netflower-elements.xml"; then
  echo "FAIL: docs/ipfix/netflower-elements.xml is stale:" \
    "bazel run //tools:ipfix_elements > docs/ipfix/netflower-elements.xml"
  exit 1
fi
echo "3 passed, 0 failed"
