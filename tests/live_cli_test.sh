#!/usr/bin/env bash
# The CLI's live mode across a veth pair into a network namespace created
# here (removed on exit, also on failure): its CSV equals, in every column
# that does not depend on timing, the offline conversion of a tcpdump capture
# of the same traffic; SIGINT stops it cleanly with a summary; errors are
# clear. Needs root (CI runs as root); tagged no-sandbox.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
TMP=${TEST_TMPDIR:-$(mktemp -d)}
S=$$
NS=nflc$S A=nfx$S B=nfy$S
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
exits_within_10s() {  # exits_within_10s PID: true once PID has exited, false after 10 s
  local waited=0
  while kill -0 "$1" 2>/dev/null && ((waited < 100)); do sleep 0.1; waited=$((waited + 1)); done
  ((waited < 100))
}
cleanup() {
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null
  [[ -n ${holder:-} ]] && kill "$holder" 2>/dev/null
  ip link del "$A" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$NS" || { echo "needs root and iproute2"; exit 1; }
ip link add "$A" type veth peer name "$B"
ip link set "$B" netns "$NS"
ip addr add 10.78.0.1/24 dev "$A"
ip link set "$A" up
ip netns exec "$NS" ip addr add 10.78.0.2/24 dev "$B"
ip netns exec "$NS" ip link set "$B" up
ip netns exec "$NS" python3 -m http.server 8080 --bind 10.78.0.2 >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('10.78.0.2', 8080), 1).close()" 2>/dev/null && break
  sleep 0.1
done

traffic() {
  python3 - <<'PY'
import socket, urllib.request
for _ in range(5):
    urllib.request.urlopen("http://10.78.0.2:8080/", timeout=5).read()
for port in range(46000, 46004):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.78.0.1", port))
    s.sendto(b"x" * (20 + port % 7), ("10.78.0.2", 9999))
    s.close()
PY
}

# live_next_to_tcpdump PCAP ERR ARGS...: captures the traffic with netflower
# ARGS (stderr to ERR) and with tcpdump into PCAP, stops both with SIGINT and
# sets rc to netflower's exit status.
live_next_to_tcpdump() {
  local pcap=$1 err=$2
  shift 2
  tcpdump -q -U -i "$A" -s 65535 -w "$pcap" 2>/dev/null &
  local dump=$!
  "$NF" --iface "$A" "$@" 2>"$err" &
  local live=$!
  sleep 1.5
  traffic
  sleep 1
  kill -INT "$live"
  wait "$live"
  rc=$?
  kill -INT "$dump"
  wait "$dump"
}

# Live CSV and a tcpdump capture of the same packets.
live_next_to_tcpdump "$TMP/ref.pcap" "$TMP/live.err" --out "$TMP/live.csv"
check "SIGINT stops the capture with exit 0" test "$rc" -eq 0
check "the summary reports packets, flows and kernel drops" \
  grep -q "kernel .* received, 0 dropped" "$TMP/live.err"
check "the summary reports flows" grep -q "flows written" "$TMP/live.err"

"$NF" --pcap "$TMP/ref.pcap" --out "$TMP/offline.csv" --idle-timeout 30 --active-timeout 120 --quiet
stable() {  # the columns that do not depend on timing, sorted rows
  awk -F, 'NR == 1 {
      split("src_ip dst_ip src_port dst_port protocol tot_fwd_pkts tot_bwd_pkts totlen_fwd_pkts totlen_bwd_pkts fwd_pkt_len_max fwd_pkt_len_min fwd_pkt_len_mean bwd_pkt_len_max bwd_pkt_len_min bwd_pkt_len_mean pkt_len_max pkt_len_min pkt_len_mean pkt_len_var fwd_header_len bwd_header_len fwd_seg_size_min fwd_act_data_pkts fin_flag_cnt syn_flag_cnt rst_flag_cnt psh_flag_cnt ack_flag_cnt down_up_ratio pkt_size_avg init_fwd_win_byts init_bwd_win_byts", want, " ")
      for (i = 1; i <= NF; i++) idx[$i] = i
      next
    }
    { line = ""; for (k = 1; k in want; k++) line = line $(idx[want[k]]) ","; print line }' "$1" | sort
}
stable "$TMP/live.csv" >"$TMP/live.stable"
stable "$TMP/offline.csv" >"$TMP/offline.stable"
check "live CSV has the 5 HTTP and 4 UDP flows" test "$(grep -c ',10.78.0.2,' "$TMP/live.stable")" -ge 9
check "live CSV equals the offline conversion in the timing-free columns" \
  cmp -s "$TMP/live.stable" "$TMP/offline.stable"
