#!/usr/bin/env python3
"""A minimal IPFIX collector for the tests: listens on 127.0.0.1 (UDP or
TCP) and appends every message it receives, unchanged, to a file per
transport session (UDP: per exporter address and port; TCP: per
connection): OUT.1, OUT.2, ... in order of arrival. A file of IPFIX messages
laid end to end is what libfixbuf's ipfixDump reads (RFC 5655), so the
stream is decoded by an independent tool, not by this script.

  ipfix_collector.py --transport udp|tcp --port-file F --out OUT [--seconds S]

Writes the port it bound (0 asks the kernel for a free one; --port picks
one) to --port-file once it listens, and stops after --seconds (default
120) or on SIGTERM. TCP: one connection after another (a reconnecting
exporter); a message cut short by a dropped connection is not written.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=120.0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deadline = time.monotonic() + a.seconds
    kind = socket.SOCK_DGRAM if a.transport == "udp" else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.transport == "udp":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", a.port))
    if a.transport == "tcp":
        s.listen(4)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    sessions = {}

    def session_file(key):
        if key not in sessions:
            sessions[key] = open(f"{a.out}.{len(sessions) + 1}", "ab", buffering=0)
        return sessions[key]

    while time.monotonic() < deadline:
        s.settimeout(max(0.01, min(0.2, deadline - time.monotonic())))
        try:
            if a.transport == "udp":
                data, source = s.recvfrom(70000)
                session_file(source).write(data)
            else:
                conn, source = s.accept()
                read_stream(conn, session_file((source, time.monotonic())), deadline)
        except socket.timeout:
            continue


def read_stream(conn, out, deadline):
    buf = b""
    conn.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 4:
            length = struct.unpack("!H", buf[2:4])[0]
            if length < 16 or len(buf) < length:
                break
            out.write(buf[:length])
            buf = buf[length:]
    conn.close()


if __name__ == "__main__":
    main()
