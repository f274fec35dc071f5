#!/usr/bin/env bash
# IPFIX export (docs/IPFIX.md) through the CLI, every result read by an
# independent decoder, never by netflower's own model of the format:
#   - nfcapd (Debian's nfdump 1.7) collects the export of the repository's
#     captures and, when NETFLOWER_SHARED_DIR is set, of the shared corpus;
#     nfdump gives per flow the CSV's addresses, ports, protocol, packets and
#     bytes per direction and start/end (nfdump keeps milliseconds), biflow
#     and uniflow;
#   - libfixbuf's ipfixDump decodes every message of a run with enterprise
#     elements (--ipfix-pen, the tunnel columns too) and their values equal
#     the CSV's columns;
#   - tshark's cflow dissector on a capture of the export: no malformed or
#     error-level packet, templates and data recognised, sequence numbers
#     consistent, start/end to the nanosecond (the default profile's clock);
#   - pmacct's nfacctd receives every flow with its forward counts;
#   - live: a capture on lo exports its flows as they complete (natively;
#     qemu-user has no AF_PACKET, and the arm64 VM no IPFIX decoders);
#   - faults: a UDP collector down for part of a run and restarted, a TCP one
#     killed and restarted (netflower reconnects), a TCP one never up: what
#     the collectors wrote plus what the summary counts as dropped is every
#     flow, and exit 4 when anything was dropped;
#   - bad options and addresses: exit 2 before any output exists.
# Collectors bind to 127.0.0.1 and stop by themselves. Needs nfdump,
# libfixbuf-tools, pmacct, tshark, tcpdump (tools/install_deps.sh).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
CHECK=tests/testing/ipfix_check.py
COLLECT=tests/testing/ipfix_collector.py
ELEMENTS=docs/ipfix/netflower-elements.xml
TMP=${TEST_TMPDIR:-$(mktemp -d)}
WEB=tests/testdata/loopback-web.pcap
export TZ=UTC
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

free_port() {  # a UDP and TCP port free on 127.0.0.1 right now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# collector NAME udp|tcp PORT: our recorder (messages to $TMP/NAME.bin.N, a
# file per session), pid in $cpid.
collector() {
  rm -f "$TMP/$1.port" "$TMP/$1.bin".*
  python3 "$COLLECT" --transport "$2" --port "$3" --port-file "$TMP/$1.port" \
    --out "$TMP/$1.bin" --seconds 300 3>&- &  # not holding the fault runs' pipe open
  cpid=$!
  pids+=("$cpid")
  for _ in $(seq 200); do [[ -s $TMP/$1.port ]] && return 0; sleep 0.05; done
  fail "collector $1 did not start"
}
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# dumped_records NAME: the data records ipfixDump decodes from collector NAME's files.
dumped_records() {
  local n=0 f
  for f in "$TMP/$1.bin".*; do
    [[ -s $f ]] || continue
    n=$((n + $(ipfixDump -i "$f" -s 2>/dev/null |
      sed -n 's/.*File Stats: [0-9]* Messages, \([0-9]*\) Data Records.*/\1/p')))
  done
  echo "$n"
}
# summary_count FILE WHAT: a number from the run summary's ipfix lines.
summary_count() {
  case $2 in
    flows) sed -n 's/^  ipfix exported *\([0-9]*\) *flows.*/\1/p' "$1" ;;
    records) sed -n 's/^  ipfix exported .*flows (\([0-9]*\) records.*/\1/p' "$1" ;;
    dropped) sed -n 's/^    dropped \([0-9]*\) records.*/\1/p' "$1" ;;
    completed) sed -n 's/^  flows completed by *fin \([0-9]*\), rst \([0-9]*\), idle \([0-9]*\), duration cap \([0-9]*\), open at end \([0-9]*\).*/\1 \2 \3 \4 \5/p' "$1" |
      awk '{print $1+$2+$3+$4+$5}' ;;
  esac
}

