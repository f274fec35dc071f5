#!/usr/bin/env python3
"""Writes the capture tests/dpi_test.sh checks application labels on
(FLOW-RULES §16), one flow each:

  a DNS query and its answer (UDP 53) for netflower.example.net;
  an HTTP/1.1 GET with Host www.example.org and its response (TCP 80, with
    the handshake and a FIN exchange);
  a TLS 1.2 ClientHello with the server name tls.example.com (and a GREASE
    cipher suite, extension and group, which JA3 leaves out) and a
    ServerHello (TCP 443);
  a DNS query whose name holds a comma, a quote, a backslash and a byte
    above 127 (what a hostile client may send), on port 53;
  a UDP flow of 30 packets nobody can name (port 40000).

  make_dpi_capture.py OUT.pcap
"""
import struct
import sys

T0 = 1767225600  # 2026-01-01 00:00:00 UTC
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
GREASE = 0x0A0A


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, l4):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, ip4(src),
                       ip4(dst)) + l4


def udp(src, sport, dst, dport, payload):
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


class Tcp:
    """A TCP connection with sequence numbers that add up (nDPI follows them)."""

    def __init__(self, client, cport, server, sport):
        self.ends = ((client, cport), (server, sport))
        self.seq = [1000, 5000]

    def packet(self, from_server, flags, payload=b""):
        (src, sp), (dst, dp) = self.ends[from_server], self.ends[1 - from_server]
        seq, ack = self.seq[from_server], self.seq[1 - from_server]
        header = struct.pack("!HHIIBBHHH", sp, dp, seq, ack if flags & ACK else 0, 5 << 4, flags,
                             65535, 0, 0)
        self.seq[from_server] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return ipv4(src, dst, 6, header + payload)

    def open(self):
        return [self.packet(0, SYN), self.packet(1, SYN | ACK), self.packet(0, ACK)]

    def close(self):
        return [self.packet(0, FIN | ACK), self.packet(1, FIN | ACK), self.packet(0, ACK)]


def dns_name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def dns_query(qid, labels):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(labels) + b"\0\x01\0\x01"


def dns_answer(qid, labels, address):
    return (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + dns_name(labels) +
            b"\0\x01\0\x01" + b"\xc0\x0c\0\x01\0\x01\0\0\x0e\x10\0\x04" + ip4(address))


def tls_record(handshake_type, body):
    handshake = bytes([handshake_type]) + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def extension(kind, data):
    return struct.pack("!HH", kind, len(data)) + data


def client_hello(server_name):
    name = server_name.encode()
    ciphers = [GREASE, 0xC02B, 0xC02F, 0xC013, 0x009C]
    extensions = (
        extension(GREASE, b"") +
        extension(0x0000, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name) +
        extension(0x000A, struct.pack("!HHHH", 6, GREASE, 0x001D, 0x0017)) +
        extension(0x000B, b"\x01\x00") +
        extension(0xFF01, b"\x00"))
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 2 * len(ciphers)) +
            b"".join(struct.pack("!H", c) for c in ciphers) + b"\x01\x00" +
            struct.pack("!H", len(extensions)) + extensions)
    return tls_record(1, body)


def server_hello():
    extensions = extension(0xFF01, b"\x00") + extension(0x000B, b"\x01\x00")
    body = (b"\x03\x03" + bytes(range(32, 64)) + b"\x00" + struct.pack("!H", 0xC02F) + b"\x00" +
            struct.pack("!H", len(extensions)) + extensions)
    return tls_record(2, body)


def frame(ip_packet):
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip_packet


def main():
    packets = []  # (seconds after T0, IP packet)
    t = 0.0

    def add(*ips):
        nonlocal t
        for ip in ips:
            packets.append((t, ip))
            t += 0.001

    name = [b"netflower", b"example", b"net"]
    add(udp("10.1.0.1", 41000, "10.1.0.53", 53, dns_query(0x1111, name)),
        udp("10.1.0.53", 53, "10.1.0.1", 41000, dns_answer(0x1111, name, "192.0.2.7")))

    http = Tcp("10.1.0.1", 41001, "10.1.0.80", 80)
    add(*http.open())
    add(http.packet(0, PSH | ACK, b"GET / HTTP/1.1\r\nHost: www.example.org\r\n"
                                  b"User-Agent: netflower-test\r\nAccept: */*\r\n\r\n"),
        http.packet(1, PSH | ACK, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                  b"Content-Length: 2\r\n\r\nok"))
    add(*http.close())

    tls = Tcp("10.1.0.1", 41002, "10.1.0.43", 443)
    add(*tls.open())
    add(tls.packet(0, PSH | ACK, client_hello("tls.example.com")),
        tls.packet(1, PSH | ACK, server_hello()))
    add(*tls.close())

    hostile = [b"a,b\"c", b"d\\e\xc3", b"example", b"com"]
    add(udp("10.1.0.2", 41003, "10.1.0.53", 53, dns_query(0x2222, hostile)))

    for i in range(30):
        add(udp("10.1.0.3", 40000, "10.1.0.4", 40000, bytes([i]) * 32))

    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for seconds, ip in packets:
            data = frame(ip)
            usec = round(seconds * 1e6)
            f.write(struct.pack("<IIII", T0 + usec // 1000000, usec % 1000000, len(data),
                                len(data)))
            f.write(data)


if __name__ == "__main__":
    main()
