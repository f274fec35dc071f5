#!/bin/bash
# In the aarch64 test VM (tools/arm_vm_test.sh): netflower and tcpdump capture
# the same UDP replay on lo side by side, for --jobs 1 and then 2, and the
# table gives each one's packets and CPU seconds. Under emulation only the
# ratios mean something (bench/README.md, "ARM kernel under qemu").
#
#   live_vs_tcpdump.sh [PACKETS]
set -uo pipefail
packets=${1:-20000}
filter="udp and dst port 9999"
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

printf '%-28s %10s %10s %12s %14s\n' reader packets "CPU s" "CPU vs tcpdump" "kernel drops"
for jobs in 1 2; do
  tcpdump -i lo -n -w /tmp/replay.pcap "$filter" 2>/tmp/tcpdump.err &
  td=$!
  netflower --iface lo --filter "$filter" --jobs "$jobs" --out /tmp/replay.csv 2>/tmp/live.err &
  nf=$!
  sleep 3  # both rings open
  python3 /nftests/udp_replay.py "$packets"
  sleep 2  # both readers have drained their rings
  td_cpu=$(cpu_seconds "$td") nf_cpu=$(cpu_seconds "$nf")
  kill -INT "$nf" "$td"
  wait "$nf"; nf_rc=$?
  wait "$td"
  td_packets=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' /tmp/tcpdump.err)
  td_drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' /tmp/tcpdump.err)
  nf_packets=$(awk '/packets read/ {print $3}' /tmp/live.err)
  nf_drops=$(awk '/^  kernel / {print $4}' /tmp/live.err)
  printf '%-28s %10s %10s %12s %14s\n' "tcpdump -w" "$td_packets" "$td_cpu" "1.00" "$td_drops"
  printf '%-28s %10s %10s %12s %14s\n' "netflower --jobs $jobs (exit $nf_rc)" "$nf_packets" \
    "$nf_cpu" "$(awk -v a="$nf_cpu" -v b="$td_cpu" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" \
    "$nf_drops"
done
echo "($packets datagrams sent; CPU from /proc/PID/stat, user + system, read before SIGINT)"
