#!/usr/bin/env python3
"""Writes the generated tunnel and Wi-Fi test captures (committed under
tests/testdata/tunnels/, goldens next to them; docs/DECODING.md):

  make_tunnel_captures.py OUTDIR

  tunnels.pcap   Ethernet: one TCP conversation (handshake, data both ways,
                 FIN) and one UDP exchange inside each of GENEVE (with an
                 option, Ethernet and IPv4 payloads), GRE (checksum, key and
                 sequence words), gretap, ERSPAN II, ERSPAN III (with the
                 platform subheader), IP-in-IP, 6in4, 4in6, GRE inside
                 VXLAN (nested), an inner IPv6 TCP flow in VXLAN with a VLAN
                 tag; plus what is not opened: inner ARP, inner ICMP, a
                 VXLAN packet without its I flag, GRE version 2.
  gtpu.pcap      GTP-U: G-PDUs with and without a PDU session container
                 extension header (IPv4 and IPv6 users), and echo
                 request/response (signalling: the outer UDP flow).
  wifi.pcap      radiotap + 802.11: data, QoS data, four-address data,
                 with and without FCS; a beacon, an ACK, a null frame, a
                 protected frame, a frame with a bad FCS (skip reasons).
  wifi-ppi.pcap  PPI + 802.11 data frames, FCS present.
  ieee80211.pcap 802.11 without a radio header.

Deterministic: the same bytes every run (times start at 1700000000)."""
import ipaddress
import os
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, proto, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def ip(src, dst, proto, payload):
    return (ip6 if ":" in src else ip4)(src, dst, proto, payload)


def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def eth(payload, ethertype=None, vlan=None):
    if ethertype is None:
        ethertype = 0x86DD if payload[0] >> 4 == 6 else 0x0800
    head = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan)
    return head + struct.pack("!H", ethertype) + payload


def conversation(a, b, sport, dport, size):
    """A TCP conversation a -> b: handshake, request, response, FIN both ways."""
    s, c = 1000, 5000
    return [
        ip(a, b, 6, tcp(sport, dport, s, 0, 0x02)),
        ip(b, a, 6, tcp(dport, sport, c, s + 1, 0x12)),
        ip(a, b, 6, tcp(sport, dport, s + 1, c + 1, 0x10)),
        ip(a, b, 6, tcp(sport, dport, s + 1, c + 1, 0x18, b"G" * 40)),
        ip(b, a, 6, tcp(dport, sport, c + 1, s + 41, 0x18, b"R" * size)),
        ip(a, b, 6, tcp(sport, dport, s + 41, c + 1 + size, 0x11)),
        ip(b, a, 6, tcp(dport, sport, c + 1 + size, s + 42, 0x11)),
        ip(a, b, 6, tcp(sport, dport, s + 42, c + 2 + size, 0x10)),
    ]


def udp_exchange(a, b, sport, dport):
    return [ip(a, b, 17, udp(sport, dport, b"q" * 30)), ip(b, a, 17, udp(dport, sport, b"r" * 90))]


OUTER_A, OUTER_B = "172.16.0.1", "172.16.0.2"


def vxlan(inner_eth, vni=42):
    return udp(49152, 4789, struct.pack("!BBHI", 0x08, 0, 0, vni << 8) + inner_eth)


