#!/usr/bin/env bash
# What the ML row options cost (docs/FLOW-RULES.md §14, §15; README "Early
# packets, interim reports and export reasons"), in the same run, interleaved,
# medians: packets/s and CPU time per packet (user + system, netflower's
# process, one job) of
#   plain           --out FILE                (the baseline)
#   export-reason   --export-reason
#   interim-10      --interim 10
#   splt-32         --splt 32
#   splt-255        --splt 255
#   dpi             --dpi                     (when this build has it)
# each writing its CSV to a file on the same file system.
#   bench/row_options_bench.sh NETFLOWER_BIN CAPTURE [RUNS=5]
# Build first: bazel build -c opt //tools:netflower
# On a noisy machine (a small VM: +-10 % between runs of a second), set
# CALLGRIND=1: one run a mode under valgrind's callgrind, instructions
# executed in user space by all threads (exact, repeatable; the kernel's
# write time is not in it), with the rows and bytes written.
set -euo pipefail
nf=$1 capture=$2 runs=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
modes=(plain export-reason interim-10 splt-32 splt-255)
"$nf" --help 2>&1 | grep -q -- "--dpi" && modes+=(dpi)
args_of() {
  case $1 in
    plain) ;;
    export-reason) echo --export-reason ;;
    interim-10) echo --interim 10 ;;
    splt-32) echo --splt 32 ;;
    splt-255) echo --splt 255 ;;
    dpi) echo --dpi ;;
  esac
}
if [[ ${CALLGRIND:-0} == 1 ]]; then
  printf '%-14s %14s %9s %9s %12s\n' run instructions ratio rows bytes
  base=0
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2046  # the words of args_of are the arguments
    valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$nf" --pcap "$capture" \
      --out "$work/out.csv" --jobs 1 --quiet $(args_of "$mode") 2>"$work/cg.err"
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.err")
    ((base == 0)) && base=$ir
    awk -v m="$mode" -v i="$ir" -v b="$base" -v r="$(wc -l <"$work/out.csv")" \
      -v y="$(stat -c %s "$work/out.csv")" 'BEGIN {
      printf "%-14s %14d %8.3fx %9d %12d\n", m, i, i / b, r - 1, y }'
  done
  exit 0
fi
declare -A results
for ((r = 0; r < runs; r++)); do
  for mode in "${modes[@]}"; do
    # shellcheck disable=SC2046  # the words of args_of are the arguments
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$nf" --pcap "$capture" --out "$work/out.csv" \
      --jobs 1 $(args_of "$mode") 2>"$work/err"
    results[$mode]+="$(awk '{print $1 ":" $2 + $3}' "$work/time") "
  done
done
packets=$(sed -n 's/^  accepted *\([0-9]*\).*/\1/p' "$work/err")
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
field() { tr ' ' '\n' | grep . | cut -d: -f"$1" | median; }
base_cpu=$(echo "${results[plain]}" | field 2)
echo "$(basename "$capture"): $packets packets, $runs interleaved runs, medians, 1 job ($(nproc) CPUs)"
printf '%-14s %8s %12s %14s %9s\n' run wall "Mpackets/s" "CPU ns/packet" ratio
for mode in "${modes[@]}"; do
  wall=$(echo "${results[$mode]}" | field 1)
  cpu=$(echo "${results[$mode]}" | field 2)
  awk -v m="$mode" -v w="$wall" -v c="$cpu" -v b="$base_cpu" -v p="$packets" 'BEGIN {
    printf "%-14s %7.2fs %12.2f %14.0f %8.2fx\n", m, w, p / w / 1e6, c / p * 1e9, c / b }'
done
