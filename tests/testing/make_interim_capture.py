#!/usr/bin/env python3
"""Writes the capture tests/interim_test.sh checks interim reports on
(FLOW-RULES §14):

  a UDP flow of 60 s, a packet every second, the directions alternating
  (61 packets: 0, 1, ..., 60 s);
  a TCP connection of 30 s: handshake, 10 bytes of data every 2 s, and the
  FIN exchange with its final ACK at 30 s (ends by fin);
  a UDP flow of 2 packets 1 s apart (never reported: too short).

  make_interim_capture.py OUT.pcap
"""
import struct
import sys

T0 = 1767225600  # 2026-01-01 00:00:00 UTC
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, l4):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, ip4(src),
                       ip4(dst)) + l4


def tcp(src, sport, dst, dport, flags, payload=b""):
    header = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    return ipv4(src, dst, 6, header + payload)


def udp(src, sport, dst, dport, payload):
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def frame(ip_packet):
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip_packet


def packets():
    out = []  # (seconds after T0, microseconds, IP packet)
    a, b = "10.1.0.1", "10.1.0.2"
    for t in range(61):
        pkt = udp(a, 5000, b, 6000, b"x" * 20) if t % 2 == 0 else udp(b, 6000, a, 5000, b"y" * 30)
        out.append((t, 0, pkt))
    c, s = "10.2.0.1", "10.2.0.2"
    out.append((0, 500000, tcp(c, 40000, s, 80, SYN)))
    out.append((0, 500100, tcp(s, 80, c, 40000, SYN | ACK)))
    out.append((0, 500200, tcp(c, 40000, s, 80, ACK)))
    for t in range(2, 30, 2):
        out.append((t, 500000, tcp(c, 40000, s, 80, PSH | ACK, b"0123456789")))
        out.append((t, 500100, tcp(s, 80, c, 40000, ACK)))
    out.append((30, 500000, tcp(c, 40000, s, 80, FIN | ACK)))
    out.append((30, 500100, tcp(s, 80, c, 40000, FIN | ACK)))
    out.append((30, 500200, tcp(c, 40000, s, 80, ACK)))
    out.append((3, 250000, udp("10.3.0.1", 53000, "10.3.0.2", 53, b"q")))
    out.append((4, 250000, udp("10.3.0.2", 53, "10.3.0.1", 53000, b"a")))
    return sorted(out, key=lambda p: (p[0], p[1]))


def main():
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, ip_packet in packets():
            data = frame(ip_packet)
            f.write(struct.pack("<IIII", T0 + sec, usec, len(data), len(data)) + data)


if __name__ == "__main__":
    main()
