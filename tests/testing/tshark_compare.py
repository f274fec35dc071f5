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
fragment, counts the bytes present in netflower (FLOW-RULES §4.8's rule for cut
packets) and the declared length in tshark. --ignore leaves out a 5-tuple
where netflower differs from tshark on purpose (docs/DECODING.md: a VXLAN
header without its I flag, a frame whose FCS failed).

When FLOWS.csv has the netflower-tunnel columns, each 5-tuple's first row
must name the tunnel (kind and id: VNI, TEID, GRE key, ERSPAN session, PPTP
call ID) that tshark finds outermost in its first packet, and every row a
tunnel tshark saw it in."""
import collections
import csv
import subprocess
import sys

FIELDS = ["frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.len", "ipv6.plen",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "ip.flags.mf",
          "ip.frag_offset", "frame.len", "frame.cap_len",
          "vxlan.vni", "geneve.vni", "gtp.teid", "gre.key", "erspan.spanid", "gre.key.call_id"]

# tshark's layer -> the tunnel_type name, and the field holding its id.
TUNNEL_ID_FIELD = {"vxlan": "vxlan.vni", "geneve": "geneve.vni", "gtpu": "gtp.teid",
                   "gre": "gre.key", "erspan": "erspan.spanid", "pptp": "gre.key.call_id"}
AMBIGUOUS = "?"  # an id tshark's field list cannot attribute to the outermost layer


def outer_tunnel(layers, first_ip, last_ip, v):
    """(tunnel_type, tunnel_id) of the outermost encapsulation between the
    outer and the innermost IP header, as netflower names it; ("", "")
    when none."""
    for i in range(first_ip + 1, last_ip + 1):
        layer = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else ""
        if layer in ("ip", "ipv6") and layers[i - 1] in ("ip", "ipv6"):
            return "ipip", ""
        if layer == "gre":
            kind = "erspan" if nxt == "erspan" else "pptp" if nxt == "ppp" else "gre"
        elif layer in ("vxlan", "geneve"):
            kind = layer
        elif layer == "gtp":
            kind = "gtpu"
        else:
            continue
        values = [x for x in v[TUNNEL_ID_FIELD[kind]].split("|") if x]
        same_layers = layers.count("gre" if kind == "pptp" else layer if kind == "gtpu" else kind)
        if not values:
            return kind, ""
        if len(values) != same_layers and same_layers > 1:
            return kind, AMBIGUOUS
        return kind, str(int(values[0], 0))
    return "", ""


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
    tunnels = collections.defaultdict(list)  # the tunnels of each flow's packets, in order
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
        tunnels[key].append(outer_tunnel(layers, ip_layers[0], last, v))
        flows[key] += 1
        octets[key] += length
        outer_fragment = any(m in ("1", "True") for m in v["ip.flags.mf"].split("|")[:-1])
        if int(v["frame.cap_len"]) < int(v["frame.len"]) or outer_fragment:
            cut.add(key)
    return flows, octets, cut, tunnels


def canonical(a, pa, b, pb, proto):
    return (proto,) + tuple(sorted([(a, int(pa)), (b, int(pb))]))


def netflower_flows(path):
    flows = collections.Counter()
    octets = collections.Counter()
    tunnels = collections.defaultdict(list)  # (timestamp, tag) of each row
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = canonical(r["src_ip"], r["src_port"], r["dst_ip"], r["dst_port"],
                            int(r["protocol"]))
            flows[key] += int(r["tot_fwd_pkts"]) + int(r["tot_bwd_pkts"])
            octets[key] += int(float(r["totlen_fwd_pkts"])) + int(float(r["totlen_bwd_pkts"]))
            if "tunnel_type" in r:
                tunnels[key].append((float(r["timestamp"]), (r["tunnel_type"], r["tunnel_id"])))
    return flows, octets, tunnels


def tunnel_problems(key, seen, rows):
    """What is wrong with netflower's tunnel columns for one 5-tuple."""
    rows = [tag for _, tag in sorted(rows, key=lambda row: row[0])]
    if not rows:
        return []
    ok = {seen[0]} | {t for t in seen if t[1] != AMBIGUOUS}
    first = seen[0]
    problems = []
    if first[1] != AMBIGUOUS and rows[0] != first:
        problems.append(f"{key}: first packet's tunnel {first} in tshark, {rows[0]} in netflower")
    for tag in rows[1:]:
        if tag not in ok and not any(t[0] == tag[0] and t[1] == AMBIGUOUS for t in seen):
            problems.append(f"{key}: a row names {tag}, which tshark never saw it in")
    return problems


def main():
    capture, csv_path = sys.argv[1], sys.argv[2]
    ignored = set()
    args = sys.argv[3:]
    while args:
        assert args[0] == "--ignore", f"unexpected argument {args[0]}"
        proto, a, pa, b, pb = args[1].split("/")
        ignored.add(canonical(a, pa, b, pb, int(proto)))
        args = args[2:]
    t_pk, t_by, cut, t_tun = tshark_flows(capture)
    n_pk, n_by, n_tun = netflower_flows(csv_path)
    problems = []
    for key in sorted(set(n_tun) - ignored, key=str):
        problems += tunnel_problems(key, t_tun.get(key, []), n_tun[key])
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
    tagged = sum(1 for key in n_tun if n_tun[key][0][1][0])
    tunnel_note = f", tunnels of {len(n_tun)} 5-tuples ({tagged} tunnelled)" if n_tun else ""
    print(f"{len(t_pk)} 5-tuples, {sum(t_pk.values())} packets, {sum(t_by.values())} bytes "
          f"({len(cut)} flows with cut packets: packets only){tunnel_note}: equal to tshark")


main()
