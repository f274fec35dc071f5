#!/usr/bin/env bash
# Records tests/testdata/tunnels/vxlan-kernel.pcap: real VXLAN from the
# Linux kernel (ip link ... type vxlan) between two network namespaces made
# here and removed at the end, captured on the underlay veth: a TCP
# exchange (3 requests of 1-2 kB over one connection, closed by FIN), a
# refused TCP connection (RST), UDP datagrams both ways, and ARP and ICMP echo on the
# overlay (skipped by their reasons). Needs root, iproute2, tcpdump, python3.
# Run by hand when the capture is to be remade; the test reads the file.
#   tests/testing/record_vxlan.sh OUT.pcap
set -euo pipefail
out=$1
A=nfvxa$$ B=nfvxb$$ VA=nfvva$$ VB=nfvvb$$
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$A"
ip netns add "$B"
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
for side in "$A:$VA:1:2" "$B:$VB:2:1"; do
  IFS=: read -r ns dev me peer <<<"$side"
  ip -n "$ns" addr add "10.90.0.$me/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
  ip -n "$ns" link set lo up
  ip -n "$ns" link add name vx0 type vxlan id 42 dstport 4789 local "10.90.0.$me" \
    remote "10.90.0.$peer"
  ip -n "$ns" addr add "192.168.90.$me/24" dev vx0
  ip -n "$ns" link set vx0 up
done
ip netns exec "$A" tcpdump -q -U -i "$VA" -s 0 -w "$out" 2>/dev/null &
dump=$!
sleep 1
ip netns exec "$B" python3 - <<'PY' &
import socket
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("192.168.90.2", 8080)); srv.listen(1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("192.168.90.2", 5300))
c, _ = srv.accept()
for n in (1000, 1500, 2000):
    c.recv(64); c.sendall(b"r" * n)
c.close()
for _ in range(3):
    data, peer = udp.recvfrom(100); udp.sendto(data * 2, peer)
PY
server=$!
sleep 0.5
ip netns exec "$A" python3 - <<'PY'
import socket, time
s = socket.create_connection(("192.168.90.2", 8080))
for n in (1000, 1500, 2000):
    s.sendall(b"GET /%d" % n)
    got = 0
    while got < n:
        got += len(s.recv(4096))
s.close()
try:
    socket.create_connection(("192.168.90.2", 8081), timeout=2)
except OSError:
    pass
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("192.168.90.1", 40053))
for i in range(3):
    u.sendto(b"q" * (20 + i), ("192.168.90.2", 5300)); u.recvfrom(100)
PY
ip netns exec "$A" python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); [s.sendto(bytes([8, 0, 0xf7, 0xfe, 0, 1, 0, 1]), (\"192.168.90.2\", 0)) for _ in range(2)]"
wait "$server"
sleep 1
kill -INT "$dump"
wait "$dump" || true
echo "recorded $(tcpdump -r "$out" 2>/dev/null | wc -l) packets into $out"
