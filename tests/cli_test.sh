#!/usr/bin/env bash
# End-to-end tests of the netflower command line on committed captures.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
DATA=tests/testdata
FEED=tests/testing/pcap_feeder.py
TMP=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

# --help explains every flag of the option table (tools/cli_docs lists
# them) and exits 0; the man page and bash completion come from the same
# table.
DOCS=$(target_program tools/cli_docs)
help=$("$NF" --help); rc=$?
check "--help exits 0" test "$rc" -eq 0
mapfile -t flags < <("$DOCS" --flags)
check "the table has flags" test "${#flags[@]}" -gt 30
for flag in "${flags[@]}"; do
  check "--help documents $flag" grep -q -- "$flag" <<<"$help"
done
"$DOCS" --completion >"$TMP/netflower.bash"
check "the bash completion is valid bash" bash -n "$TMP/netflower.bash"
check "... and completes --columns" bash -c "source '$TMP/netflower.bash'; COMP_WORDS=(netflower --columns cic-ids2017-); COMP_CWORD=2; _netflower; [[ \${COMPREPLY[*]} == cic-ids2017-ml ]]"
"$DOCS" --man >"$TMP/netflower.1"
check "the man page starts with .TH" grep -q "^.TH NETFLOWER 1" "$TMP/netflower.1"

# A normal run: CSV with header + 39 rows, summary on stderr.
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/web.csv" 2>"$TMP/web.err"; rc=$?
check "conversion exits 0" test "$rc" -eq 0
check "CSV has header and 39 rows" test "$(wc -l <"$TMP/web.csv")" -eq 40
check "header is first" grep -q '^src_ip,dst_ip,src_port,dst_port,protocol,timestamp,' <(head -1 "$TMP/web.csv")
for field in "packets read" "accepted" "skipped" "flows written" "csv written with" "peak open flows" "packets/s"; do
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
            "--out $TMP/none.csv" "--pcap x --strict=1" "--pcap x --cpus 3-1" "--pcap x --cpus a" \
            "--pcap x --out $TMP/none.csv --out $TMP/none.csv" "--pcap x --progress --no-progress" \
            "--pcap x --jobs 0x10" "--pcap x --max-flows -0" "--pcap x --count 5" \
            "--pcap x --idle-timeout 1e3" "--pcap x --idle-timeout inf" "--pcap x --jobs ' 2'" \
            "--pcap x --ring-mb 8" "--pcap x --user nobody" "--pcap x --save-pcap $TMP" \
            "--iface lo --strict" "--iface lo --gc-interval 5" "--iface lo --buffer-rows 5" \
            "--pcap x --cpus 1000" "--pcap x --jobs 2 --max-flows 1" "$TMP/x.pcap" "x y"; do
  # shellcheck disable=SC2086
  "$NF" $args >"$TMP/usage.out" 2>"$TMP/usage.err"; rc=$?
  check "'$args' exits 2" test "$rc" -eq 2
  check "'$args' explains itself" grep -q "netflower: " "$TMP/usage.err"
