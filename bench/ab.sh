#!/usr/bin/env bash
# Interleaved A/B of netflower binaries (or options) on one capture.
#
#   bench/ab.sh CAPTURE ROUNDS "LABEL:BINARY [OPTIONS...]" ...
#
# Runs every variant once per round, rounds interleaved (so that the
# machine's minute-to-minute drift hits all alike), writing to a scratch
# file; prints per variant the median and minimum wall time, peak RSS and
# median CPU % (/usr/bin/time). Example:
#   bench/ab.sh many-flows.pcap 5 "before:/tmp/nf_old --jobs 1" "after:/tmp/nf_new --jobs 1"
set -euo pipefail
cap=$1 rounds=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < rounds; r++)); do
  for spec in "$@"; do
    label=${spec%%:*}
    read -r -a cmd <<<"${spec#*:}"
    /usr/bin/time -f "$label %e %M %P" -a -o "$tmp/times" \
      "${cmd[@]}" --pcap "$cap" --out "$tmp/out.csv" --quiet
  done
done
python3 - "$tmp/times" <<'PY'
import collections, statistics, sys
wall, cpu, rss = collections.defaultdict(list), collections.defaultdict(list), {}
for line in open(sys.argv[1]):
    label, e, m, p = line.split()
    wall[label].append(float(e))
    cpu[label].append(int(p.rstrip("%")))
    rss[label] = max(rss.get(label, 0), int(m))
for label in wall:
    print(f"{label:12} median {statistics.median(wall[label]):.3f} s  min {min(wall[label]):.3f} s  "
          f"peak RSS {rss[label] / 1024:.0f} MB  CPU {statistics.median(cpu[label]):.0f} %  "
          f"runs {len(wall[label])}")
PY
