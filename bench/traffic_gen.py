#!/usr/bin/env python3
"""Real TCP/UDP traffic on loopback, for recording benchmark and test captures.

Runs inside a network namespace that bench/make_capture.sh creates (never on
a host's real interfaces). Servers and clients talk over 127.0.0.0/8:

  * short HTTP/1.1 connections (one request, Connection: close, FIN teardown)
  * keep-alive sessions (several requests on one connection)
  * large downloads (hundreds of KiB to MiB)
  * DNS-like UDP query/response pairs from many source ports
  * RST teardowns (SO_LINGER 0 on close)
  * optionally, a flood of distinct UDP flows (one datagram each from many
    source addresses and ports), for memory measurements

All sizes come from a seeded RNG, so the same --seed and scale give the same
mix of sessions (not the same bytes on the wire: timing is real).
"""
import argparse
import random
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTTP_PORT = 8080
DNS_PORT = 5353


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        try:
            size = int(self.path.strip("/") or "0")
        except ValueError:
            size = 0
        body = b"x" * size
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that reset their connection on purpose


def http_server(host):
    server = QuietServer((host, HTTP_PORT), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def dns_server(host, stop):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, DNS_PORT))
    sock.settimeout(0.2)
    rng = random.Random(1)
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(2048)
        except socket.timeout:
            continue
        sock.sendto(data + b"\0" * rng.randint(16, 400), peer)


SIZE_FACTOR = 1.0


def request(sock, size, keep_alive):
    size = max(1, int(size * SIZE_FACTOR))
    conn = "keep-alive" if keep_alive else "close"
    sock.sendall(f"GET /{size} HTTP/1.1\r\nHost: bench\r\nConnection: {conn}\r\n\r\n".encode())
    header = b""
    while b"\r\n\r\n" not in header:
        chunk = sock.recv(65536)
        if not chunk:
            return
        header += chunk
    head, _, rest = header.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    got = len(rest)
    while got < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        got += len(chunk)


def connect(server, client_ip):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((client_ip, 0))
    sock.connect((server, HTTP_PORT))
    return sock


def short_http(server, client_ip, rng):
    with connect(server, client_ip) as s:
        request(s, rng.randint(100, 20000), False)


def keep_alive(server, client_ip, rng):
    with connect(server, client_ip) as s:
        for _ in range(rng.randint(3, 12)):
            request(s, rng.randint(200, 50000), True)


def download(server, client_ip, rng):
    with connect(server, client_ip) as s:
        request(s, rng.randint(300_000, 3_000_000), False)


def rst_teardown(server, client_ip, rng):
    s = connect(server, client_ip)
    request(s, rng.randint(100, 5000), True)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def dns_queries(server, client_ip, rng, count):
    for _ in range(count):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((client_ip, 0))
            s.settimeout(1.0)
            s.sendto(b"q" * rng.randint(20, 60), (server, DNS_PORT))
            try:
                s.recvfrom(2048)
            except socket.timeout:
                pass


def udp_flood(server, flows, rng):
    """One datagram from each of `flows` distinct (address, port) sources."""
    per_address = 50000
    sent = 0
    addr_index = 0
    while sent < flows:
        addr_index += 1
        src = f"127.{100 + addr_index // 65536 % 100}.{addr_index // 256 % 256}.{addr_index % 256 or 1}"
        for port in range(10000, 10000 + per_address):
            if sent >= flows:
                break
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((src, port))
                except OSError:
                    continue
                s.sendto(b"f" * 32, (server, 9))
            sent += 1


def main():
    global SIZE_FACTOR
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="1.0 = about 120k packets of mixed web traffic")
    ap.add_argument("--udp-flows", type=int, default=0,
                    help="also send one datagram from this many distinct sources")
    ap.add_argument("--size-factor", type=float, default=1.0,
                    help="scale every HTTP response size (default 1.0)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=16)
    args = ap.parse_args()
    SIZE_FACTOR = args.size_factor

    server = "127.0.0.1"
    http_server(server)
    stop = threading.Event()
    threading.Thread(target=dns_server, args=(server, stop), daemon=True).start()
    time.sleep(0.2)

    rng = random.Random(args.seed)
    jobs = []
    n = max(1, int(args.scale * 100))
    for i in range(n):
        client = f"127.0.{1 + i % 200}.{1 + (i // 200) % 250}"
        for _ in range(20):
            jobs.append((short_http, client))
        for _ in range(5):
            jobs.append((keep_alive, client))
        jobs.append((download, client))
        for _ in range(3):
            jobs.append((rst_teardown, client))
        jobs.append((lambda srv, c, r: dns_queries(srv, c, r, 10), client))
    rng.shuffle(jobs)
    seeds = [rng.randrange(1 << 30) for _ in jobs]

    def run(job_seed):
        (fn, client), seed = job_seed
        try:
            fn(server, client, random.Random(seed))
        except OSError:
            pass

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(run, zip(jobs, seeds)))
    if args.udp_flows:
        udp_flood(server, args.udp_flows, rng)
    stop.set()
    time.sleep(0.3)


if __name__ == "__main__":
    main()