done
check "no output after a usage error" test ! -e "$TMP/none.csv"
# A value that is another option is refused, not taken as a file name.
"$NF" --pcap "$DATA/loopback-web.pcap" --out --quiet 2>"$TMP/u1.err"; rc=$?
check "'--out --quiet' exits 2" test "$rc" -eq 2
check "'--out --quiet' explains itself" grep -q "needs a value, but '--quiet' is an option" "$TMP/u1.err"
check "'--out --quiet' made no file" test ! -e ./--quiet
"$NF" "$DATA/loopback-web.pcap" 2>"$TMP/u2.err"
check "a bare capture name suggests --pcap" grep -q "did you mean --pcap $DATA/loopback-web.pcap" "$TMP/u2.err"
"$NF" --pcap x --count 5 2>"$TMP/u3.err"
check "an option of the other mode is named" grep -q -- "--count applies to --iface only" "$TMP/u3.err"
"$NF" --pcap x --cpus 1000 2>"$TMP/u4.err"
check "a CPU the machine lacks is named" grep -q "no CPU 1000 to pin to" "$TMP/u4.err"
# --help and --version win wherever they are, even after a bad option.
"$NF" --bogus --pcap --help >"$TMP/h.out" 2>&1; rc=$?
check "--help anywhere exits 0" test "$rc" -eq 0
check "--help anywhere prints the help" grep -q "^usage: netflower" "$TMP/h.out"
"$NF" --version >"$TMP/v.out"; rc=$?
check "--version exits 0" test "$rc" -eq 0
check "--version names version and commit" grep -qE "^netflower [0-9]+\.[0-9]+\.[0-9]+.* \(commit [0-9a-f]{12}|unknown" "$TMP/v.out"
for what in "profiles: default" "io_uring: " "TPACKET_V3 live capture: "; do
  check "--version says '$what'" grep -q "$what" "$TMP/v.out"
done

# The output may not be the input: not by name, nor another spelling, a
# symbolic link or a hard link (exit 2, the capture untouched).
cp "$DATA/loopback-web.pcap" "$TMP/in.pcap"
ln -sf "$TMP/in.pcap" "$TMP/in-symlink.pcap"
ln -f "$TMP/in.pcap" "$TMP/in-hardlink.pcap"
for out in "$TMP/in.pcap" "$TMP/./in.pcap" "$TMP/in-symlink.pcap" "$TMP/in-hardlink.pcap"; do
  "$NF" --pcap "$TMP/in.pcap" --out "$out" 2>"$TMP/same.err"; rc=$?
  check "--out $out (the input) exits 2" test "$rc" -eq 2
  check "... saying it is the input" grep -q "is the input" "$TMP/same.err"
  check "... leaving the capture intact" cmp -s "$TMP/in.pcap" "$DATA/loopback-web.pcap"
done

# Replacing an output keeps its mode (as sed -i does); a new one is 0666
# less the umask.
printf 'old\n' >"$TMP/private.csv"
chmod 600 "$TMP/private.csv"
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/private.csv" --quiet
check "a replaced 0600 output stays 0600" test "$(stat -c %a "$TMP/private.csv")" = 600
check "... and holds the CSV" cmp -s "$TMP/private.csv" "$TMP/web.csv"
(umask 027; "$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/new.csv" --quiet)
check "a new output is 0666 less the umask" test "$(stat -c %a "$TMP/new.csv")" = 640

# Closed standard descriptors: a closed stdout with --out - is an error; with
# a file output, no internal descriptor lands on fd 1 (the CSV is right).
"$NF" --pcap "$DATA/loopback-web.pcap" --out - >&- 2>"$TMP/closed.err"; rc=$?
check "--out - with stdout closed exits 2" test "$rc" -eq 2
check "... saying so" grep -q "standard output is closed" "$TMP/closed.err"
"$NF" --pcap "$DATA/loopback-web.pcap" --out "$TMP/closed.csv" --quiet >&- <&-; rc=$?
check "a file output with stdin and stdout closed exits 0" test "$rc" -eq 0
check "... and writes the same CSV" cmp -s "$TMP/closed.csv" "$TMP/web.csv"

# Inputs that are not regular files: the magic is checked from the first
# bytes, so /dev/zero is refused at once instead of being read into memory.
timeout 10 "$NF" --pcap /dev/zero --out "$TMP/zero.csv" 2>"$TMP/zero.err"; rc=$?
check "--pcap /dev/zero exits 1 (not killed by the timeout)" test "$rc" -eq 1
check "... naming the magic" grep -q "unknown magic 00 00 00 00 at byte offset 0" "$TMP/zero.err"

