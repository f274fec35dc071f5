#!/usr/bin/env bash
# Issue 23 ("trust, second round") through the command line: one block per
# item, each check named after it (tests/trust_test.cc has the library's
# side, features/cic_labels_test.cc and io/cic_format_test.cc the units).
# Needs root for item 10 (a folder shared with user nobody, via setpriv).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
DATA=tests/testdata
FEED=tests/testing/pcap_feeder.py
TMP=${TEST_TMPDIR:-$(mktemp -d)}
WEB=$DATA/loopback-web.pcap
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
rules_header="src,dst,src_port,dst_port,protocol,start,end,label"

# A command started with & by this (non-interactive) shell begins with SIGINT
# ignored, so a SIGINT sent before netflower installs its handler is lost and
# the run goes on; CI's ASan run on 2 busy cores once took longer than the
# fixed sleep that stood here. interrupt_when PID caught: send SIGINT once PID
# catches it (bit 2 of SigCgt). interrupt_when PID sleeping: once its main
# thread sleeps in nanosleep (the 20 ms retry of a FIFO without a reader),
# which also holds under qemu-user, whose emulator catches every signal from
# its start.
interrupt_when() {
  local pid=$1 state=$2 i mask
  for ((i = 0; i < 600; i++)); do
    case $state in
      caught)
        mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        [[ -n $mask ]] && ((0x$mask & 2)) && break ;;
      sleeping) [[ $(cat "/proc/$pid/wchan" 2>/dev/null) == *nanosleep* ]] && break ;;
    esac
    sleep 0.05
  done
  ((i < 600)) || echo "pid $pid: not $state after 30 s; interrupting anyway" >&2
  kill -INT "$pid"
}

# 1. A label longer than the row buffer was written past it (ASan:
# stack-buffer-overflow): now refused with the bound, before any output.
long=$(head -c 8000 /dev/zero | tr '\0' A)
for fmt in csv jsonl; do
  "$NF" --pcap "$WEB" --columns cic-ids2017 --label "$long" --format $fmt --out "$TMP/long.$fmt" \
    2>"$TMP/long.err"; rc=$?
  check "1 long label ($fmt): exit 2" test "$rc" -eq 2
  check "1 long label ($fmt): the bound is named" grep -q "a label of 8000 bytes; at most 256" "$TMP/long.err"
  check "1 long label ($fmt): nothing written" test ! -e "$TMP/long.$fmt"
done
printf '%s\n*,*,*,*,*,,,%s\n' "$rules_header" "${long:0:300}" >"$TMP/long-rules.csv"
"$NF" --pcap "$WEB" --columns cic-ids2017 --labels "$TMP/long-rules.csv" --out "$TMP/long.csv" \
  2>"$TMP/long.err"; rc=$?
check "1 long label in --labels: exit 2" test "$rc" -eq 2
check "1 long label in --labels: file and line named" grep -q "long-rules.csv:2: label .*a label of 300 bytes; at most 256" "$TMP/long.err"
# At the bound, every character a quote (the worst case for escaping): rows
# stay whole in both formats.
quotes=$(head -c 256 /dev/zero | tr '\0' '"')
"$NF" --pcap "$WEB" --columns cic-ids2017 --label "$quotes" --out "$TMP/quotes.csv" --quiet; rc=$?
check "1 the longest label of quotes: exit 0" test "$rc" -eq 0
check "1 ... every CSV row has 85 fields" python3 -c "
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
sys.exit(not (len(rows) == 66 and all(len(r) == 85 and (i == 0 or r[-1] == '\"' * 256) for i, r in enumerate(rows))))" "$TMP/quotes.csv"

# 2. --labels /dev/zero grew without bound; a folder said "no rules".
timeout -k 2 10 "$NF" --pcap "$WEB" --columns cic-ids2017 --labels /dev/zero --out "$TMP/z.csv" \
  2>"$TMP/z.err"; rc=$?
check "2 --labels /dev/zero: exit 2 (not killed by the timeout)" test "$rc" -eq 2
check "2 --labels /dev/zero: the line bound is named" grep -q "/dev/zero:1: the line is longer than 4096 bytes" "$TMP/z.err"
"$NF" --pcap "$WEB" --columns cic-ids2017 --labels "$TMP" --out "$TMP/z.csv" 2>"$TMP/z.err"; rc=$?
check "2 --labels DIR: exit 2" test "$rc" -eq 2
check "2 --labels DIR: says it is a directory" grep -q "is a directory" "$TMP/z.err"

