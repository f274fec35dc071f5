#!/usr/bin/env bash
# Records real loopback traffic (bench/traffic_gen.py) into a pcap file.
#
#   bench/make_capture.sh OUT.pcap [traffic_gen.py options...]
#   bench/make_capture.sh /tmp/web.pcap --scale 20          # ~2.5M packets
#   bench/make_capture.sh /tmp/flows.pcap --scale 0.1 --udp-flows 1000000
#
# Everything runs in a network namespace created here and deleted on exit
# (also on failure); its loopback gets MTU 1500 so that downloads look like
# Ethernet-sized segments. Needs root, iproute2, tcpdump and python3.
set -euo pipefail
out=${1:?usage: make_capture.sh OUT.pcap [traffic_gen.py options]}
shift
here=$(cd "$(dirname "$0")" && pwd)
ns=nfgen$$
cleanup() {
  [[ -n ${dump_pid:-} ]] && kill "$dump_pid" 2>/dev/null && wait "$dump_pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo mtu 1500 up
# Loopback segments with GSO; cap it so TCP segments are Ethernet-sized.
ip netns exec "$ns" ip link set lo gso_max_size 1500 2>/dev/null || true
ip netns exec "$ns" tcpdump -i lo -B 262144 -s 262144 -w "$out" -U 2>"$out.tcpdump.log" &
dump_pid=$!
sleep 1
ip netns exec "$ns" python3 "$here/traffic_gen.py" "$@"
sleep 1
kill -INT "$dump_pid"
wait "$dump_pid" || true
dump_pid=
cat "$out.tcpdump.log" >&2
rm -f "$out.tcpdump.log"