# --pcap - reads standard input as a stream: the same CSV as from the file,
# in both profiles and any --jobs.
for compat in none python; do
  "$NF" --pcap "$DATA/loopback-web.pcap" --compat=$compat --out "$TMP/f-$compat.csv" --quiet
  for jobs in 1 2; do
    cat "$DATA/loopback-web.pcap" |
      "$NF" --pcap - --compat=$compat --jobs $jobs --out "$TMP/p-$compat-$jobs.csv" --quiet
    check "a pipe gives the file's CSV ($compat, $jobs jobs)" \
      cmp -s "$TMP/f-$compat.csv" "$TMP/p-$compat-$jobs.csv"
  done
done
# Rows arrive while the writer still runs (it holds the pipe open 8 s after
# its last packet), not at the end of the input.
python3 "$FEED" repeat "$DATA/loopback-web.pcap" - 1 --hold 8 |
  "$NF" --pcap - --out - --quiet >"$TMP/live-pipe.csv" &
pipeline=$!
rows=0
for _ in $(seq 50); do
  rows=$(wc -l <"$TMP/live-pipe.csv")
  ((rows >= 30)) && break
  sleep 0.1
done
check "rows arrive through a pipe before the writer closes it (got $rows lines in 5 s)" \
  test "$rows" -ge 30
check "... while the writer is still running" kill -0 "$pipeline"
wait "$pipeline"
check "... and the whole CSV is the file's" cmp -s "$TMP/live-pipe.csv" "$TMP/f-none.csv"
# Memory does not grow with the length of the stream: the peak RSS of a
# 46 MB stream (400 repetitions) against that of a 4.6 MB one (40), each
# measured by the writer before it closes the pipe. Growing with the input
# would add ~41 MB; measured: +3 MB (plain build, 15.5 -> 18.8 MB, flat at
# 19.5 MB by 3000 repetitions), +1.6 MB under ASan with a 1 MB quarantine.
# ASan's quarantine keeps freed memory on purpose (256 MB by default) and
# would be measured instead of ours, hence quarantine_size_mb=1; a build
# without ASan ignores the variable.
stream_hwm() {  # repetitions -> peak RSS in kB on stdout, or "exit N"
  rm -f "$TMP/in.fifo"
  mkfifo "$TMP/in.fifo"
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" \
    "$NF" --pcap - --out /dev/null --quiet <"$TMP/in.fifo" &
  local reader=$!
  python3 "$FEED" repeat "$DATA/loopback-web.pcap" - "$1" --report-hwm "$reader" \
    >"$TMP/in.fifo" 2>"$TMP/hwm-$1.txt"
  wait "$reader" || { echo "exit $?"; return; }
  tail -1 "$TMP/hwm-$1.txt"
}
short_hwm=$(stream_hwm 40)
long_hwm=$(stream_hwm 400)
growth=999999
[[ $short_hwm =~ ^[0-9]+$ && $long_hwm =~ ^[0-9]+$ ]] && growth=$((long_hwm - short_hwm))
check "4.6 MB and 46 MB streams end with exit 0 and a peak RSS ($short_hwm, $long_hwm)" \
  test "$growth" -ne 999999
check "peak RSS grows by less than 12 MB from a 4.6 MB to a 46 MB stream (${short_hwm} -> ${long_hwm} kB)" \
  test "$growth" -lt 12288

# A capture that shrinks while it is read (log rotation) ends like any
# truncation: a warning with the byte offset, every flow read written, exit 3
# with --strict; never a crash. The output is a FIFO that is not read at
# first, so the reader is stalled mid-file when the file is cut.
python3 "$FEED" repeat "$DATA/loopback-web.pcap" "$TMP/shrink.pcap" 150
mkfifo "$TMP/out.fifo"
{ sleep 2; cat; } <"$TMP/out.fifo" >"$TMP/shrink.csv" &  # reads nothing for 2 s
drain=$!
"$NF" --pcap "$TMP/shrink.pcap" --out "$TMP/out.fifo" --compat=python --idle-timeout 0 \
  --buffer-rows 1 --strict 2>"$TMP/shrink.err" &
