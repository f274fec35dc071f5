#!/usr/bin/env bash
# End-to-end tests of the netflower command line on committed captures.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
DATA=tests/testdata
TMP=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

# --help explains every flag and exits 0.
help=$("$NF" --help); rc=$?
check "--help exits 0" test "$rc" -eq 0
for flag in --pcap --iface --out --compat --idle-timeout --active-timeout --gc-interval --jobs \
            --cpus --buffer-rows --max-flows --save-pcap --duration --count --filter --promisc \
            --ring-mb --user --strict --quiet --progress --no-progress --help; do
  check "--help documents $flag" grep -q -- "$flag" <<<"$help"
done

# A normal run: CSV with header + 39 rows, summary on stderr.
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/web.csv" 2>"$TMP/web.err"; rc=$?
check "conversion exits 0" test "$rc" -eq 0
check "CSV has header and 39 rows" test "$(wc -l <"$TMP/web.csv")" -eq 40
check "header is first" grep -q '^src_ip,dst_ip,src_port,dst_port,protocol,timestamp,' <(head -1 "$TMP/web.csv")
for field in "packets read" "accepted" "skipped" "flows written" "peak open flows" "packets/s"; do
  check "summary shows '$field'" grep -q "$field" "$TMP/web.err"
done
check "no progress when stderr is not a terminal" bash -c "! grep -q $'\r' '$TMP/web.err'"

# --max-flows: a small table evicts, every flow is still written.
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/mf.csv" --max-flows 2 2>"$TMP/mf.err"
check "--max-flows 2 keeps every row" test "$(wc -l <"$TMP/mf.csv")" -ge 40
check "--max-flows reports evictions" grep -q "evicted from a full table" "$TMP/mf.err"

# stdout output is the same bytes.
"$NF" --pcap "$DATA/loopback-web.pcap" --out - --quiet >"$TMP/stdout.csv" 2>"$TMP/quiet.err"
check "--out - writes the same CSV to stdout" cmp -s "$TMP/web.csv" "$TMP/stdout.csv"
# --quiet leaves only warnings; where io_uring is missing (qemu, seccomp) the
# one-line write(2) fallback notice is such a warning.
check "--quiet prints no summary" test -z "$(grep -v '^netflower: io_uring unavailable' "$TMP/quiet.err")"

# Options that must not change the content.
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/b1.csv" --buffer-rows 1 --quiet
check "--buffer-rows does not change the CSV" cmp -s "$TMP/web.csv" "$TMP/b1.csv"
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/j3.csv" --jobs 3 --cpus 0 --quiet
check "--jobs 3 --cpus 0 does not change the CSV" cmp -s "$TMP/web.csv" "$TMP/j3.csv"
NETFLOWER_IO_URING=0 "$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/w.csv" --quiet 2>"$TMP/w.err"
check "write(2) fallback gives the same CSV" cmp -s "$TMP/web.csv" "$TMP/w.csv"
check "the fallback is said once" test "$(grep -c 'writing with write(2)' "$TMP/w.err")" -eq 1

# The python profile: CRLF lines, and the final-ACK flows of FIN/FIN closes.
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/py.csv" --compat=python --quiet
check "python profile uses CRLF" grep -q $'\r$' <(head -1 "$TMP/py.csv")
check "python profile writes more rows (final-ACK flows)" test "$(wc -l <"$TMP/py.csv")" -gt 40

# Bad command lines: exit 2, nothing written.
for args in "--pcap" "--bogus" "--pcap x --jobs 0" "--pcap x --gc-interval 0" \
            "--pcap x --idle-timeout -1" "--pcap x --idle-timeout abc" "--pcap x --compat=perl" \
            "--out $TMP/none.csv" "--pcap x --strict=1" "--pcap x --cpus 3-1" "--pcap x --cpus a"; do
  # shellcheck disable=SC2086
  "$NF" $args >"$TMP/usage.out" 2>"$TMP/usage.err"; rc=$?
  check "'$args' exits 2" test "$rc" -eq 2
  check "'$args' explains itself" grep -q "netflower: " "$TMP/usage.err"
done
check "no output after a usage error" test ! -e "$TMP/none.csv"

# Unreadable inputs: exit 1, clear message, no file under the output name.
printf 'not a capture at all, just text\n' >"$TMP/text.pcap"
"$NF" --pcap "$TMP/text.pcap" --out "$TMP/text.csv" 2>"$TMP/text.err"; rc=$?
check "text input exits 1" test "$rc" -eq 1
check "text input message names file and offset" grep -q "text.pcap: not a pcap or pcapng file: unknown magic .* at byte offset 0" "$TMP/text.err"
check "no CSV left behind" test ! -e "$TMP/text.csv"
check "no temporary file left behind" bash -c "! ls -a '$TMP' | grep -q partial"
"$NF" --pcap "$TMP/missing.pcap" --out "$TMP/m.csv" 2>"$TMP/m.err"; rc=$?
check "missing input exits 1" test "$rc" -eq 1
check "missing input message" grep -q "missing.pcap: cannot open: No such file" "$TMP/m.err"

# A truncated file: every flow still written, a warning with the offset;
# --strict turns the warning into exit 3.
head -c 100000 "$DATA/loopback-web.pcap" >"$TMP/cut.pcap"
"$NF" --pcap "$TMP/cut.pcap" --out "$TMP/cut.csv" 2>"$TMP/cut.err"; rc=$?
check "truncated input exits 0" test "$rc" -eq 0
check "truncated input warns with the byte offset" grep -q "warning: .*cut.pcap: .*byte offset" "$TMP/cut.err"
check "truncated input still has rows" test "$(wc -l <"$TMP/cut.csv")" -gt 10
"$NF" --pcap "$TMP/cut.pcap" --out "$TMP/cut2.csv" --strict --quiet 2>/dev/null; rc=$?
check "--strict on truncated input exits 3" test "$rc" -eq 3
check "--strict still writes the CSV" cmp -s "$TMP/cut.csv" "$TMP/cut2.csv"

# Disk full: clear error, exit 1.
if [[ -w /dev/full ]]; then
  "$NF" --pcap "$DATA/loopback-web.pcap" --out /dev/full 2>"$TMP/full.err"; rc=$?
  check "disk full exits 1" test "$rc" -eq 1
  check "disk full says so" grep -q "No space left on device" "$TMP/full.err"
fi

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
