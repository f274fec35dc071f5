#!/usr/bin/env bash
# A differential check of the CIC layouts against CICFlowMeter's own Java flow
# classes (BasicFlow, BasicPacketInfo, FlowGenerator, DateFormatter,
# IdGenerator), taken from a CICFlowMeter git checkout at the commit each
# layout was made with; nothing of CICFlowMeter is stored in this repository.
# Needs openjdk-17-jdk-headless, libcommons-math3-java, libslf4j-java (Debian).
#
#   tools/cic_oracle/run.sh CICFLOWMETER_GIT_DIR NETFLOWER_BIN CAPTURE...
#
# For each capture and each of cic-ids2017 (commit eaa853dd) and
# cicflowmeter (master, 98a5ebad) it prints how many rows and fields agree,
# comparing the rows as sets (the Java HashMap order of the flows still open
# at the end is reproduced too, and counted: "same order").
set -euo pipefail
git_dir=$1 nf=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp=/usr/share/java/commons-math3.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar
[[ -f /usr/share/java/slf4j-nop.jar ]] || cp=/usr/share/java/commons-math3.jar:/usr/share/java/slf4j-api.jar

build() {  # build NAME COMMIT
  local dir=$work/$1 pkg=src/main/java/cic/cs/unb/ca/jnetpcap
  mkdir -p "$dir/src/cic/cs/unb/ca/jnetpcap" "$dir/classes"
  for c in BasicFlow BasicPacketInfo FlowGenerator DateFormatter IdGenerator; do
    git --git-dir="$git_dir" show "$2:$pkg/$c.java" >"$dir/src/cic/cs/unb/ca/jnetpcap/$c.java"
  done
  javac -nowarn -encoding UTF-8 -cp "$cp" -d "$dir/classes" \
    $(find "$dir/src" "$here/stubs" -name '*.java') "$here/CicOracle.java" 2>"$dir/javac.log" ||
    { cat "$dir/javac.log" >&2; exit 1; }
}
build dataset eaa853dd82f08ba5288bb7f295b471de7313f883
build master 98a5ebad0df579cc8b43eedd3421b3ae87699901

for capture in "$@"; do
  # Both sides read the same little-endian microsecond pcap (tcpdump
  # rewrites pcapng, big-endian and nanosecond files; a damaged file is cut
  # where libpcap stops).
  if ! tcpdump -r "$capture" -w "$work/in.pcap" 2>/dev/null; then
    [[ -s $work/in.pcap ]] || { echo "$(basename "$capture"): tcpdump cannot read it"; continue; }
  fi
  for pair in "dataset cicflowmeter-v4" "master cicflowmeter"; do
    set -- $pair
    if ! java -cp "$work/$1/classes:$cp" CicOracle "$1" "$work/in.pcap" "$work/java.csv" 2>"$work/java.err"; then
      echo "$(basename "$capture") $2: java failed: $(head -1 "$work/java.err")"
      continue
    fi
    "$nf" --pcap "$work/in.pcap" --columns "$2" --quiet >"$work/nf.csv" 2>/dev/null || true
    python3 - "$work/java.csv" "$work/nf.csv" "$(basename "$capture")" "$2" <<'PY'
import sys
java = open(sys.argv[1]).read().splitlines()[1:]
ours = open(sys.argv[2]).read().splitlines()[1:]
same_order = java == ours
js, os_ = sorted(java), sorted(ours)
fields = equal = 0
for a, b in zip(js, os_):
    for x, y in zip(a.split(","), b.split(",")):
        fields += 1
        equal += x == y
exact = sum(1 for r in set(java) & set(ours))
print(f"{sys.argv[3]:40s} {sys.argv[4]:16s} rows java {len(java):6d} ours {len(ours):6d}  "
      f"identical rows {exact:6d}  fields {equal}/{fields}  same order {same_order}")
PY
  done
done
