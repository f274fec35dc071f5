#!/usr/bin/env python3
"""dpi_check.py CAPTURE FLOWS.csv: the application labels of FLOWS.csv (a
default-profile run of CAPTURE with --dpi) against two independent readers.

1. ndpiReader (nDPI's own reader, libndpi-bin) on the same capture: for
   every bidirectional 5-tuple that both outputs hold exactly once (a 5-tuple
   split into several flows by different timeouts is not comparable), the
   application name (ndpiReader's ndpi_proto). Prints "ndpi: compared N,
   equal E" and every difference.
2. tshark: for every flow whose 5-tuple appears once in FLOWS.csv, the
   requested_server_name against the flow's first TLS/DTLS server name (SNI)
   when nDPI named the flow TLS, QUIC or DTLS (as master or application),
   its HTTP Host (port dropped) when HTTP, its DNS query name when DNS; and
   ja3_client / ja3_server against tls.handshake.ja3 / ja3s when TLS or
   QUIC (both leave GREASE values out, as the JA3 definition says). Names
   compare case-insensitively (nDPI lower-cases them); nDPI keeps at most
   79 bytes of a name (its buffer): the first 79 of a longer TLS or HTTP
   name, the last 79 of a longer DNS name.
   Not compared, counted: a flow nDPI named as another protocol (SSDP's
   HTTP-like Host, mDNS, TLS inside a P2P protocol nDPI named); a QUIC
   server's JA3S (nDPI 4.2 reads the client's Initial packets only).
   Counted and listed, not failures: a value nDPI left empty (a QUIC hello
   spread over several Initial packets, which nDPI 4.2 does not reassemble;
   a DNS TKEY query). Not compared, counted: a name with characters a host
   name does not hold (nDPI replaces them). A different non-empty value
   fails.

Exit status 0 when no tshark comparison differs and at least --min-ndpi
(default 0.99) of the ndpiReader comparisons are equal; the last line
"totals: ..." sums every count for the caller.

--no-ndpi leaves out the ndpiReader comparison (a tunnelled capture:
ndpiReader reads the outer packet of GRE, VXLAN, GENEVE and ERSPAN, netflower
the inner one).
"""
import argparse
import collections
import csv
import os
import re
import subprocess
import sys
import tempfile

NDPI_NAME_BYTES = 79
# What a host name holds (RFC 952/1123, with the underscores of service
# names); nDPI replaces other characters in the names it keeps.
HOSTNAME = re.compile(r"[A-Za-z0-9._*-]+")


def key_of(proto, a_ip, a_port, b_ip, b_port):
    a, b = (a_ip, int(a_port)), (b_ip, int(b_port))
    return (int(proto),) + (a + b if a <= b else b + a)


def unique(pairs):
    """[(key, value)] -> {key: value} for keys seen once."""
    count = collections.Counter(k for k, _ in pairs)
    return {k: v for k, v in pairs if count[k] == 1}


def ours(path):
    pairs = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            k = key_of(r["protocol"], r["src_ip"], r["src_port"], r["dst_ip"], r["dst_port"])
            pairs.append((k, r))
    return unique(pairs)