conv=$!
sleep 1
truncate -s 300000 "$TMP/shrink.pcap"
wait "$conv"; rc=$?
wait "$drain"
check "a file cut while it is read exits 3 with --strict (not a crash: $rc)" test "$rc" -eq 3
check "... with a warning naming the byte offset" grep -q "warning: .*shrink.pcap: .*byte offset" "$TMP/shrink.err"
check "... and the rows read before the cut" test "$(wc -l <"$TMP/shrink.csv")" -gt 100

# SIGINT / SIGTERM during a conversion: stopped within a moment, the summary
# printed, no temporary file left, exit 128 + the signal.
mkdir -p "$TMP/sig"
mkfifo "$TMP/sig.fifo"
for sig in INT TERM; do
  python3 "$FEED" repeat "$DATA/loopback-web.pcap" - 3 --hold 5 >"$TMP/sig.fifo" &
  feeder=$!
  "$NF" --pcap - --out "$TMP/sig/out.csv" <"$TMP/sig.fifo" 2>"$TMP/sig.err" &
  conv=$!
  sleep 1
  kill -$sig "$conv"
  wait "$conv"; rc=$?
  wait "$feeder"
  want=$((128 + $(kill -l $sig)))
  check "SIG$sig during a conversion exits $want" test "$rc" -eq "$want"
  check "... saying so" grep -q "interrupted by SIG$sig: no CSV written" "$TMP/sig.err"
  check "... after the summary" grep -q "packets read" "$TMP/sig.err"
  check "... leaving no file at all" test -z "$(ls -A "$TMP/sig")"
done

# A pcapng whose packets lie 73 billion years after 1970: durations stay
# exact (70.03 s), a warning names the packet, --strict exits 3.
python3 "$FEED" far-pcapng "$TMP/far.pcapng"
"$NF" --pcap "$TMP/far.pcapng" --out "$TMP/far.csv" --strict 2>"$TMP/far.err"; rc=$?
check "far-future timestamps exit 3 with --strict" test "$rc" -eq 3
check "... keeping the duration exact" test "$(cut -d, -f7 "$TMP/far.csv" | tail -1)" = 70.03
check "... with a warning naming the packet" grep -q "packet 1 at byte offset" "$TMP/far.err"

# --format jsonl: the CSV's rows field by field, in both profiles, any
# --jobs, to a file and to standard output.
for compat in none python; do
  "$NF" --pcap "$DATA/loopback-web.pcap" --compat=$compat --format jsonl --out "$TMP/j-$compat.jsonl" \
    --quiet
  check "JSON Lines equal the CSV rows ($compat)" \
    python3 tests/testing/jsonl_matches_csv.py "$TMP/j-$compat.jsonl" "$TMP/f-$compat.csv"
  "$NF" --pcap "$DATA/loopback-web.pcap" --compat=$compat --format jsonl --jobs 3 --out - --quiet \
    >"$TMP/j3-$compat.jsonl"
  check "JSON Lines do not depend on --jobs ($compat)" cmp -s "$TMP/j-$compat.jsonl" "$TMP/j3-$compat.jsonl"
done
"$NF" --pcap "$DATA/loopback-web.pcap" --format xml 2>"$TMP/fmt.err"
check "--format xml exits 2" test $? -eq 2

# --max-flows N holds as given with several jobs (peak open <= N).
"$NF" --pcap "$DATA/loopback-web.pcap" --out /dev/null --max-flows 3 --jobs 2 2>"$TMP/mf2.err"
peak=$(sed -nE 's/^  peak open flows +([0-9]+).*/\1/p' "$TMP/mf2.err")
check "--max-flows 3 --jobs 2 keeps at most 3 flows open (peak $peak)" test "${peak:-99}" -le 3

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
