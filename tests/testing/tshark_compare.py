#!/usr/bin/env python3
"""tshark_compare.py CAPTURE FLOWS.csv [--ignore PROTO/A/PORTA/B/PORTB ...]: exit 0 when netflower's flows (its
default-profile CSV) hold, per bidirectional 5-tuple, the packets and IP
bytes that tshark decodes for the innermost TCP/UDP packets of CAPTURE
(tunnels opened, no IP reassembly, no TCP desegmentation). tshark is an
independent decoder: VXLAN, GENEVE, GTP-U, GRE, ERSPAN, 6in4 and 802.11
are its own dissectors. Packets whose innermost transport is not TCP or
UDP, IP fragments, and packets quoted inside ICMP errors are left out on
both sides. Bytes are compared for the flows whose every packet is whole:
a frame cut by the snap length, or an inner packet cut by an outer IP
fragment, counts the bytes present in netflower (FLOW-SPEC's rule for cut
packets) and the declared length in tshark. --ignore leaves out a 5-tuple
where netflower differs from tshark on purpose (docs/DECODING.md: a VXLAN
header without its I flag, a frame whose FCS failed)."""
import collections
import csv
import subprocess
import sys

FIELDS = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.len", "ipv6.plen",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "ip.flags.mf",
          "ip.frag_offset", "frame.len", "frame.cap_len"]


def tshark_flows(capture):
    cmd = ["tshark", "-n", "-r", capture, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=|",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    flows = collections.Counter()
    octets = collections.Counter()
    cut = set()  # flows with a packet whose bytes are not all there
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        layers = v["frame.protocols"].split(":")
        if "icmp" in layers or "icmpv6" in layers:
            continue
        ip_layers = [i for i, p in enumerate(layers) if p in ("ip", "ipv6")]
        if not ip_layers:
            continue
        last = ip_layers[-1]
        transport = layers[last + 1] if last + 1 < len(layers) else ""
        if any(p in ("eth", "arp", "ppp", "vxlan", "geneve", "gre", "erspan")
               for p in layers[last + 1:]):
            continue  # a tunnel whose innermost packet is not IP (inner ARP, say)
        if transport not in ("tcp", "udp"):
            continue
        # The innermost IP header: the last of all IPv4 and IPv6 headers.
        kind = layers[last]
        srcs = v[f"{kind}.src"].split("|")
        dsts = v[f"{kind}.dst"].split("|")
        if kind == "ip":
            if v["ip.flags.mf"].split("|")[-1] in ("1", "True") or \
                    v["ip.frag_offset"].split("|")[-1] not in ("", "0"):
                continue
            length = int(v["ip.len"].split("|")[-1])
        else:
            length = int(v["ipv6.plen"].split("|")[-1]) + 40
        sport = int(v[f"{transport}.srcport"].split("|")[-1])
        dport = int(v[f"{transport}.dstport"].split("|")[-1])
        proto = 6 if transport == "tcp" else 17
        key = canonical(srcs[-1], sport, dsts[-1], dport, proto)
        flows[key] += 1
        octets[key] += length
        outer_fragment = any(m in ("1", "True") for m in v["ip.flags.mf"].split("|")[:-1])
        if int(v["frame.cap_len"]) < int(v["frame.len"]) or outer_fragment:
            cut.add(key)
    return flows, octets, cut


def canonical(a, pa, b, pb, proto):
    return (proto,) + tuple(sorted([(a, int(pa)), (b, int(pb))]))


def netflower_flows(path):
    flows = collections.Counter()
    octets = collections.Counter()
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = canonical(r["src_ip"], r["src_port"], r["dst_ip"], r["dst_port"],
                            int(r["protocol"]))
            flows[key] += int(r["tot_fwd_pkts"]) + int(r["tot_bwd_pkts"])
            octets[key] += int(float(r["totlen_fwd_pkts"])) + int(float(r["totlen_bwd_pkts"]))
    return flows, octets


def main():
    capture, csv_path = sys.argv[1], sys.argv[2]
    ignored = set()
    args = sys.argv[3:]
    while args:
        assert args[0] == "--ignore", f"unexpected argument {args[0]}"
        proto, a, pa, b, pb = args[1].split("/")
        ignored.add(canonical(a, pa, b, pb, int(proto)))
        args = args[2:]
    t_pk, t_by, cut = tshark_flows(capture)
    n_pk, n_by = netflower_flows(csv_path)
    problems = []
    for key in sorted((set(t_pk) | set(n_pk)) - ignored, key=str):
        if key in cut:
            t_by[key] = n_by[key]  # not comparable: see above
        if (t_pk[key], t_by[key]) != (n_pk[key], n_by[key]):
            problems.append(f"{key}: tshark {t_pk[key]} packets {t_by[key]} bytes, "
                            f"netflower {n_pk[key]} packets {n_by[key]} bytes")
    if problems:
        print("\n".join(problems[:20]))
        print(f"{len(problems)} of {len(set(t_pk) | set(n_pk))} 5-tuples differ")
        sys.exit(1)
    print(f"{len(t_pk)} 5-tuples, {sum(t_pk.values())} packets, {sum(t_by.values())} bytes "
          f"({len(cut)} flows with cut packets: packets only): equal to tshark")


main()
