#!/usr/bin/env bash
# Flows through Kafka vs to CSV, in the same run, interleaved, medians:
# flows/s and CPU time per flow (user + system, netflower's process) of
#   csv     --out FILE                     (the baseline)
#   kafka   --kafka BROKERS --topic T      (Kafka only)
#   both    --out FILE --kafka ...
# against librdkafka's mock cluster on loopback (tests/testing/kafka_mock, 3
# brokers, in its own process: its CPU is not counted). The capture is made
# here by bench/synth_capture (PACKETS packets of mixed web-like traffic).
#   bench/kafka_bench.sh NETFLOWER_BIN KAFKA_MOCK_BIN SYNTH_CAPTURE_BIN [PACKETS=2000000] [RUNS=5]
# Build them first: bazel build -c opt //tools:netflower //tests/testing:kafka_mock //bench:synth_capture
set -euo pipefail
nf=$1 mock=$2 synth=$3 packets=${4:-2000000} runs=${5:-5}
work=$(mktemp -d)
cleanup() {
  [[ -n ${MOCK_PID:-} ]] && kill "$MOCK_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
"$synth" "$work/in.pcap" --packets "$packets" >/dev/null
coproc MOCKP { "$mock" --ready "$work/brokers" --partitions 8 --lifetime 1800; }
MOCK_PID=$MOCKP_PID
for _ in $(seq 100); do [[ -s $work/brokers ]] && break; sleep 0.05; done
brokers=$(cat "$work/brokers")

# run NAME ARGS...: one timed run; appends "wall cpu" to results[NAME].
declare -A results
run() {
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$nf" --pcap "$work/in.pcap" "$@" 2>"$work/err"
  t1=$(date +%s%N)
  local cpu
  cpu=$(awk '{print $1 + $2}' "$work/time")
  results[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'):$cpu "
  flows=$(sed -n 's/^  flows written *\([0-9]*\).*/\1/p' "$work/err")
}
for ((r = 0; r < runs; r++)); do
  run csv --out "$work/out.csv"
  run kafka --kafka "$brokers" --topic flows
  grep -q "failed 0, not delivered 0" "$work/err" || { cat "$work/err"; exit 1; }
  run both --out "$work/out.csv" --kafka "$brokers" --topic flows
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
field() { tr ' ' '\n' | grep . | cut -d: -f"$1" | median; }
base_wall=$(echo "${results[csv]}" | field 1)
base_cpu=$(echo "${results[csv]}" | field 2)
echo "$packets packets, $flows flows, $runs interleaved runs, medians ($(nproc) CPUs)"
printf '%-6s %9s %12s %9s %14s %9s\n' run wall flows/s ratio "CPU us/flow" ratio
for name in csv kafka both; do
  wall=$(echo "${results[$name]}" | field 1)
  cpu=$(echo "${results[$name]}" | field 2)
  awk -v n="$name" -v w="$wall" -v c="$cpu" -v f="$flows" -v bw="$base_wall" -v bc="$base_cpu" \
    'BEGIN {printf "%-6s %8.3fs %12.0f %9.2f %14.3f %9.2f\n", n, w, f / w, bw / w, c / f * 1e6, c / bc}'
done