# The captures: the repository's, and the shared corpus's that convert
# cleanly (a capture netflower refuses has no CSV to compare with).
captures=("$WEB" tests/testdata/tunnels/*.pcap)
if [[ -n ${NETFLOWER_SHARED_DIR:-} && -d $NETFLOWER_SHARED_DIR/pcaps ]]; then
  for c in "$NETFLOWER_SHARED_DIR"/pcaps/*; do
    [[ $c == *.md ]] && continue
    "$NF" --pcap "$c" --out /dev/null --quiet 2>/dev/null && captures+=("$c")
  done
  echo "shared corpus: ${#captures[@]} captures in all"
else
  echo "NETFLOWER_SHARED_DIR not set: the repository's captures only"
fi

# nfcapd_run NAME ARGS...: netflower --pcap CAPTURES --out-dir $TMP/NAME ARGS
# --ipfix to an nfcapd; nfdump -o raw of what it stored into $TMP/NAME.raw.
nfcapd_run() {
  local name=$1; shift
  local port; port=$(free_port)
  rm -rf "${TMP:?}/$name" "$TMP/$name.nfcapd"
  mkdir -p "$TMP/$name" "$TMP/$name.nfcapd"
  nfcapd -b 127.0.0.1 -p "$port" -w "$TMP/$name.nfcapd" -t 3600 -B 4194304 \
    >"$TMP/$name.nfcapd.log" 2>&1 &
  local npid=$!
  pids+=("$npid")
  for _ in $(seq 100); do grep -q 'Startup' "$TMP/$name.nfcapd.log" && break; sleep 0.05; done
  "$NF" --pcap "${captures[@]}" --out-dir "$TMP/$name" --ipfix "127.0.0.1:$port" "$@" \
    2>"$TMP/$name.err"
  local rc=$?
  stop "$npid"  # nfcapd writes its file on SIGTERM
  [[ $rc -eq 0 ]] || { fail "$name: netflower exit $rc"; tail -5 "$TMP/$name.err"; }
  nfdump -R "$TMP/$name.nfcapd" -o raw >"$TMP/$name.raw" 2>"$TMP/$name.nfdump.err"
  # The files share one exporter: one session, one sequence, no gap.
  grep -o 'Flows: .*' "$TMP/$name.nfcapd.log" | sed 's/^/  nfcapd: /'
  check "$name: nfcapd counts no sequence error (the files share one session)" \
    grep -q 'Sequence Errors: 0,' "$TMP/$name.nfcapd.log"
  check "$name: the summary's total counts every flow exported, none dropped" \
    grep -q '^    dropped 0 records' "$TMP/$name.err"
}

echo "== nfdump: biflow (RFC 5103) =="
nfcapd_run biflow
check "nfdump reads every flow, its reverse counts as out packets/bytes" \
  python3 "$CHECK" nfdump "$TMP"/biflow/*.csv --raw "$TMP/biflow.raw"

echo "== nfdump: uniflow =="
nfcapd_run uniflow --ipfix-uniflow
check "nfdump reads a forward record per flow and a reverse one per flow with replies" \
  python3 "$CHECK" nfdump "$TMP"/uniflow/*.csv --raw "$TMP/uniflow.raw" --uniflow

echo "== ipfixDump: enterprise elements, tunnel columns, IPv6; tshark on the wire =="
port=$(free_port)
# A 64 MiB capture buffer holds the whole export (about 4 MB): a busy
# machine (CI runs tests in parallel) cannot make tcpdump drop any of it.
# Immediate mode: each packet is written as it comes, none left in a ring
# block when tcpdump is stopped.
timeout 120 tcpdump -i lo -B 65536 --immediate-mode -w "$TMP/export.pcap" -U "udp port $port" \
  2>"$TMP/tcpdump.err" &
tpid=$!
pids+=("$tpid")
for _ in $(seq 100); do [[ -s $TMP/export.pcap ]] && break; sleep 0.05; done
: >"$TMP/dump.txt"
: >"$TMP/dump.ipfixdump.err"
# One run of several files (one exporter, one session) over the captures
# dated before 2036: dateTimeNanoseconds (NTP's format) wraps then, and
# ipfixDump prints no year past 9999; the later ones are nfdump's (above).
compare=()
later=()
for c in "${captures[@]}"; do
  if python3 -c 'import csv,sys; sys.exit(any(float(r["timestamp"]) >= 2085978496 for r in csv.DictReader(open(sys.argv[1]))))' \
    "$TMP/biflow/$(basename "$c").csv"; then
    compare+=("$c")
  else
    later+=("$c")
  fi
done
echo "${#compare[@]} captures compared, ${#later[@]} dated after 2036 left to nfdump"
collector dump udp "$port"
rm -rf "${TMP:?}/dump" && mkdir "$TMP/dump"
"$NF" --pcap "${compare[@]}" --out-dir "$TMP/dump" --columns netflower-tunnel \
  --ipfix "127.0.0.1:$port" --ipfix-pen 32473 --ipfix-domain 7 --quiet 2>"$TMP/dump.err" ||
  fail "enterprise run: exit $?"
for _ in $(seq 40); do [[ -n $(compgen -G "$TMP/dump.bin.*") ]] && break; sleep 0.05; done
sleep 0.3  # the run's last datagrams
stop "$cpid"
for f in "$TMP"/dump.bin.*; do
  ipfixDump -i "$f" -e "$ELEMENTS" >>"$TMP/dump.txt" 2>>"$TMP/dump.ipfixdump.err"
done
check "one session: one collector file" test "$(compgen -G "$TMP/dump.bin.*" | wc -l)" -eq 1
compared=("$TMP"/dump/*.csv)
# The capture has every datagram the collector stored (the collector's
# files are its own count) before tcpdump stops.
want_messages=$(ipfixDump -i "$TMP/dump.bin.1" -s 2>/dev/null | sed -n 's/.*File Stats: \([0-9]*\) Messages.*/\1/p')
for _ in $(seq 100); do
  [[ $(command tshark -r "$TMP/export.pcap" 2>/dev/null | wc -l) -ge ${want_messages:-1} ]] && break
  sleep 0.1
done
stop "$tpid"
check "tcpdump dropped none of the export ($(grep -o '[0-9]* packets dropped by kernel' "$TMP/tcpdump.err"))" \
  grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.err"
head -4 "$TMP/dump.ipfixdump.err"
check "ipfixDump decodes every message without an error (${#compared[@]} captures)" \
  test ! -s "$TMP/dump.ipfixdump.err" -a -s "$TMP/dump.txt"
check "ipfixDump: every standard and enterprise element equals its column" \
  python3 "$CHECK" ipfixdump "${compared[@]}" --dump "$TMP/dump.txt"
d=udp.port==$port,cflow
# tshark dissects templates of at most 60 fields unless told otherwise;
# netflower's with enterprise elements have 87 to 89.
tshark() { command tshark -o cflow.max_template_fields:0 "$@" 2>/dev/null; }
tshark -r "$TMP/export.pcap" -d "$d" -Y '_ws.malformed || _ws.expert.severity >= warning' \
  -T fields -e frame.number -e _ws.expert.message >"$TMP/tshark-bad.txt"
check "tshark: no malformed packet, no warning or error" test ! -s "$TMP/tshark-bad.txt"
head -5 "$TMP/tshark-bad.txt"
templates=$(tshark -r "$TMP/export.pcap" -d "$d" -T fields -e cflow.template_id | tr ',' '\n' | grep -c .)
check "tshark recognises the template sets ($templates template records)" test "$templates" -gt 0
rm -f "$TMP/times.tsv"
# (The check keys sessions by source port, as a collector would.)
check "tshark: sequence numbers count the data records before each message" \
  python3 "$CHECK" tshark --fields <(tshark -r "$TMP/export.pcap" -d "$d" -T fields \
    -E occurrence=a -E aggregator=';' -e frame.number -e cflow.sequence -e udp.srcport -e cflow.flowset_id \
    -e cflow.srcport -e cflow.abstimestart -e cflow.abstimeend) --times "$TMP/times.tsv"
check "tshark: start and end to the nanosecond (the CSV's resolution for the start)" \
  python3 "$CHECK" times "${compared[@]}" --times "$TMP/times.tsv"

echo "== pmacct nfacctd =="
if command -v nfacctd >/dev/null; then
  port=$(free_port)
  cat >"$TMP/nfacctd.conf" <<EOF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $port
plugins: print
aggregate: src_host, dst_host, src_port, dst_port, proto
print_output: csv
print_output_file: $TMP/nfacctd.csv
print_refresh_time: 1
print_output_file_append: true
EOF
  rm -f "$TMP/nfacctd.csv"
  setsid nfacctd -f "$TMP/nfacctd.conf" >"$TMP/nfacctd.log" 2>&1 &
  apid=$!
  pids+=("$apid")
  # Ready once its print plugin has written its (empty) cache once: data
  # that comes before the plugin runs is not accounted.
  for _ in $(seq 200); do grep -q 'Purging cache - END' "$TMP/nfacctd.log" && break; sleep 0.05; done
  "$NF" --pcap "$WEB" --ipfix "127.0.0.1:$port" --out "$TMP/acct.csv" --quiet
  # The print plugin writes its cache every second; nfacctd's core ignores
  # SIGTERM, so its process group is killed once the flows are there.
  for _ in $(seq 100); do [[ $(grep -c '^[0-9]' "$TMP/nfacctd.csv" 2>/dev/null) -gt 0 ]] && break; sleep 0.1; done
  sleep 1.2  # one more refresh: every record is in
  kill -KILL -- -"$apid" 2>/dev/null
  check "nfacctd: every flow with its forward packets and bytes (pmacct aggregates by 5-tuple)" \
    python3 - "$TMP/acct.csv" "$TMP/nfacctd.csv" <<'PY'
import collections, csv, sys
want = collections.Counter((r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"], r["tot_fwd_pkts"],
                            r["totlen_fwd_pkts"]) for r in csv.DictReader(open(sys.argv[1])))
got = collections.Counter((r["SRC_IP"], r["DST_IP"], r["SRC_PORT"], r["DST_PORT"], r["PACKETS"], r["BYTES"])
                          for r in csv.DictReader(open(sys.argv[2])) if r["SRC_IP"][:1].isdigit())
print(f"nfacctd: {sum(want.values())} flows in the CSV, {sum(got.values())} received")
sys.exit(0 if want == got else 1)
PY
else
  echo "nfacctd not installed: pmacct check not run"
fi

echo "== faults: UDP collector down for part of a run, restarted =="
# The capture goes in three parts through a pipe; the collector is there for
# the first, gone for the second, back (new process) for the third.
python3 - "$WEB" "$TMP/part" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
header, recs, pos = data[:24], [], 24
while pos + 16 <= len(data):
    n = struct.unpack_from("<I", data, pos + 8)[0]
    recs.append(data[pos:pos + 16 + n]); pos += 16 + n
third = len(recs) // 3
for i, part in enumerate((recs[:third], recs[third:2 * third], recs[2 * third:])):
    open(f"{sys.argv[2]}{i}", "wb").write((header if i == 0 else b"") + b"".join(part))
EOF
fault_run() {  # fault_run udp|tcp EXTRA...: the three-part run, summary in $TMP/fault-$1.err
  local t=$1; shift
  local port; port=$(free_port)
  rm -f "$TMP/fifo-$t"
  mkfifo "$TMP/fifo-$t"
  collector "fa-$t" "$t" "$port"
  local a=$cpid
  "$NF" --pcap - --out "$TMP/fault-$t.csv" --ipfix "127.0.0.1:$port/$t" --ipfix-flush-timeout 20 \
    "$@" <"$TMP/fifo-$t" 2>"$TMP/fault-$t.err" &
  local nf=$!
  exec 3>"$TMP/fifo-$t"
  cat "$TMP/part0" >&3
  # Wait until the first part's flows have reached the collector.
  for _ in $(seq 200); do [[ $(dumped_records "fa-$t") -gt 0 ]] && break; sleep 0.05; done
  sleep 0.3
  stop "$a"
  cat "$TMP/part1" >&3
  sleep 1.5  # the second part's flows meet a closed port
  collector "fb-$t" "$t" "$port"
  local b=$cpid
  cat "$TMP/part2" >&3
  exec 3>&-
  wait "$nf"
  fault_rc=$?
  sleep 0.3
  stop "$b"
}
fault_run udp --ipfix-template-interval 60
got=$(($(dumped_records fa-udp) + $(dumped_records fb-udp)))
exported=$(summary_count "$TMP/fault-udp.err" records)
dropped=$(summary_count "$TMP/fault-udp.err" dropped)
completed=$(summary_count "$TMP/fault-udp.err" completed)
echo "udp: collectors got $got records; summary: $exported exported, $dropped dropped, $completed flows"
check "udp: the collectors got what the summary says was exported" test "$got" -eq "${exported:--1}"
check "udp: exported + dropped = every flow" test $((exported + dropped)) -eq "${completed:--1}"
check "udp: the part without a collector was dropped and counted" test "${dropped:-0}" -gt 0
check "udp: the restarted collector got the templates again and the third part" \
  test "$(dumped_records fb-udp)" -gt 0
check "udp: exit 4 (flows dropped)" test "$fault_rc" -eq 4
check "udp: the CSV is complete all the same" \
  test $(($(wc -l <"$TMP/fault-udp.csv") - 1)) -eq "${completed:--1}"

echo "== faults: TCP collector killed and restarted =="
fault_run tcp
got=$(($(dumped_records fa-tcp) + $(dumped_records fb-tcp)))
exported=$(summary_count "$TMP/fault-tcp.err" records)
completed=$(summary_count "$TMP/fault-tcp.err" completed)
echo "tcp: collectors got $got records; summary: $exported exported of $completed flows"
check "tcp: buffered while the collector was away, everything delivered after the reconnect" \
  test "$got" -eq "$completed" -a "${exported:--1}" -eq "$completed"
check "tcp: two connections" grep -q 'connections 2' "$TMP/fault-tcp.err"
check "tcp: exit 0" test "$fault_rc" -eq 0

echo "== faults: TCP collector never up =="
port=$(free_port)
"$NF" --pcap "$WEB" --out "$TMP/never.csv" --ipfix "127.0.0.1:$port/tcp" \
  --ipfix-flush-timeout 0.5 2>"$TMP/never.err"
rc=$?
check "never up: exit 4" test "$rc" -eq 4
check "never up: every record counted as dropped" \
  test "$(summary_count "$TMP/never.err" dropped)" -eq "$(summary_count "$TMP/never.err" completed)"
check "never up: the CSV is complete" test -s "$TMP/never.csv"

if [[ -n ${NETFLOWER_TARGET_RUNNER:-} ]]; then
# qemu-user has no AF_PACKET: the aarch64 live path is tested in the VM
# (tools/arm_vm_test.sh), which has no IPFIX decoders.
echo "== live: not under $NETFLOWER_TARGET_RUNNER (no AF_PACKET in qemu-user) =="
else
echo "== live: a capture on lo exported as its flows complete =="
# TCP connections to a listener on 127.0.0.1, captured on lo (only their
# port: the export itself also crosses lo), exported to our collector.
port=$(free_port)
collector live udp "$port"
lport=$(free_port)
"$NF" --iface lo --filter "tcp port $lport" --duration 5 --out "$TMP/live.csv" \
  --ipfix "127.0.0.1:$port" --idle-timeout 1 --progress 2>"$TMP/live.err" &
lnf=$!
# --progress prints once the rings are open and the threads run.
for _ in $(seq 100); do grep -q . "$TMP/live.err" 2>/dev/null && break; sleep 0.05; done
python3 - "$lport" <<'PY'
import socket, sys, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(16)
def serve():
    for _ in range(10):
        c, _ = srv.accept(); c.recv(100); c.sendall(b"ok" * 50); c.close()
threading.Thread(target=serve, daemon=True).start()
for _ in range(10):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"hello"); s.recv(1000); s.close()
PY
wait "$lnf"
lrc=$?
sleep 0.3
stop "$cpid"
rows=$(($(wc -l <"$TMP/live.csv") - 1))
check "live: exit 0 and 10 connections in the CSV (got $rows rows, exit $lrc)" test "$lrc" -eq 0 -a "$rows" -eq 10
check "live: the collector got every flow ($(dumped_records live) records)" \
  test "$(dumped_records live)" -eq "$rows" -a "$(summary_count "$TMP/live.err" flows)" -eq "$rows"
fi

echo "== bad options: exit 2, nothing written =="
bad() {  # bad WHAT ARGS...: exit 2, no output file, a message naming the cause
  rm -f "$TMP/bad.csv"
  "$NF" --pcap "$WEB" --out "$TMP/bad.csv" "${@:2}" 2>"$TMP/bad.err"
  local rc=$?
  check "$1: exit 2 ($(head -c 100 "$TMP/bad.err" | tr '\n' ' '))" test "$rc" -eq 2 -a ! -e "$TMP/bad.csv"
}
bad "no port" --ipfix 127.0.0.1
bad "unknown host" --ipfix no-such-host.invalid:4739
bad "bad transport" --ipfix 127.0.0.1:4739/sctp
bad "MTU too small for a record" --ipfix 127.0.0.1:4739 --ipfix-pen 32473 --ipfix-mtu 600
bad "RFC 5103's PEN" --ipfix 127.0.0.1:4739 --ipfix-pen 29305
bad "a companion without --ipfix" --ipfix-uniflow
bad "a CIC layout" --ipfix 127.0.0.1:4739 --columns cic-ids2017

echo "$failures failed"
((failures == 0))