if ! cmp -s "$TMP/live.stable" "$TMP/offline.stable"; then diff "$TMP/live.stable" "$TMP/offline.stable" | head; fi

# --format jsonl live: one JSON object per flow, the CSV's columns as keys.
"$NF" --iface "$A" --format jsonl --out "$TMP/live.jsonl" 2>/dev/null &
live=$!
sleep 1.5
traffic
sleep 1
kill -INT "$live"
wait "$live"
check "a JSON Lines capture exits 0" test $? -eq 0
check "... every line a JSON object with the 82 columns in order" python3 -c '
import json, sys
header = open(sys.argv[2]).readline().strip().split(",")
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) >= 9, len(rows)
assert all(list(r) == header for r in rows)' "$TMP/live.jsonl" "$TMP/live.csv"

# --interim 1 live (FLOW-RULES §14): a UDP flow of about 3.5 s is reported
# while open (the timer sweeps twice a second find it due), its counts
# growing, before its final row; interim rows are not counted as flows.
"$NF" --iface "$A" --interim 1 --out "$TMP/interim.csv" 2>"$TMP/interim.err" &
live=$!
sleep 1.5
python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.78.0.1", 47000))
for _ in range(15):
    s.sendto(b"tick", ("10.78.0.2", 9999))
    time.sleep(0.25)
PY
sleep 1
kill -INT "$live"
wait "$live"
check "an --interim capture exits 0" test $? -eq 0
awk -F, '$3 == 47000 { print $12 + $13, $NF }' "$TMP/interim.csv" >"$TMP/interim.flow"
check "... the 3.5 s flow has 2 or more interim rows, then 1 final row with its 15 packets" \
  python3 -c '
import sys
rows = [line.split() for line in open(sys.argv[1])]
interim = [int(n) for n, reason in rows if reason == "interim"]
final = [(int(n), reason) for n, reason in rows if reason != "interim"]
assert len(interim) >= 2 and interim == sorted(interim), rows
assert final == [(15, "end")] and rows[-1] == ["15", "end"], rows' "$TMP/interim.flow"
check "... the summary counts the interim rows apart from the flows" \
  grep -q "interim rows *$(grep -c ',interim$' "$TMP/interim.csv")  (every 1 s" "$TMP/interim.err"

# --dpi live (FLOW-RULES §16): the labels equal the offline --dpi conversion
# of a tcpdump capture of the same traffic (the HTTP flows named HTTP, with
# their Host).
live_next_to_tcpdump "$TMP/dpiref.pcap" "$TMP/dpi-live.err" --dpi --out "$TMP/dpi-live.csv"
check "a --dpi capture exits 0" test "$rc" -eq 0
"$NF" --pcap "$TMP/dpiref.pcap" --out "$TMP/dpi-offline.csv" --dpi --idle-timeout 30 \
  --active-timeout 120 --quiet
labels() { cut -d, -f1-5,83-88 "$1" | sort; }
check "... its labels equal the offline conversion's" \
  cmp -s <(labels "$TMP/dpi-live.csv") <(labels "$TMP/dpi-offline.csv")
check "... the 5 HTTP flows named HTTP, Host 10.78.0.2" \
  test "$(grep -c ',8080,6,.*,HTTP,Web,DPI,10.78.0.2,,$' "$TMP/dpi-live.csv")" -eq 5

# --columns cic-ids2017 live (docs/CIC.md): the dataset's header, and the
# rows of an offline CIC conversion of a tcpdump capture of the same traffic
# (every column but the timing-dependent ones: duration, rates, IATs,
# active/idle; Timestamp to the second).
TZ=UTC live_next_to_tcpdump "$TMP/cicref.pcap" "$TMP/cic-live.err" --columns cic-ids2017 \
  --out "$TMP/cic-live.csv"
