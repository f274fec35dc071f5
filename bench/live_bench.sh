#!/usr/bin/env bash
# Live-capture benchmark across a veth pair (needs root).
#
#   bench/live_bench.sh [--pcap FILE] [--rate PPS] [--seconds S] [--rates "R1 R2 ..."]
#
# (a) CPU cost at a fixed rate: packet_blaster replays FILE's frames into one
#     end of a veth pair at --rate packets/s for --seconds; the other end is
#     captured by `netflower --iface` and then, replaying the same traffic, by
#     `tcpdump -w /dev/null`; reports CPU seconds per million packets (over
#     the whole run, and while the traffic flows: without start-up, ring
#     set-up and exit; from schedstat, in nanoseconds) and kernel drops for
#     each, and netflower's CPU time by thread while the traffic flows.
# (b) the highest rate with zero kernel drops, for --jobs 1 and 2: replays 2 s
#     of traffic at each rate of --rates and keeps the last rate without drops.
#
# NETFLOWER=BINARY measures that binary instead of this tree's (A/B runs).
#
# Creates network namespace nfbench$$ and removes it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
pcap=tests/testdata/loopback-web.pcap
rate=300000
seconds=10
rates="100000 200000 300000 400000 500000 600000 800000 1000000 1200000 1500000"
while (($#)); do
  case $1 in
    --pcap) pcap=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bazel build -c opt //tools:netflower //bench:packet_blaster >/dev/null 2>&1
NF=${NETFLOWER:-$PWD/bazel-out/k8-opt/bin/tools/netflower}
BLAST=$PWD/bazel-out/k8-opt/bin/bench/packet_blaster
NS=nfbench$$ A=nfbA$$ B=nfbB$$
cleanup() { ip link del "$A" 2>/dev/null || true; ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$NS"
ip link add "$A" type veth peer name "$B"
ip link set "$B" netns "$NS"
ip link set "$A" up
ip netns exec "$NS" ip link set "$B" up
tmp=$(mktemp -d)

send() {  # send RATE COUNT
  ip netns exec "$NS" "$BLAST" --iface "$B" --pcap "$pcap" --rate "$1" --count "$2"
}

# Each thread of process PID: its name and the nanoseconds it has run so far
# (/proc/PID/task/TID/schedstat: exact, where stat counts clock ticks).
thread_times() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")"
  done 2>/dev/null
}

# CPU seconds of a capture command while COUNT packets are sent at RATE:
# prints user, system (the whole run: start, ring set-up, traffic, exit) and
# the CPU seconds its threads ran from just before the first packet to half
# a second after the last (the steady state, without set-up and teardown),
# whose per-thread snapshots are left in $tmp/threads.0 and $tmp/threads.1.
measure() {  # measure RATE COUNT command...
  local r=$1 n=$2; shift 2
  /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" 2>"$tmp/err" &
  local pid=$!
  sleep 1.5
  local child
  child=$(pgrep -P "$pid" | head -1)
  thread_times "$child" >"$tmp/threads.0"
  send "$r" "$n" >"$tmp/sent"
  sleep 0.5
  thread_times "$child" >"$tmp/threads.1"
  sleep 0.5
  kill -INT "$child" 2>/dev/null || kill -INT "$pid"
  wait "$pid" || true
  read -r user sys <"$tmp/time"
  echo "$user $sys $(awk 'NR == FNR { t0 += $2; next } { t1 += $2 } END { print (t1 - t0) / 1e9 }' \
    "$tmp/threads.0" "$tmp/threads.1")"
}

count=$((rate * seconds))
echo "== (a) CPU cost at $rate packets/s for $seconds s ($count packets of $pcap)"
read -r nu ns nt < <(measure "$rate" "$count" "$NF" --iface "$A" --out /dev/null)
nf_drops=$(grep -oE "[0-9]+ dropped" "$tmp/err" | grep -oE "^[0-9]+" || echo "?")
nf_read=$(awk '/packets read/ {print $3}' "$tmp/err")
mv "$tmp/threads.0" "$tmp/nf-threads.0"
mv "$tmp/threads.1" "$tmp/nf-threads.1"
echo "sender: $(cat "$tmp/sent")"
read -r tu ts tt < <(measure "$rate" "$count" tcpdump -q -i "$A" -w /dev/null -s 262144)
td_drops=$(grep -oE "[0-9]+ packets dropped by kernel" "$tmp/err" | grep -oE "^[0-9]+" || echo "?")
awk -v nu="$nu" -v ns="$ns" -v nt="$nt" -v tu="$tu" -v ts="$ts" -v tt="$tt" -v n="$count" \
    -v nd="$nf_drops" -v td="$td_drops" -v nr="$nf_read" 'BEGIN {
  printf "%-28s %14s %14s %16s %8s\n", "capture", "CPU s / M pkt", "user+sys s", "during traffic", "drops";
  printf "%-28s %14.3f %14.2f %16.3f %8s\n", "netflower --iface (1 job)", (nu+ns)/(n/1e6), nu+ns, nt/(n/1e6), nd;
  printf "%-28s %14.3f %14.2f %16.3f %8s\n", "tcpdump -w /dev/null", (tu+ts)/(n/1e6), tu+ts, tt/(n/1e6), td;
  printf "netflower read %s packets; ratio netflower/tcpdump CPU: %.2f (whole run), %.2f (during traffic)\n",
    nr, (nu+ns)/(tu+ts), nt/tt }'
echo "netflower by thread while the traffic flowed:"
awk -v n="$count" 'NR == FNR { t0[$1] = $2; next }
  { printf "  %-14s %7.1f ms  %6.1f ns a packet\n", $1, ($2 - t0[$1]) / 1e6, ($2 - t0[$1]) / n }' \
  "$tmp/nf-threads.0" "$tmp/nf-threads.1"
awk -v tt="$tt" -v n="$count" 'BEGIN {
  printf "  tcpdump        %7.1f ms  %6.1f ns a packet\n", tt * 1e3, tt * 1e9 / n }'

echo
echo "== (b) highest rate without kernel drops (2 s of traffic per rate)"
for jobs in 1 2; do
  best=0
  for r in $rates; do
    "$NF" --iface "$A" --jobs "$jobs" --out /dev/null 2>"$tmp/err" &
    pid=$!
    sleep 1.5
    achieved=$(send "$r" $((r * 2)) | grep -oE "[0-9]+ packets/s" | grep -oE "^[0-9]+")
    sleep 1
    kill -INT "$pid"
    wait "$pid" || true
    drops=$(grep -oE "[0-9]+ dropped" "$tmp/err" | grep -oE "^[0-9]+")
    echo "  --jobs $jobs: asked $r, sent $achieved packets/s, kernel drops $drops"
    if [[ $drops == 0 ]]; then
      ((achieved > best)) && best=$achieved
    else
      break
    fi
  done
  echo "--jobs $jobs: highest rate with zero drops: $best packets/s"
done
