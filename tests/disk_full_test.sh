#!/usr/bin/env bash
# A conversion whose disk fills up: a clear error, exit 1, and nothing under
# the final name (nor a leftover temporary file). Uses a 128 KiB tmpfs it
# mounts and unmounts (root; no sandbox).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
TMP=${TEST_TMPDIR:-$(mktemp -d)}
small=$(mktemp -d /tmp/nf-full.XXXXXX)
cleanup() { umount "$small" 2>/dev/null; rmdir "$small" 2>/dev/null; }
trap cleanup EXIT
mount -t tmpfs -o size=128k tmpfs "$small" || { echo "needs root to mount a tmpfs"; exit 1; }
failures=0
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi; }

# The committed capture gives a CSV of about 20 KB: it fits.
"$NF" --pcap tests/testdata/loopback-web.pcap --out "$small/fits.csv" --quiet
check "a CSV that fits is written" test -s "$small/fits.csv"
rm -f "$small/fits.csv"

# A bigger one does not: the python profile on the same packets at a tiny
# idle timeout writes a row for almost every packet (~350 KB).
for method in io_uring write; do
  env=()
  [[ $method == write ]] && env=(NETFLOWER_IO_URING=0)
  env "${env[@]}" "$NF" --pcap tests/testdata/loopback-web.pcap --out "$small/big.csv" \
    --idle-timeout 0 --compat=python 2>"$TMP/err"
  rc=$?
  check "disk full ($method): exit 1" test "$rc" -eq 1
  check "disk full ($method): says so, naming the file" grep -q "big.csv: write failed: No space left on device" "$TMP/err"
  check "disk full ($method): nothing under the final name" test ! -e "$small/big.csv"
  check "disk full ($method): no temporary file left" test -z "$(ls -A "$small")"
  check "disk full ($method): the summary says no flow was written" \
    grep -qE "flows written +0  \(of [0-9]+ completed: [0-9]+ did not reach the output\)" "$TMP/err"

  # Through standard output, rows do reach the disk until it is full: the
  # summary counts the rows the kernel accepted whole, never what was only
  # queued (a row cut by the full disk is not counted).
  env "${env[@]}" "$NF" --pcap tests/testdata/loopback-web.pcap --out - --buffer-rows 10 \
    --idle-timeout 0 --compat=python >"$small/stdout.csv" 2>"$TMP/err"
  check "disk full on stdout ($method): exit 1" test $? -eq 1
  on_disk=$(grep -c $'\r$' "$small/stdout.csv")  # complete rows (CRLF), the header included
  said=$(sed -nE 's/^  flows written +([0-9]+).*/\1/p' "$TMP/err")
  check "disk full on stdout ($method): flows written ($said) <= complete rows on disk ($on_disk - 1)" \
    test "${said:-999999}" -le $((on_disk - 1))
  check "disk full on stdout ($method): ... and at most one write of 10 rows fewer" \
    test "${said:-0}" -ge $((on_disk - 1 - 10))
  rm -f "$small/stdout.csv"
done
if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "disk-full checks passed"