check "a CIC live capture exits 0" test "$rc" -eq 0
check "... its header is the CIC-IDS2017 one" \
  cmp -s <(head -1 "$TMP/cic-live.csv") tests/testdata/cic/cic-ids2017-trafficlabelling.csv-header
check "... the summary names the layout and counts one-packet flows" \
  grep -q "columns cic-ids2017.*one-packet flows\|one-packet flows" "$TMP/cic-live.err"
TZ=UTC "$NF" --pcap "$TMP/cicref.pcap" --columns cic-ids2017 --out "$TMP/cic-offline.csv" --quiet
cic_stable() { tail -n +2 "$1" | cut -d, -f1-7,9-20,37-42,45-76,85 | sort; }
check "... its rows equal the offline conversion's (timing-free columns)" \
  cmp -s <(cic_stable "$TMP/cic-live.csv") <(cic_stable "$TMP/cic-offline.csv")
check "... with the 5 HTTP flows (2+ packets each)" \
  test "$(cic_stable "$TMP/cic-live.csv" | grep -c -- '-8080-6,')" -ge 5
"$NF" --iface "$A" --columns cic-ids2017 --save-pcap "$TMP" --out "$TMP/no.csv" 2>"$TMP/cic-sp.err"
check "a CIC layout with --save-pcap is refused (exit 2)" test $? -eq 2

# tcpdump -w - | netflower --pcap -: rows appear while tcpdump still runs.
tcpdump -q -U -i "$A" -s 65535 -w - 2>/dev/null |
  "$NF" --pcap - --out - --quiet >"$TMP/tdpipe.csv" &
tdpipe=$!
sleep 1.5
traffic
lines=0
for _ in $(seq 50); do
  lines=$(wc -l <"$TMP/tdpipe.csv")
  ((lines >= 6)) && break
  sleep 0.1
done
check "tcpdump -w - | netflower --pcap - shows rows while tcpdump runs ($lines lines)" \
  test "$lines" -ge 6
check "... tcpdump still running then" pgrep -f "tcpdump -q -U -i $A -s 65535 -w -"
pkill -INT -f "tcpdump -q -U -i $A -s 65535 -w -"
wait "$tdpipe"
check "... and netflower ends with the pipe (exit 0)" test $? -eq 0

# --user drops root once the rings are open: the capture still works, and
# the files it writes belong to that user.
byuser=$(mktemp -d /tmp/nf-byuser.XXXXXX)  # reachable by nobody, unlike the test's own tmp
chmod 1777 "$byuser"  # sticky, like /tmp: writable by nobody, safe from other users
csvdir=$(mktemp -d /tmp/nf-csv.XXXXXX)
chmod 1777 "$csvdir"
"$NF" --iface "$A" --user nobody --save-pcap "$byuser" --out "$csvdir/u.csv" 2>"$TMP/u.err" &
live=$!
sleep 1.5
traffic
sleep 0.5
kill -INT "$live"
wait "$live"
check "--user capture exits 0" test $? -eq 0
check "--user says it dropped root" grep -q "running as nobody (uid 65534), no capabilities" "$TMP/u.err"
check "--user capture wrote flows" test "$(wc -l <"$csvdir/u.csv")" -ge 10
check "... into a CSV that belongs to nobody" test "$(stat -c %U "$csvdir/u.csv")" = nobody
rm -rf "$csvdir"
"$NF" --iface "$A" --user nobody --out "$TMP/u.csv" --duration 1 2>"$TMP/u2.err"; rc=$?
check "an --out folder --user cannot write exits 2" test "$rc" -eq 2
check "... naming it" grep -q "out folder .* is not writable by user nobody" "$TMP/u2.err"
owner=$(stat -c %U "$(ls -d "$byuser"/*.pcap | head -1)")
rm -rf "$byuser"
check "flow pcaps written after the drop belong to nobody" test "$owner" = nobody
"$NF" --iface "$A" --user no-such-user-$S --duration 1 2>"$TMP/e6"; rc=$?
check "an unknown --user exits 2" test "$rc" -eq 2
check "an unknown --user is named" grep -q "no user named 'no-such-user-$S'" "$TMP/e6"

