#!/usr/bin/env python3
"""splt_check.py CAPTURE FLOWS.csv: exit 0 when the SPLT columns of FLOWS.csv
(a default-profile run of CAPTURE with --splt N) hold, for every flow, what
tshark (an independent decoder) shows for the flow's first packets: the
innermost IP length (ip.len, or ipv6.plen + 40; the bytes present where
tshark notes an IPv4 length beyond them), negative when the packet
goes from the flow's destination to its source; the time since the flow's
previous packet from frame.time_epoch, in microseconds truncated toward
zero (0 for the first); tcp.flags' 9 bits (0 for UDP).

A flow's packets are those of its bidirectional 5-tuple from its first
packet's time (the timestamp column, 1 µs for the double's rounding) on, in
capture order, after the packets the same 5-tuple's earlier rows took.
Packets whose innermost transport is not TCP or UDP, IP fragments after the
first, packets quoted in ICMP errors, packets without a time and TCP headers
under 20 bytes are left out, as the engine leaves them out; tshark does not
reassemble IP or open Teredo and L2TP, which the engine does not open.
Not compared (counted and printed): flows with a packet cut by the snap
length among those (the length column counts what was captured), and
flows whose packets tshark does not find where they should be (a decoder
difference, listed). Prints "flows compared: N, not comparable: M"."""
import collections
import csv
import decimal
import json
import re
import subprocess
import sys

FIELDS = ["frame.protocols", "frame.time_epoch", "frame.len", "frame.cap_len", "ip.src",
          "ip.dst", "ip.len", "ipv6.src", "ipv6.dst", "ipv6.plen", "tcp.srcport", "tcp.dstport",
          "tcp.flags", "udp.srcport", "udp.dstport", "_ws.expert.message"]
# tshark's note on an IPv4 packet whose header claims more bytes than there
# are (a bogus length, or an inner packet cut by an outer fragment): the
# engine counts the bytes present (FLOW-RULES §4.8), tshark says how many.
IPV4_CUT = re.compile(r"IPv4 total length exceeds packet length \((\d+) bytes\)")
SLACK = decimal.Decimal("0.000001")


def last(v):
    return v.split(",")[-1] if v else v


def packets_of(capture):
    """5-tuple key -> [(time, src, sport, length, flags, cut)] in capture order."""
    # No IP reassembly (the engine takes a first fragment as it is), and not
    # the tunnels the engine does not open (docs/DECODING.md): Teredo, L2TP.
    cmd = ["tshark", "-r", capture, "-n", "-o", "ip.defragment:FALSE", "-o",
           "ipv6.defragment:FALSE", "--disable-protocol", "teredo", "--disable-protocol", "l2tp",
           "-Y", "(tcp or udp) and not icmp and not icmpv6 and not ip.frag_offset > 0 and "
           "not ipv6.fraghdr.offset > 0", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    flows = collections.defaultdict(list)
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        if not v["frame.time_epoch"]:
            continue  # a pcapng simple packet block: no time, which the engine skips
        layers = v["frame.protocols"].split(":")
        ips = [layer for layer in layers if layer in ("ip", "ipv6")]
        if not ips:
            continue
        present = []
        if ips[-1] == "ipv6":
            src, dst = last(v["ipv6.src"]), last(v["ipv6.dst"])
            length = int(last(v["ipv6.plen"])) + 40
        else:
            src, dst = last(v["ip.src"]), last(v["ip.dst"])
            length = int(last(v["ip.len"]))
            present = IPV4_CUT.findall(v["_ws.expert.message"])
            if "pppoes" in layers and "bad payload length" in v["_ws.expert.message"]:
                # tshark cuts at the PPPoE session's payload length, which
                # the engine skips unchecked (FLOW-RULES §4.7): the frame's
                # bytes past it (padding) count up to the IP length.
                present = [str(min(length, int(v["frame.cap_len"])))] if present else []
            if present:
                length = int(present[-1])
        if v["tcp.srcport"]:
            if not last(v["tcp.flags"]):
                continue  # a TCP header shorter than 20 bytes: malformed, skipped
            proto, sp, dp = "6", last(v["tcp.srcport"]), last(v["tcp.dstport"])
            flags = int(last(v["tcp.flags"]), 16) & 0x1FF
        else:
            proto, sp, dp = "17", last(v["udp.srcport"]), last(v["udp.dstport"])
            flags = 0
        key = (proto,) + tuple(sorted([(src, sp), (dst, dp)]))
        cut = (int(v["frame.cap_len"]) < int(v["frame.len"])
               or "exceeds" in v["_ws.expert.message"] and not present)
        flows[key].append((decimal.Decimal(v["frame.time_epoch"]), src, sp, length, flags, cut))
    return flows


def truncated_us(ns):
    return -((-ns) // 1000) if ns < 0 else ns // 1000


def main():
    capture, path = sys.argv[1], sys.argv[2]
    packets = packets_of(capture)
    cursor = collections.Counter()
    compared = not_comparable = 0
    problems = []
    with open(path, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: decimal.Decimal(r["timestamp"]))
    for r in rows:
        key = (r["protocol"],) + tuple(sorted([(r["src_ip"], r["src_port"]),
                                               (r["dst_ip"], r["dst_port"])]))
        lengths = json.loads(r["splt_ip_len"])
        iats = json.loads(r["splt_iat_us"])
        flags = json.loads(r["splt_tcp_flags"])
        mine = packets.get(key, [])
        i = cursor[key]
        start = decimal.Decimal(r["timestamp"]) - SLACK
        while i < len(mine) and mine[i][0] < start:
            i += 1
        theirs = mine[i:i + len(lengths)]
        cursor[key] = i + int(r["tot_fwd_pkts"]) + int(r["tot_bwd_pkts"])
        if len(theirs) < len(lengths):
            not_comparable += 1
            problems.append(f"not found: {key} at {r['timestamp']}: {len(theirs)} packets")
            continue
        if any(p[5] for p in theirs):
            not_comparable += 1
            continue
        want_len = [p[3] if (p[1], p[2]) == (r["src_ip"], r["src_port"]) else -p[3]
                    for p in theirs]
        times = [int(p[0] * 1000000000) for p in theirs]
        want_iat = [0] + [truncated_us(b - a) for a, b in zip(times, times[1:])]
        want_flags = [p[4] for p in theirs]
        compared += 1
        if (want_len, want_iat, want_flags) != (lengths, iats, flags):
            problems.append(f"{key} at {r['timestamp']}: netflower {lengths} {iats} {flags}, "
                            f"tshark {want_len} {want_iat} {want_flags}")
    for p in problems[:10]:
        print(p)
    print(f"flows compared: {compared}, not comparable: {not_comparable}")
    return 1 if any(not p.startswith("not found") for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
