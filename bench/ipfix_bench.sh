#!/usr/bin/env bash
# Flows over IPFIX vs to CSV, in the same run, interleaved, medians:
# flows/s and CPU time per flow (user + system, netflower's process) of
#   csv        --out FILE                              (the baseline)
#   ipfix      --ipfix 127.0.0.1:PORT                  (IPFIX only, biflow, standard elements)
#   both       --out FILE --ipfix ...
#   both+pen   --out FILE --ipfix ... --ipfix-pen 32473 (the 72 statistics too)
# to a UDP sink on loopback that reads and discards (its own process: its
# CPU is not counted). The capture is made here by bench/synth_capture.
#   bench/ipfix_bench.sh NETFLOWER_BIN SYNTH_CAPTURE_BIN [PACKETS=2000000] [RUNS=5]
# Build them first: bazel build -c opt //tools:netflower //bench:synth_capture
set -euo pipefail
nf=$1 synth=$2 packets=${3:-2000000} runs=${4:-5}
work=$(mktemp -d)
cleanup() {
  [[ -n ${SINK_PID:-} ]] && kill "$SINK_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$synth" "$work/in.pcap" --packets "$packets" >/dev/null
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    s.recv(65536)
' "$work/port" &
SINK_PID=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
collector=127.0.0.1:$(cat "$work/port")

declare -A results
run() {  # run NAME ARGS...: one timed run; appends "wall:cpu" to results[NAME]
  local name=$1
  shift
  local t0 t1 cpu
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$nf" --pcap "$work/in.pcap" "$@" 2>"$work/err"
  t1=$(date +%s%N)
  cpu=$(awk '{print $1 + $2}' "$work/time")
  results[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'):$cpu "
  flows=$(sed -n 's/^  flows completed by *fin \([0-9]*\), rst \([0-9]*\), idle \([0-9]*\), duration cap \([0-9]*\), open at end \([0-9]*\).*/\1 \2 \3 \4 \5/p' "$work/err" |
    awk '{print $1+$2+$3+$4+$5}')
}
for ((r = 0; r < runs; r++)); do
  run csv --out "$work/out.csv"
  run ipfix --ipfix "$collector"
  run both --out "$work/out.csv" --ipfix "$collector"
  run both+pen --out "$work/out.csv" --ipfix "$collector" --ipfix-pen 32473
  grep -q 'dropped 0 records' "$work/err" || { cat "$work/err"; exit 1; }
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
field() { tr ' ' '\n' | grep . | cut -d: -f"$1" | median; }
base_wall=$(echo "${results[csv]}" | field 1)
base_cpu=$(echo "${results[csv]}" | field 2)
echo "$packets packets, $flows flows, $runs interleaved runs, medians ($(nproc) CPUs)"
printf '%-9s %9s %12s %9s %14s %9s\n' run wall flows/s ratio "CPU us/flow" ratio
for name in csv ipfix both both+pen; do
  wall=$(echo "${results[$name]}" | field 1)
  cpu=$(echo "${results[$name]}" | field 2)
  awk -v n="$name" -v w="$wall" -v c="$cpu" -v f="$flows" -v bw="$base_wall" -v bc="$base_cpu" \
    'BEGIN {printf "%-9s %8.3fs %12.0f %9.2f %14.3f %9.2f\n", n, w, f / w, bw / w, c / f * 1e6, c / bc}'
done
