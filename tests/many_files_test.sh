#!/usr/bin/env bash
# Several capture files in one command line (issue 15's "many files"):
# --out-dir gives each input's own conversion, byte for byte; one --out holds
# every file's rows in input order with one header; a folder expands to its
# captures by name; --parallel-files never changes the bytes; a failed file
# is reported and does not stop the others (exit 1); command-line mistakes
# (a missing input, two inputs with one output name, --out with --out-dir)
# are refused before anything is written (exit 2).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
TMP=${TEST_TMPDIR:-$(mktemp -d)}
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

in=$TMP/in
mkdir -p "$in" "$TMP/out" "$TMP/out1"
cp tests/testdata/loopback-web.pcap "$in/a.pcap"
"$PY" tests/testing/make_cic_capture.py "$in/b.pcap"
"$PY" tests/testing/pcap_feeder.py repeat tests/testdata/loopback-web.pcap "$in/c.cap" 3
echo "not a capture" >"$TMP/notes.txt"

# Each file alone, for comparison.
for f in a.pcap b.pcap c.cap; do
  "$NF" --pcap "$in/$f" --out "$TMP/alone-$f.csv" --quiet
done

"$NF" --pcap "$in/a.pcap" "$in/b.pcap" "$in/c.cap" --out-dir "$TMP/out" 2>"$TMP/dir.err"
check "--out-dir: exit 0" test $? -eq 0
for f in a.pcap b.pcap c.cap; do
  check "--out-dir: $f.csv equals its own conversion" cmp -s "$TMP/out/$f.csv" "$TMP/alone-$f.csv"
done
check "a summary per file and a total" grep -q "3 files: 3 converted, 0 failed" "$TMP/dir.err"
check "... naming each file" test "$(grep -c '^netflower: .* -> .*/out/' "$TMP/dir.err")" -eq 3

# One --out: the header once, then each file's rows in input order.
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" "$in/c.cap" --out "$TMP/all.csv" --quiet
{
  cat "$TMP/alone-a.pcap.csv"
  tail -n +2 "$TMP/alone-b.pcap.csv"
  tail -n +2 "$TMP/alone-c.cap.csv"
} >"$TMP/expected.csv"
check "one --out: header once, rows in input order" cmp -s "$TMP/all.csv" "$TMP/expected.csv"
"$NF" --pcap "$in" --out - --quiet >"$TMP/folder.csv"
check "a folder: its captures by name, to standard output" cmp -s "$TMP/folder.csv" "$TMP/expected.csv"
check "no part files left behind" test -z "$(ls -A "$TMP" | grep netflower-parts)"
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" "$in/c.cap" --out "$TMP/p1.csv" --parallel-files 1 --quiet
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" "$in/c.cap" --out "$TMP/p3.csv" --parallel-files 3 \
  --jobs 2 --quiet
check "--parallel-files 1 and 3 (with --jobs 2) write the same bytes" cmp -s "$TMP/p1.csv" "$TMP/p3.csv"
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" --format jsonl --out-dir "$TMP/out1" --quiet
check "--format jsonl names the files .jsonl" test -s "$TMP/out1/a.pcap.jsonl"
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" --compat=python --out "$TMP/py.csv" --quiet
check "python profile: CRLF rows, one header" \
  test "$(grep -c '^src_ip' "$TMP/py.csv")" -eq 1

# A file that fails does not stop the others.
"$NF" --pcap "$in/a.pcap" "$TMP/notes.txt" "$in/b.pcap" --out "$TMP/mixed.csv" 2>"$TMP/mixed.err"
check "a failed file among good ones: exit 1" test $? -eq 1
check "... named in an error" grep -q "netflower: error: .*notes.txt" "$TMP/mixed.err"
check "... the others written" test "$(wc -l <"$TMP/mixed.csv")" -eq 43
check "... counted in the total" grep -q "3 files: 2 converted, 1 failed" "$TMP/mixed.err"

# Mistakes are refused before anything is written.
"$NF" --pcap "$in/a.pcap" "$TMP/missing.pcap" --out "$TMP/no1.csv" 2>"$TMP/e1"
check "a missing input: exit 2" test $? -eq 2
check "... naming it" grep -q "missing.pcap" "$TMP/e1"
mkdir -p "$TMP/other"
cp "$in/a.pcap" "$TMP/other/a.pcap"
"$NF" --pcap "$in/a.pcap" "$TMP/other/a.pcap" --out-dir "$TMP/out" 2>"$TMP/e2"
check "two inputs with one output name: exit 2" test $? -eq 2
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" --out "$TMP/no2.csv" --out-dir "$TMP/out" 2>"$TMP/e3"
check "--out with --out-dir: exit 2" test $? -eq 2
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" --out-dir "$TMP/nodir" 2>"$TMP/e4"
check "a missing --out-dir: exit 2" test $? -eq 2
"$NF" --pcap - "$in/b.pcap" --out "$TMP/no3.csv" 2>"$TMP/e5" </dev/null
check "standard input among other inputs: exit 2" test $? -eq 2
"$NF" --pcap "$in/a.pcap" "$in/b.pcap" --out "$in/b.pcap" 2>"$TMP/e6"
check "an output that is one of the inputs: exit 2" test $? -eq 2
check "nothing written by a refused command" \
  test ! -e "$TMP/no1.csv" -a ! -e "$TMP/no2.csv" -a ! -e "$TMP/no3.csv" -a ! -e "$TMP/nodir"
check "the inputs are untouched" cmp -s "$in/a.pcap" tests/testdata/loopback-web.pcap

echo "$failures failure(s)"
((failures == 0))