# 3. Labels that broke the CSV or the JSON: every byte value, read back by
# Python's csv and json and by pandas.
mkdir -p "$TMP/bytes"
python3 tests/testing/label_bytes_check.py "$NF" "$TMP/bytes" >"$TMP/bytes.out" 2>&1; rc=$?
sed 's/^/  3 /' "$TMP/bytes.out"
check "3 labels of every byte value read back by real parsers, or are refused" test "$rc" -eq 0

# 4. Label time windows: overflowing or ambiguous times, empty windows and
# octal-looking addresses are refused with file, line and field.
for rule in "*,*,*,*,*,1e30,,x" "*,*,*,*,*,10000000000000,,x" "*,*,*,*,*,2017-07-07T15:30:00,,x" \
            "*,*,*,*,*,2026-02-29T00:00:00Z,,x" "*,*,*,*,*,,2017-07-07T15:30:00+24:59,x" \
            "*,*,*,*,*,1499441460,1499441400,x" "0177.0.0.1,*,*,*,*,,,x" "*,*,*,*,*,,,   "; do
  printf '%s\n%s\n' "$rules_header" "$rule" >"$TMP/rules.csv"
  "$NF" --pcap "$WEB" --columns cic-ids2017 --labels "$TMP/rules.csv" --out "$TMP/r.csv" \
    2>"$TMP/r.err"; rc=$?
  check "4 rule '$rule': exit 2" test "$rc" -eq 2
  check "4 rule '$rule': file and line named" grep -q "rules.csv:2: " "$TMP/r.err"
done
check "4 nothing written for a bad rule" test ! -e "$TMP/r.csv"

# 5. --kafka-flush-timeout beyond what a deadline can hold: refused before
# anything is read (it overflowed, then gave up at once and said it waited).
for t in 9223372036 9223372037 99999999999999; do
  "$NF" --pcap "$WEB" --kafka 127.0.0.1:9 --topic t --kafka-flush-timeout $t 2>"$TMP/k.err"; rc=$?
  check "5 --kafka-flush-timeout $t: exit 2" test "$rc" -eq 2
  check "5 --kafka-flush-timeout $t: the bound is named" grep -q "from 0 to 86400 seconds" "$TMP/k.err"
done

# 6. SIGINT in a several-file run: the summary says interrupted and which
# files were not converted (it said "3 converted, 0 failed").
mkfifo "$TMP/slow.pcap"
cp "$WEB" "$TMP/b.pcap"
cp "$WEB" "$TMP/c.pcap"
mkdir -p "$TMP/out6"
python3 "$FEED" repeat "$WEB" - 2 --hold 6 >"$TMP/slow.pcap" &
feeder=$!
"$NF" --pcap "$TMP/slow.pcap" "$TMP/b.pcap" "$TMP/c.pcap" --parallel-files 1 --out-dir "$TMP/out6" \
  2>"$TMP/six.err" &
conv=$!
sleep 1
interrupt_when "$conv" caught
wait "$conv"; rc=$?
wait "$feeder"
check "6 SIGINT in a several-file run: exit 130" test "$rc" -eq 130
check "6 ... the total counts one interrupted and two not started" \
  grep -q "3 files: 0 converted, 0 failed, 1 interrupted, 2 not started" "$TMP/six.err"
check "6 ... naming the files not converted" \
  grep -q "interrupted by SIGINT; not converted: $TMP/slow.pcap (interrupted), $TMP/b.pcap (not started), $TMP/c.pcap (not started)" "$TMP/six.err"
check "6 ... and no output written" test -z "$(ls -A "$TMP/out6")"