# Output that is not being read: stdout is a FIFO whose reader never reads.
# Rows back up into the workers and the ring, so the kernel drops (counted)
# and memory stays bounded; SIGINT cannot finish writing the open flows, so
# netflower says so, and a second SIGINT quits with exit 1 and the summary.
mkfifo "$TMP/stall"
sleep 600 <"$TMP/stall" &  # holds the read end open, reads nothing
holder=$!
"$NF" --iface "$A" --idle-timeout 0 --ring-mb 1 --out - >"$TMP/stall" 2>"$TMP/stall.err" &
live=$!
sleep 1.5
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(150000):  # distinct flows: every one ends at the next sweep
    s.sendto(b"x" * 32, ("10.78.0.2", 20000 + i % 30000))
PY
sleep 1
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$live/status")
kill -INT "$live"
sleep 4.5
check "a stalled output keeps netflower alive after SIGINT (it is still writing)" kill -0 "$live"
check "it says the output is not being read" grep -q "is the output being read" "$TMP/stall.err"
kill -INT "$live"
check "a second SIGINT quits within 10 s" exits_within_10s "$live"
wait "$live"
check "... with exit 1" test $? -eq 1
check "... naming the stalled output" grep -q "interrupted while writing the last flows to standard output" "$TMP/stall.err"
check "... after a summary with counted kernel drops" grep -qE "kernel .* received, [1-9][0-9]* dropped" "$TMP/stall.err"
check "memory stayed bounded while stalled (${rss_kb} kB)" test "${rss_kb:-999999}" -lt 204800
# "flows written" is what the kernel accepted (what sits in the pipe), never
# what was queued: read back what the pipe holds while the holder keeps it.
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)  # no writer left: do not wait for one
out = b""
while True:
    try:
        chunk = os.read(fd, 1 << 20)
    except BlockingIOError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)' "$TMP/stall" >"$TMP/stall.csv"
in_pipe=$(($(wc -l <"$TMP/stall.csv") - 1))
said=$(sed -nE 's/.*quitting with ([0-9]+) flows written.*/\1/p' "$TMP/stall.err")
check "the flows said written ($said) are at most the rows in the pipe ($in_pipe)" \
  test "${said:-999999}" -le "$in_pipe"
check "... and at most one write of 500 rows fewer" test "${said:-0}" -ge $((in_pipe - 500))
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# --count and --duration stop it by themselves.
timeout 20 "$NF" --iface "$A" --duration 1 --out "$TMP/d.csv" 2>/dev/null
check "--duration stops with exit 0" test $? -eq 0
( sleep 0.5; traffic ) &
sender=$!
timeout 20 "$NF" --iface "$A" --count 5 --out "$TMP/c.csv" 2>"$TMP/c.err"
check "--count stops with exit 0" test $? -eq 0
check "--count took exactly 5 packets" grep -qE "packets read +5$" "$TMP/c.err"
wait "$sender"

# Errors: one line naming the cause and the fix; what the command line named
# wrong exits 2, a capture the system refuses exits 1.
"$NF" --iface nf-none-$S --duration 1 2>"$TMP/e1"; rc=$?
check "missing interface exits 2" test "$rc" -eq 2
check "missing interface is named" grep -q "no network interface named 'nf-none-$S'" "$TMP/e1"
ip link add nfz$S type veth peer name nfw$S
"$NF" --iface nfz$S --duration 1 2>"$TMP/e2"; rc=$?
ip link del nfz$S
check "interface down exits 2" test "$rc" -eq 2
check "interface down says how to fix it" grep -q "ip link set nfz$S up" "$TMP/e2"
"$NF" --iface "$A" --save-pcap "$TMP/nope" --duration 1 2>"$TMP/e3"; rc=$?
check "missing save-pcap dir exits 2" test "$rc" -eq 2
check "missing save-pcap dir is named" grep -q "does not exist" "$TMP/e3"
# Without root and without CAP_NET_RAW (as nobody, all capabilities cleared).
if command -v setpriv >/dev/null; then
  unpriv=$(mktemp -d /tmp/nf-unpriv.XXXXXX)
  cp "$NF" "$unpriv/netflower"
  chmod 755 "$unpriv" "$unpriv/netflower"
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$unpriv/netflower" --iface "$A" --duration 1 2>"$TMP/e5"; rc=$?
  rm -rf "$unpriv"
  check "no permission exits 1" test "$rc" -eq 1
  check "no permission says what is needed" grep -q "needs root or the CAP_NET_RAW capability" "$TMP/e5"