def ndpi_reader(capture):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ndpi.csv")
        subprocess.run(["ndpiReader", "-q", "-i", capture, "-C", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(out):
            return {}
        with open(out, newline="") as f:
            rows = list(csv.reader(f))
    if not rows:
        return {}
    header = [h.lstrip("#") for h in rows[0]]
    pairs = []
    for row in rows[1:]:
        r = dict(zip(header, row))
        if r.get("protocol") not in ("6", "17"):
            continue
        pairs.append((key_of(r["protocol"], r["src_ip"], r["src_port"], r["dst_ip"],
                             r["dst_port"]), r))
    return unique(pairs)


TSHARK_FIELDS = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                 "udp.srcport", "udp.dstport", "tls.handshake.extensions_server_name",
                 "dtls.handshake.extensions_server_name", "http.host", "dns.qry.name",
                 "tls.handshake.ja3", "tls.handshake.ja3s"]


# Between a field's occurrences (a tunnel's outer and inner addresses): a
# byte no name holds, as names may hold commas.
AGG = "\x1f"


def last(v):
    return v.split(AGG)[-1] if v else v


def first(v):
    return v.split(AGG)[0] if v else v


def tshark(capture):
    """5-tuple -> {"sni", "host", "dns", "ja3", "ja3s"}: each the first seen."""
    cmd = ["tshark", "-r", capture, "-n", "-Y",
           "tls.handshake.extensions_server_name or dtls.handshake.extensions_server_name or "
           "http.host or dns.qry.name or tls.handshake.ja3 or tls.handshake.ja3s",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", f"aggregator={AGG}"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    seen = collections.defaultdict(dict)
    for line in out.splitlines():
        v = dict(zip(TSHARK_FIELDS, line.split("\t")))
        src, dst = last(v["ipv6.src"]) or last(v["ip.src"]), last(v["ipv6.dst"]) or last(v["ip.dst"])
        if v["tcp.srcport"]:
            k = key_of(6, src, last(v["tcp.srcport"]), dst, last(v["tcp.dstport"]))
        elif v["udp.srcport"]:
            k = key_of(17, src, last(v["udp.srcport"]), dst, last(v["udp.dstport"]))
        else:
            continue
        got = seen[k]
        for name, field in (("sni", "tls.handshake.extensions_server_name"),
                            ("sni", "dtls.handshake.extensions_server_name"),
                            ("host", "http.host"), ("dns", "dns.qry.name"),
                            ("ja3", "tls.handshake.ja3"), ("ja3s", "tls.handshake.ja3s")):
            if v[field] and name not in got:
                got[name] = first(v[field])
    return seen


def name_equal(ours_name, theirs, dns):
    a, b = ours_name.lower(), theirs.lower()
    if len(b) > NDPI_NAME_BYTES:
        b = b[-NDPI_NAME_BYTES:] if dns else b[:NDPI_NAME_BYTES]
    return a == b


def named(app, *protocols):
    """Whether nDPI's name (MASTER.APP or APP) names one of `protocols`."""
    return any(part in protocols for part in app.split("."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("flows")
    ap.add_argument("--min-ndpi", type=float, default=0.99)
    ap.add_argument("--no-ndpi", action="store_true")
    args = ap.parse_args()
    mine = ours(args.flows)
    ok = True

    compared = equal = 0
    theirs = {} if args.no_ndpi else ndpi_reader(args.capture)
    for k, r in sorted(mine.items()):
        t = theirs.get(k)
        if t is None:
            continue
        compared += 1
        if r["application_name"] == t["ndpi_proto"]:
            equal += 1
        else:
            print(f"ndpi differs: {k}: ours {r['application_name']} ndpiReader "
                  f"{t['ndpi_proto']} (packets {int(r['tot_fwd_pkts']) + int(r['tot_bwd_pkts'])}, "
                  f"ndpiReader's {int(t['c_to_s_pkts']) + int(t['s_to_c_pkts'])})")
    print(f"ndpi: compared {compared}, equal {equal}")
    if compared and equal < args.min_ndpi * compared:
        ok = False

    n = collections.Counter()
    for k, got in sorted(tshark(args.capture).items()):
        r = mine.get(k)
        if r is None:
            continue
        app = r["application_name"]
        tls = named(app, "TLS", "QUIC", "DTLS")
        checks = []
        if "sni" in got and tls:
            checks.append(("requested_server_name", got["sni"], "name"))
        elif "host" in got and "sni" not in got and named(app, "HTTP"):
            host = got["host"]
            if host.rsplit(":", 1)[-1].isdigit() and not host.endswith("]"):
                host = host.rsplit(":", 1)[0]
            checks.append(("requested_server_name", host, "name"))
        elif "dns" in got and named(app, "DNS"):
            checks.append(("requested_server_name", got["dns"], "dns name"))
        elif got.keys() & {"sni", "host", "dns"}:
            n["name: nDPI named another protocol"] += 1
        for col, key in (("ja3_client", "ja3"), ("ja3_server", "ja3s")):
            if key not in got:
                continue
            if not tls:
                n["ja3: nDPI named another protocol"] += 1
            elif key == "ja3s" and k[0] == 17:
                n["ja3s: QUIC server (nDPI 4.2 reads the client's Initial only)"] += 1
            else:
                checks.append((col, got[key], "ja3"))
        for col, want, kind in checks:
            value = r[col]
            if kind != "ja3" and not HOSTNAME.fullmatch(want):
                n[f"{kind}: not a host name (nDPI replaces its characters)"] += 1
                continue
            if (name_equal(value, want, kind == "dns name") if kind != "ja3" else value == want):
                n[f"{kind}: equal"] += 1
            elif value == "":
                n[f"{kind}: left empty by nDPI"] += 1
                print(f"{col} left empty by nDPI: {k} {app}: tshark {want!r}")
            else:
                n[f"{kind}: DIFFERENT"] += 1
                print(f"{col} differs: {k} {app}: ours {value!r} tshark {want!r}")
                ok = False
    print("tshark: " + (", ".join(f"{c} {v}" for c, v in sorted(n.items())) or "nothing to compare"))
    print(f"totals: ndpi_compared={compared} ndpi_equal={equal} " +
          " ".join(f"{c.split(':')[0].replace(' ', '_')}_{c.split(': ')[1].split(' ')[0]}={v}"
                   for c, v in sorted(n.items())))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