# 7. Options that had no effect: refused, saying why.
"$NF" --pcap "$WEB" --columns cic-ids2017 --idle-timeout 5 --out "$TMP/i.csv" 2>"$TMP/i.err"; rc=$?
check "7 --idle-timeout with a CIC layout: exit 2" test "$rc" -eq 2
check "7 ... pointing at the flow timeout" grep -q "CICFlowMeter has no idle timeout" "$TMP/i.err"
"$NF" --pcap "$WEB" --columns cic-ids2017 --gc-interval 5 --out "$TMP/i.csv" 2>"$TMP/i.err"; rc=$?
check "7 --gc-interval with a CIC layout (no sweeps there): exit 2" test "$rc" -eq 2
"$NF" --pcap "$WEB" --jobs -1025 --out "$TMP/i.csv" 2>"$TMP/i.err"; rc=$?
check "7 --jobs -1025: exit 2" test "$rc" -eq 2
cpus=$(nproc)
"$NF" --pcap "$WEB" --jobs -$((cpus + 1)) --out "$TMP/i.csv" 2>"$TMP/i.err"; rc=$?
check "7 --jobs -(CPUs + 1): exit 2" test "$rc" -eq 2
check "7 ... naming the CPUs" grep -q "leaves no worker on this machine's $cpus CPUs" "$TMP/i.err"
"$NF" --pcap "$WEB" --jobs -"$cpus" --out "$TMP/i.csv" --quiet; rc=$?
check "7 --jobs -CPUs (one worker) still runs" test "$rc" -eq 0

# 8. Damaged pcapng under --strict: what tshark calls damaged is warned
# about with its offset and exits 3 (it passed with 0).
for kind in caplen trailer interface; do
  python3 "$FEED" damaged-pcapng "$TMP/d-$kind.pcapng" "$kind"
  tshark -r "$TMP/d-$kind.pcapng" >/dev/null 2>"$TMP/ts.err"
  check "8 $kind: tshark calls the file damaged" grep -q "damaged or corrupt" "$TMP/ts.err"
  "$NF" --pcap "$TMP/d-$kind.pcapng" --out "$TMP/d.csv" --strict 2>"$TMP/d.err"; rc=$?
  check "8 $kind: --strict exits 3" test "$rc" -eq 3
  check "8 $kind: the warning names the block's offset" grep -q "damaged packet block .*byte offset 124" "$TMP/d.err"
done

# 9. --pcap - --out in.pcap < in.pcap replaced the capture with the CSV.
cp "$WEB" "$TMP/in.pcap"
"$NF" --pcap - --out "$TMP/in.pcap" <"$TMP/in.pcap" 2>"$TMP/s.err"; rc=$?
check "9 standard input is the output: exit 2" test "$rc" -eq 2
check "9 ... saying so" grep -q "is the input standard input" "$TMP/s.err"
check "9 ... the capture intact" cmp -s "$TMP/in.pcap" "$WEB"
"$NF" --pcap "$TMP/in.pcap" --out - >>"$TMP/in.pcap" 2>"$TMP/s.err"; rc=$?
check "9 standard output appended to the input: exit 2" test "$rc" -eq 2
check "9 ... the capture intact" cmp -s "$TMP/in.pcap" "$WEB"
"$NF" --pcap "$TMP/in.pcap" "$WEB" --out "$TMP/in.pcap" 2>"$TMP/s.err"; rc=$?
check "9 an input of several is the output: exit 2" test "$rc" -eq 2
printf '%s\n*,*,*,*,*,,,x\n' "$rules_header" >"$TMP/rules-in.csv"
cp "$TMP/rules-in.csv" "$TMP/rules-copy.csv"
"$NF" --pcap "$WEB" --columns cic-ids2017 --labels "$TMP/rules-in.csv" --out "$TMP/rules-in.csv" \
  2>"$TMP/s.err"; rc=$?
check "9 the --labels file is the output: exit 2" test "$rc" -eq 2
check "9 ... the rules intact" cmp -s "$TMP/rules-in.csv" "$TMP/rules-copy.csv"