def geneve(inner, protocol, options=b""):
    return udp(49153, 6081, struct.pack("!BBHI", len(options) // 4, 0, protocol, 0x77 << 8)
               + options + inner)


def gre(protocol, payload, checksum=False, key=None, seq=None, version=0):
    flags = (0x80 if checksum else 0) | (0x20 if key is not None else 0) | \
        (0x10 if seq is not None else 0)
    h = struct.pack("!BBH", flags, version, protocol)
    if checksum:
        h += struct.pack("!HH", 0, 0)
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    return h + payload


def erspan2(inner_eth, session=5):
    return struct.pack("!HHI", 0x1000 | 10, session, 0) + inner_eth


def erspan3(inner_eth, session=0x123):
    return struct.pack("!HHII", 0x2000 | 20, session, 0x12345678, 0x00000001) + b"\0" * 8 \
        + inner_eth


def gtpu(inner, teid, extension=False, msg=0xFF):
    flags = 0x30 | (0x04 if extension else 0)
    body = b""
    if extension:
        body += struct.pack("!HBB", 0, 0, 0x85) + bytes([1, 0x10, 0x09, 0])
    body += inner
    return struct.pack("!BBHI", flags, msg, len(body), teid) + body


def tunnels():
    frames = []
    wrap = {  # name -> function(inner IP packet) -> frame
        "geneve-eth": lambda p: eth(ip4(OUTER_A, OUTER_B, 17, geneve(eth(p), 0x6558,
                                                                       b"\x01\x02\x03\x01" * 2))),
        "geneve-ip": lambda p: eth(ip4(OUTER_A, OUTER_B, 17, geneve(p, 0x0800))),
        "gre": lambda p: eth(ip4(OUTER_A, OUTER_B, 47, gre(0x0800, p, True, 7, 1))),
        "gretap": lambda p: eth(ip4(OUTER_A, OUTER_B, 47, gre(0x6558, eth(p), key=9))),
        "erspan2": lambda p: eth(ip4(OUTER_A, OUTER_B, 47, gre(0x88BE, erspan2(eth(p)), seq=3))),
        "erspan3": lambda p: eth(ip4(OUTER_A, OUTER_B, 47, gre(0x22EB, erspan3(eth(p)), seq=4))),
        "ipip": lambda p: eth(ip4(OUTER_A, OUTER_B, 4, p)),
        "4in6": lambda p: eth(ip6("fd00::1", "fd00::2", 4, p)),
        "nested": lambda p: eth(ip4(OUTER_A, OUTER_B, 17, vxlan(eth(ip4(
            "172.17.0.1", "172.17.0.2", 47, gre(0x0800, p)))))),
    }
    for n, (name, f) in enumerate(wrap.items()):
        a, b = f"10.{n + 1}.0.1", f"10.{n + 1}.0.2"
        for p in conversation(a, b, 40000 + n, 80, 500 + 100 * n) + udp_exchange(a, b, 50000 + n, 53):
            frames.append(f(p))
    # IPv6 inside: 6in4, and VXLAN with an inner VLAN tag.
    for p in conversation("2001:db8:6::1", "2001:db8:6::2", 41000, 443, 700):
        frames.append(eth(ip4(OUTER_A, OUTER_B, 41, p)))
    for p in conversation("2001:db8:7::1", "2001:db8:7::2", 41001, 443, 800):
        frames.append(eth(ip4(OUTER_A, OUTER_B, 17, vxlan(eth(p, vlan=100)))))
    # Not opened or skipped: inner ARP, inner ICMP, VXLAN without I, GRE v2.
    arp = eth(b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\0" * 20, ethertype=0x0806)
    frames.append(eth(ip4(OUTER_A, OUTER_B, 17, vxlan(arp))))
    frames.append(eth(ip4(OUTER_A, OUTER_B, 47, gre(0x0800, ip4("10.9.0.1", "10.9.0.2", 1,
                                                                  b"\x08\0\0\0\0\0\0\0")))))
    bad = udp(49152, 4789, struct.pack("!BBHI", 0, 0, 0, 0) + eth(ip4("10.9.0.1", "10.9.0.2", 17,
                                                                      udp(1, 2, b"x"))))
    frames.append(eth(ip4(OUTER_A, OUTER_B, 17, bad)))
    frames.append(eth(ip4(OUTER_A, OUTER_B, 47, gre(0x0800, b"\0" * 40, version=2))))
    return frames


def gtpu_frames():
    frames = []
    for n, (a, b, ext) in enumerate([("10.60.0.1", "93.184.216.34", False),
                                     ("10.60.0.2", "93.184.216.34", True),
                                     ("2001:db8:60::1", "2001:db8:99::1", True)]):
        for p in conversation(a, b, 42000 + n, 443, 900) + udp_exchange(a, b, 52000 + n, 53):
            frames.append(eth(ip4("192.0.2.1", "192.0.2.2", 17,
                                  udp(2152, 2152, gtpu(p, 0x1000 + n, ext)))))
    echo = gtpu(b"", 0, msg=1)
    frames.append(eth(ip4("192.0.2.1", "192.0.2.2", 17, udp(2152, 2152, echo))))
    frames.append(eth(ip4("192.0.2.2", "192.0.2.1", 17, udp(2152, 2152, gtpu(b"", 0, msg=2)))))
    return frames


def dot11(p, fc0=0x08, fc1=0x01):
    header = bytes([fc0, fc1]) + b"\0\0" + bytes(range(1, 19)) + b"\x10\x00"
    if (fc1 & 3) == 3:
        header += bytes(range(30, 36))
    if fc0 & 0x80:
        header += b"\x00\x00"
    ethertype = 0x86DD if p and p[0] >> 4 == 6 else 0x0800
    return header + b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ethertype) + p


def radiotap(frame, fcs=True, bad=False):
    flags = (0x10 if fcs else 0) | (0x40 if bad else 0)
    h = struct.pack("<BBHI", 0, 0, 24, 0x07) + b"\x11" * 8 + bytes([flags, 0x0C]) + b"\0" * 6
    return h + frame + (b"\xde\xad\xbe\xef" if fcs else b"")


def ppi(frame):
    common = b"\0" * 8 + struct.pack("<H", 0x0001) + b"\0" * 10
    return struct.pack("<BBHI", 0, 0, 8 + 4 + 20, 105) + struct.pack("<HH", 2, 20) + common + \
        frame + b"\xde\xad\xbe\xef"


def wifi_frames():
    frames = []
    for n, (fc0, fc1, fcs) in enumerate([(0x08, 0x01, True), (0x88, 0x02, False),
                                         (0x88, 0x03, True)]):
        a, b = f"192.168.{n + 1}.10", f"192.168.{n + 1}.1"
        for p in conversation(a, b, 43000 + n, 80, 600) + udp_exchange(a, b, 53000 + n, 53):
            frames.append(radiotap(dot11(p, fc0, fc1), fcs))
    skipped = ip4("192.168.9.10", "192.168.9.1", 17, udp(1, 2, b"x"))
    frames.append(radiotap(dot11(skipped, 0x80, 0x00)))  # beacon
    frames.append(radiotap(b"\xd4\x00\x00\x00" + bytes(6)))  # ACK
    frames.append(radiotap(dot11(b"", 0x48, 0x01)[:24]))  # null function
    frames.append(radiotap(dot11(skipped, 0x08, 0x41)))  # protected
    frames.append(radiotap(dot11(skipped, 0x08, 0x01), fcs=True, bad=True))  # bad FCS
    return frames


def write(path, link_type, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link_type))
        for n, frame in enumerate(frames):
            t = 1700000000 * 1000000 + n * 10000  # 10 ms apart
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)))
            f.write(frame)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "tunnels.pcap"), 1, tunnels())
    write(os.path.join(out, "gtpu.pcap"), 1, gtpu_frames())
    write(os.path.join(out, "wifi.pcap"), 127, wifi_frames())
    ppi_frames = [ppi(dot11(p)) for p in conversation("192.168.5.10", "192.168.5.1", 44000, 80, 300)]
    write(os.path.join(out, "wifi-ppi.pcap"), 192, ppi_frames)
    plain = [dot11(p, 0x08, 0x02) for p in udp_exchange("192.168.6.10", "192.168.6.1", 45000, 53)]
    write(os.path.join(out, "ieee80211.pcap"), 105, plain)


main()
