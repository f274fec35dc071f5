#!/usr/bin/env bash
# netflower benchmark kit: run on the board, from the unpacked kit folder.
#
#   ./run_bench.sh [--packets N] [--jobs-max N] [--runs N] [--capture FILE]
#                  [--iface IF [--seconds S]] [--workdir DIR]
#
# 1. sizes: binary size, idle RSS, RSS per tracked flow;
# 2. file conversion of a generated capture (bin/synth_capture; or --capture
#    FILE) with 1..N jobs, next to a bare libpcap read loop over the same
#    file in the same run (bin/throughput): packets/s, ratio, CPU %, peak RSS;
# 3. with --iface (root): live capture for S seconds per job count on that
#    interface: packets, packets/s, CPU %, peak RSS, kernel drops. Send
#    traffic to the board meanwhile (bench/README.md says how).
# The kit's programs are static aarch64 binaries. RUNNER (for example
# RUNNER=qemu-aarch64-static) starts them through an emulator instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packets=2000000 runs=3 seconds=10 iface="" capture="" workdir=${TMPDIR:-/tmp}/netflower-bench
jobs_max=$(nproc)
((jobs_max > 4)) && jobs_max=4
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while (($#)); do
  case $1 in
    --packets) packets=$2; shift 2 ;;
    --jobs-max) jobs_max=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --capture) capture=$2; shift 2 ;;
    --iface) iface=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run_bench: unknown argument $1" >&2; usage ;;
  esac
done
run() { ${RUNNER:-} "$here/bin/$1" "${@:2}"; }
mkdir -p "$workdir"

echo "== machine"
model=$(tr -d '\0' 2>/dev/null </proc/device-tree/model || grep -m1 -E 'model name|Hardware' /proc/cpuinfo | cut -d: -f2- || true)
echo "board/CPU: ${model:-unknown}; $(uname -srm); $(nproc) CPUs; $(awk '/MemTotal/ {printf "%.0f MiB RAM", $2/1024}' /proc/meminfo)"
echo "kit: $(cat "$here/VERSION" 2>/dev/null || echo unknown)"
[[ -n ${RUNNER:-} ]] && echo "note: programs run under $RUNNER (emulated: speeds say nothing about a board)"

jobs_list=$(seq -s, 1 "$jobs_max")
if [[ -z $capture ]]; then
  capture=$workdir/synth.pcap
  echo
  echo "== generating $packets packets of mixed web-like traffic"
  run synth_capture "$capture" --packets "$packets"
fi

echo
echo "== sizes"
tiny=$workdir/tiny.pcap
run synth_capture "$tiny" --packets 100 2>/dev/null
many=$workdir/many-flows.pcap
flows=$((packets / 10 > 10000 ? packets / 10 : 10000))
run synth_capture "$many" --packets "$flows" --syn-only 1 2>/dev/null
idle=$(run throughput --pcap "$tiny" --runs 1 2>/dev/null | awk '/^netflower/ {print $(NF-3)}')
read -r flows_rss flows_open < <(run throughput --pcap "$many" --runs 1 2>/dev/null |
  awk '/^netflower/ {print $(NF-3), $(NF-1)}')
printf '%-34s %10s\n' "netflower binary (static)" "$(du -k "$here/bin/netflower" | cut -f1) KiB"
printf '%-34s %10s\n' "idle RSS (a 100-packet file)" "$idle MiB"
awk -v rss="$flows_rss" -v idle="$idle" -v open="$flows_open" 'BEGIN {
  printf "%-34s %10.0f bytes (%.1f MiB at %d open flows)\n", "RSS per tracked flow", (rss - idle) * 1048576 / open, rss, open }'

echo
echo "== file conversion: $(basename "$capture"), jobs 1..$jobs_max, $runs runs each"
run throughput --pcap "$capture" --runs "$runs" --jobs "$jobs_list"

if [[ -n $iface ]]; then
  echo
  echo "== live capture on $iface, $seconds s per job count"
  printf '%-6s %12s %12s %7s %12s %12s\n' jobs packets packets/s "CPU %" "peak RSS MB" "kernel drops"
  for ((j = 1; j <= jobs_max; j++)); do
    err=$workdir/live-$j.err
    start=$(date +%s.%N)
    # Started directly (not through run()) so that $! is netflower itself.
    ${RUNNER:-} "$here/bin/netflower" --iface "$iface" --jobs "$j" --duration "$seconds" \
      --out /dev/null 2>"$err" &
    pid=$!
    hwm=0
    while kill -0 "$pid" 2>/dev/null; do
      # The process itself, or the emulator running it: VmHWM is its peak RSS.
      h=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      ((h > hwm)) && hwm=$h
      cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "${cpu:-0}")
      sleep 0.2
    done
    wait "$pid" || { echo "live capture failed:"; cat "$err"; exit 1; }
    end=$(date +%s.%N)
    read -r got drops < <(awk '/packets read/ {p=$3} /kernel/ {d=$5} END {print p+0, d+0}' "$err")
    awk -v j="$j" -v p="$got" -v d="$drops" -v s="$start" -v e="$end" -v c="$cpu" \
        -v hz="$(getconf CLK_TCK)" -v h="$hwm" 'BEGIN {
      w = e - s; printf "%-6d %12d %12.0f %7.0f %12.1f %12d\n", j, p, p / w, 100 * c / hz / w, h / 1024, d }'
  done
  echo "(CPU % from /proc/PID/stat sampled every 0.2 s until exit; 100 = one core)"
fi
