#!/usr/bin/env python3
"""Writes the small capture tests/cic_test.sh checks against the rows derived
by hand in tests/testdata/cic/handmade.md:

  a TCP handshake (the SYN-ACK's frame padded to 60 bytes), 10 data bytes
  and a FIN from the server (ends the flow);
  a UDP query and answer (open at the end); a lone UDP packet (one packet:
  never written).

  make_cic_capture.py OUT.pcap
"""
import struct
import sys

T0 = 1427801542  # 2015-03-31 11:32:22 UTC
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, l4):
    total = 20 + len(l4)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, proto, 0, ip4(src),
                       ip4(dst)) + l4


def tcp(src, sport, dst, dport, flags, window, payload=b""):
    header = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, window, 0, 0)
    return ipv4(src, dst, 6, header + payload)


def udp(src, sport, dst, dport, payload):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return ipv4(src, dst, 17, header + payload)


def frame(ip_packet, padding=0):
    """An Ethernet frame; `padding` zero bytes after the IP packet, as a NIC
    pads a short frame to 60 bytes."""
    return (b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" +
            ip_packet + b"\x00" * padding)


PACKETS = [
    (T0, 0, tcp("10.0.0.1", 40000, "10.0.0.2", 80, SYN, 8192)),
    (T0, 100, tcp("10.0.0.2", 80, "10.0.0.1", 40000, SYN | ACK, 29200), 6),
    (T0, 300, tcp("10.0.0.1", 40000, "10.0.0.2", 80, PSH | ACK, 8192, b"0123456789")),
    (T0, 600, tcp("10.0.0.2", 80, "10.0.0.1", 40000, FIN | ACK, 29201)),
    (T0 + 1, 0, udp("10.0.0.3", 5000, "10.0.0.4", 53, b"q" * 12)),
    (T0 + 1, 500000, udp("10.0.0.4", 53, "10.0.0.3", 5000, b"r" * 20)),
    (T0 + 2, 0, udp("10.0.0.5", 123, "10.0.0.6", 123, b"n" * 48)),
]


def main():
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, ip_packet, *padding in PACKETS:
            data = frame(ip_packet, *padding)
            out.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            out.write(data)


if __name__ == "__main__":
    main()
