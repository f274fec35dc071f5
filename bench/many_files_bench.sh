#!/usr/bin/env bash
# Wall time of converting N capture files one after another vs several at
# once (--parallel-files), in the same run, interleaved, medians.
#   bench/many_files_bench.sh NETFLOWER_BIN [FILES=8] [REPEAT=100] [RUNS=5]
# The files are made here: the committed loopback capture repeated REPEAT
# times (tests/testing/pcap_feeder.py), FILES copies.
set -euo pipefail
nf=$1 files=${2:-8} repeat=${3:-100} runs=${4:-5}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tests/testing/pcap_feeder.py repeat tests/testdata/loopback-web.pcap "$work/0.pcap" "$repeat"
for ((i = 1; i < files; i++)); do cp "$work/0.pcap" "$work/$i.pcap"; done
mkdir "$work/out"
cpus=$(nproc)
declare -A times
for ((r = 0; r < runs; r++)); do
  for p in 1 "$cpus"; do
    start=$(date +%s%N)
    "$nf" --pcap "$work"/*.pcap --out-dir "$work/out" --parallel-files "$p" --quiet
    end=$(date +%s%N)
    times[$p]+="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", (b - a) / 1e9}') "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
one=$(echo "${times[1]}" | median)
par=$(echo "${times[$cpus]}" | median)
size=$(du -m "$work/0.pcap" | cut -f1)
echo "$files files of ${size} MB, $runs interleaved runs, medians"
echo "--parallel-files 1       ${one} s"
echo "--parallel-files $cpus       ${par} s   (ratio $(awk -v a="$par" -v b="$one" 'BEGIN {printf "%.2f", a / b}'))"