# 10. --out-dir and --out in a shared sticky folder with entries planted by
# user nobody: a FIFO is never opened (it hung in openat), a link is
# replaced without taking its target's mode (a link to a setuid binary gave
# a setuid CSV); unsafe folders are refused.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
shared=$(mktemp -d /tmp/nf-shared.XXXXXX)
chmod 1777 "$shared"
cp "$WEB" "$shared/a.pcap"
cp "$WEB" "$shared/b.pcap"
as_nobody mkfifo "$shared/a.pcap.csv"
timeout -k 2 10 "$NF" --pcap "$shared/a.pcap" "$shared/b.pcap" --out-dir "$shared" 2>"$TMP/f.err"; rc=$?
check "10 a FIFO under an --out-dir name: exit 2 at once (not hung)" test "$rc" -eq 2
check "10 ... naming it" grep -q "a.pcap.csv: exists and is a FIFO" "$TMP/f.err"
check "10 ... nothing written" test ! -e "$shared/b.pcap.csv"
timeout -k 2 10 "$NF" --pcap "$shared/a.pcap" --out "$shared/a.pcap.csv" 2>"$TMP/f.err"; rc=$?
check "10 another user's FIFO as --out in a shared folder: exit 2 at once" test "$rc" -eq 2
check "10 ... naming the owner" grep -q "a FIFO of uid $(id -u nobody) in the shared folder" "$TMP/f.err"
rm -f "$shared/a.pcap.csv"
as_nobody ln -s /usr/bin/passwd "$shared/b.pcap.csv"
as_nobody ln -s /usr/bin/passwd "$shared/named.csv"
"$NF" --pcap "$shared/a.pcap" "$shared/b.pcap" --out-dir "$shared" --quiet; rc=$?
check "10 a planted link under an --out-dir name: exit 0" test "$rc" -eq 0
check "10 ... the link replaced by a regular file" test -f "$shared/b.pcap.csv" -a ! -L "$shared/b.pcap.csv"
check "10 ... of mode 0644, not the target's setuid mode" test "$(stat -c %a "$shared/b.pcap.csv")" = 644
check "10 ... the target untouched" test "$(stat -c %a /usr/bin/passwd)" = 4755
"$NF" --pcap "$shared/a.pcap" --out "$shared/named.csv" --quiet; rc=$?
check "10 another user's link as --out: exit 0, replaced" test "$rc" -eq 0 -a -f "$shared/named.csv" -a ! -L "$shared/named.csv"
check "10 ... with mode 0644" test "$(stat -c %a "$shared/named.csv")" = 644
# A FIFO the user made and named is still written (and waits interruptibly).
mkfifo "$TMP/mine.fifo"
cat "$TMP/mine.fifo" >"$TMP/mine.csv" &
reader=$!
"$NF" --pcap "$WEB" --out "$TMP/mine.fifo" --quiet; rc=$?
wait "$reader"
check "10 the user's own FIFO as --out: exit 0" test "$rc" -eq 0
check "10 ... the reader got the CSV" test "$(wc -l <"$TMP/mine.csv")" -eq 40
# (timeout ends a hang: 124 then. The signal goes to netflower itself, not
# to timeout, whose -k would allow only 2 s more before SIGKILL.)
timeout 60 "$NF" --pcap "$WEB" --out "$TMP/mine.fifo" 2>"$TMP/f.err" &
conv=$!
child=
for ((i = 0; i < 200 && ${#child} == 0; i++)); do child=$(pgrep -P "$conv") || sleep 0.05; done
interrupt_when "$child" sleeping
wait "$conv"; rc=$?
check "10 SIGINT while waiting for a FIFO's reader: exit 130" test "$rc" -eq 130
check "10 ... saying so" grep -q "interrupted by SIGINT" "$TMP/f.err"
open=$(mktemp -d /tmp/nf-open.XXXXXX)
chmod 0777 "$open"
"$NF" --pcap "$WEB" --out "$open/x.csv" 2>"$TMP/f.err"; rc=$?
check "10 a world-writable folder that is not sticky: exit 2" test "$rc" -eq 2
check "10 ... saying why" grep -q "writable by every user and not sticky" "$TMP/f.err"
chown nobody "$open"
chmod 1777 "$open"
"$NF" --pcap "$WEB" "$shared/a.pcap" --out-dir "$open" 2>"$TMP/f.err"; rc=$?
check "10 a shared folder of another user: exit 2" test "$rc" -eq 2
check "10 ... naming the owner" grep -q "is shared and belongs to uid $(id -u nobody)" "$TMP/f.err"
rm -rf "$shared" "$open"

echo "$failures failure(s)"
exit $((failures > 0))