else
  fail "setpriv (util-linux) is missing"
fi
"$NF" --pcap x --promisc 2>"$TMP/e4"; rc=$?
check "live-only flags are refused for files" test "$rc" -eq 2

# A failed start leaves an existing output exactly as it was (issue: live
# mode truncated it): every check runs before the output is created.
printf 'precious\n' >"$TMP/keep.csv"
chmod 600 "$TMP/keep.csv"
for args in "--iface nf-none-$S" "--iface $A --filter 'tcp port'" "--iface $A --user no-such-user-$S" \
            "--iface $A --save-pcap $TMP/nope" "--iface $A --ring-mb 65536 --jobs 64"; do
  eval "\"\$NF\" $args --duration 1 --out \"\$TMP/keep.csv\"" 2>"$TMP/keep.err"; rc=$?
  check "'$args' fails with exit 2" test "$rc" -eq 2
  check "'$args' leaves the existing output untouched" test "$(cat "$TMP/keep.csv")" = precious
  check "'$args' leaves no temporary file" bash -c "! ls -a '$TMP' | grep -q 'keep.csv.partial'"
done
check "the mode of the kept file is unchanged" test "$(stat -c %a "$TMP/keep.csv")" = 600
# A successful capture replaces it through a temporary file, keeping its mode.
"$NF" --iface "$A" --duration 1 --out "$TMP/keep.csv" 2>/dev/null
check "a capture replaces the output and keeps its mode 0600" \
  test "$(stat -c %a "$TMP/keep.csv")" = 600 -a "$(head -c 7 "$TMP/keep.csv")" = src_ip,

# --save-pcap refuses folders where other users could plant links, and an
# output inside the folder; --user must be able to write the folder.
unsafe=$(mktemp -d /tmp/nf-unsafe.XXXXXX)
chmod 777 "$unsafe"
"$NF" --iface "$A" --save-pcap "$unsafe" --duration 1 2>"$TMP/e7"; rc=$?
check "a world-writable, non-sticky --save-pcap folder exits 2" test "$rc" -eq 2
check "... saying why" grep -q "writable by every user and not sticky" "$TMP/e7"
chmod 755 "$unsafe"
"$NF" --iface "$A" --save-pcap "$unsafe" --user nobody --duration 1 2>"$TMP/e8"; rc=$?
check "a --save-pcap folder --user cannot write exits 2" test "$rc" -eq 2
check "... naming the user" grep -q "not writable by user nobody" "$TMP/e8"
"$NF" --iface "$A" --save-pcap "$unsafe" --out "$unsafe/flows.csv" --duration 1 2>"$TMP/e9"; rc=$?
check "an output inside the --save-pcap folder exits 2" test "$rc" -eq 2
check "... saying so" grep -q "is inside $unsafe" "$TMP/e9"
rm -rf "$unsafe"

# When the output breaks, capture stops at once (exit 1, the cause named)
# instead of capturing on silently: a full disk, and a reader that went away.
stops_by_itself() {  # stops_by_itself WHAT CAUSE ERRFILE, for the capture $live
  check "$1 stops the capture by itself within 10 s" exits_within_10s "$live"
  kill -INT "$live" 2>/dev/null
  wait "$live"
  check "... with exit 1" test $? -eq 1
  check "... naming the cause" grep -q "$2; capture stopped there" "$3"
}
if [[ -w /dev/full ]]; then
  "$NF" --iface "$A" --out /dev/full 2>"$TMP/full.err" &
  live=$!
  sleep 1.5
  traffic
  stops_by_itself "a full disk" "No space left on device" "$TMP/full.err"
fi
mkfifo "$TMP/gone"
head -c 1 <"$TMP/gone" >/dev/null &
"$NF" --iface "$A" --out - >"$TMP/gone" 2>"$TMP/gone.err" &
live=$!
sleep 1.5
traffic
sleep 0.5
traffic
stops_by_itself "a reader that went away" "Broken pipe" "$TMP/gone.err"

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all live CLI checks passed"
