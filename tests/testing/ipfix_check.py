#!/usr/bin/env python3
"""Compares netflower's CSV rows with what independent IPFIX decoders made
of the same flows exported over IPFIX (docs/IPFIX.md, tests/ipfix_test.sh).

  ipfix_check.py nfdump CSV... --raw NFDUMP_RAW [--uniflow]
      nfdump -o raw of what nfcapd collected: per flow the same addresses,
      ports, protocol, packets and bytes per direction, and start/end in
      milliseconds (nfdump 1.7 keeps milliseconds: the microseconds are
      checked against tshark and ipfixDump). Biflow: one record per flow, the
      reverse counts as nfdump's "out"; uniflow: a forward record per flow
      and a reverse one per flow with backward packets.
  ipfix_check.py ipfixdump CSV... --dump IPFIXDUMP_TEXT
      ipfixDump --element-file=docs/ipfix/netflower-elements.xml of the same
      messages: every standard element and every enterprise element equal to
      its column (floats as ipfixDump prints them, %.8g).
  ipfix_check.py tshark --fields TSV
      tshark -T fields -E occurrence=a -E aggregator=';' -e frame.number
      -e cflow.sequence -e udp.srcport -e cflow.flowset_id -e cflow.srcport
      -e cflow.abstimestart -e cflow.abstimeend: each message's sequence number is the number of
      data records sent before it (per exporter: its source port), and
      appends the microsecond start/end times to --times.
  ipfix_check.py times CSV... --times TIMES
      those times (the default profile's nanoseconds) equal the CSV's:
      durations to the nanosecond, starts within the CSV's resolution.
Exits 1 listing the differences (the first 20).
"""
import argparse
import collections
import csv
import datetime
import ipaddress
import re
import sys

FLAGS = [("fin_flag_cnt", 0x01), ("syn_flag_cnt", 0x02), ("rst_flag_cnt", 0x04),
         ("psh_flag_cnt", 0x08), ("ack_flag_cnt", 0x10), ("urg_flag_cnt", 0x20),
         ("ece_flag_cnt", 0x40), ("cwr_flag_count", 0x80)]
# Columns that standard elements carry (the others are enterprise elements).
STANDARD = {"src_ip", "dst_ip", "src_port", "dst_port", "protocol", "timestamp",
            "tot_fwd_pkts", "tot_bwd_pkts", "totlen_fwd_pkts", "totlen_bwd_pkts"}


def rows(paths):
    for path in paths:
        with open(path, newline="") as f:
            yield from csv.DictReader(f)


def times_us(row):
    start = round(float(row["timestamp"]) * 1e6)
    return start, start + round(float(row["flow_duration"]) * 1e6)


def addr(text):
    return str(ipaddress.ip_address(text.strip()))


def report(name, want, got):
    missing = want - got
    extra = got - want
    print(f"{name}: {sum(want.values())} flows in the CSV, {sum(got.values())} records decoded")
    for label, diff in (("only in the CSV", missing), ("only in the decoder's", extra)):
        for item, n in list(diff.items())[:20]:
            print(f"  {label} ({n}x): {item}")
    return 0 if not missing and not extra else 1


def parse_nfdump_raw(path):
    records, current = [], None
    for line in open(path, errors="replace"):
        if line.startswith("Flow Record"):
            current = {}
            records.append(current)
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    return records


def check_nfdump(a):
    want = collections.Counter()
    for r in rows(a.csv):
        start, end = times_us(r)
        ms = (start // 1000, end // 1000)
        fwd = (addr(r["src_ip"]), addr(r["dst_ip"]), int(r["src_port"]), int(r["dst_port"]),
               int(r["protocol"]))
        if a.uniflow:
            want[fwd + (int(r["tot_fwd_pkts"]), int(r["totlen_fwd_pkts"]), 0, 0) + ms] += 1
            if int(r["tot_bwd_pkts"]) > 0:
                rev = (fwd[1], fwd[0], fwd[3], fwd[2], fwd[4])
                want[rev + (int(r["tot_bwd_pkts"]), int(r["totlen_bwd_pkts"]), 0, 0) + ms] += 1
        else:
            want[fwd + (int(r["tot_fwd_pkts"]), int(r["totlen_fwd_pkts"]), int(r["tot_bwd_pkts"]),
                        int(r["totlen_bwd_pkts"])) + ms] += 1
    got = collections.Counter()
    for x in parse_nfdump_raw(a.raw):
        first = int(x["first"].split()[0])
        last = int(x["last"].split()[0])
        got[(addr(x["src addr"]), addr(x["dst addr"]), int(x["src port"]), int(x["dst port"]),
             int(x["proto"].split()[0]), int(x["in packets"]), int(x["in bytes"]),
             int(x.get("out packets", "0")), int(x.get("out bytes", "0")), first, last)] += 1
    return report("nfdump", want, got)


def camel(column):
    head, *rest = column.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def parse_ipfixdump(path):
    records, current = [], None
    field = re.compile(r"^\s*\(([0-9/]+)\)\s+(\S+)\s*:\s?(.*)$")
    for line in open(path, errors="replace"):
        if line.startswith("--- data record"):
            current = {}
            records.append(current)
        elif line.startswith("---"):
            current = None
        elif current is not None:
            m = field.match(line)
            if m:
                current[m.group(2)] = m.group(3).strip()
    return records


def ms_text(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ms % 1000)


def expected_ipfixdump(r, columns):
    start, end = times_us(r)
    flags = sum(bit for name, bit in FLAGS if int(r[name]) > 0)
    v6 = ":" in r["src_ip"]
    out = {
        "sourceIPv6Address" if v6 else "sourceIPv4Address": addr(r["src_ip"]),
        "destinationIPv6Address" if v6 else "destinationIPv4Address": addr(r["dst_ip"]),
        "sourceTransportPort": r["src_port"], "destinationTransportPort": r["dst_port"],
        "protocolIdentifier": r["protocol"],
        "flowStartMilliseconds": ms_text(start // 1000), "flowEndMilliseconds": ms_text(end // 1000),
        "packetDeltaCount": r["tot_fwd_pkts"], "octetDeltaCount": r["totlen_fwd_pkts"],
        "reversePacketDeltaCount": r["tot_bwd_pkts"], "reverseOctetDeltaCount": r["totlen_bwd_pkts"],
        "tcpControlBits": str(flags),
    }
    for c in columns:
        if c in STANDARD:
            continue
        v = r[c]
        if c == "tunnel_type":
            names = ["", "vxlan", "geneve", "gtpu", "gre", "erspan", "pptp", "ipip"]
            out[camel(c)] = str(names.index(v))
        elif c == "tunnel_id":
            out[camel(c)] = v if v else "0"
        elif re.fullmatch(r"-?\d+", v):
            out[camel(c)] = v
        elif v == "0.0" and c.endswith(("_max", "_min")) and "pkt_len" in c:
            out[camel(c)] = "0"  # an int-or-0.0 column without a value
        else:
            out[camel(c)] = "%.8g" % float(v)
    return out


def check_ipfixdump(a):
    csv_rows = list(rows(a.csv))
    columns = list(csv_rows[0].keys()) if csv_rows else []
    want = collections.Counter(tuple(sorted(expected_ipfixdump(r, columns).items()))
                               for r in csv_rows)
    got = collections.Counter()
    keys = {k for item in want for k, _ in item}
    for rec in parse_ipfixdump(a.dump):
        if "flowEndReason" not in rec or rec["flowEndReason"] not in {"1", "2", "3", "4", "5"}:
            print(f"  a record without a valid flowEndReason: {rec.get('flowEndReason')}")
            return 1
        for k in ("sourceIPv4Address", "destinationIPv4Address", "sourceIPv6Address",
                  "destinationIPv6Address"):
            if k in rec:
                rec[k] = addr(rec[k])
        got[tuple(sorted((k, v) for k, v in rec.items() if k in keys))] += 1
    enterprise = [c for c in columns if c not in STANDARD]
    print(f"ipfixdump: {len(enterprise)} enterprise elements compared per record")
    return report("ipfixDump", want, got)


def check_tshark(a):
    sequence = collections.defaultdict(lambda: None)
    bad = 0
    messages = records = 0
    for line in open(a.fields):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 5 or not parts[1]:
            continue
        frame, seq, domain = parts[0], int(parts[1]), parts[2]
        n = len([p for p in parts[4].split(";") if p]) if parts[4] else 0
        messages += 1
        if sequence[domain] is not None and seq != sequence[domain]:
            print(f"  frame {frame}: sequence {seq}, expected {sequence[domain]}")
            bad += 1
        sequence[domain] = seq + n
        records += n
        if a.times and n:
            # Each record has two: flowStartMilliseconds, then ...Microseconds.
            starts = parts[5].split(";")[1::2]
            ends = parts[6].split(";")[1::2]
            with open(a.times, "a") as t:
                for s, e in zip(starts, ends):
                    t.write(f"{s}\t{e}\n")
    print(f"tshark: {messages} messages, {records} data records, {bad} sequence breaks")
    return 1 if bad or messages == 0 else 0


def tshark_ns(text):
    whole, _, rest = text.strip().partition(".")
    t = datetime.datetime.strptime(whole, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000000000 + int(rest.split()[0].ljust(9, "0")[:9])


def check_times(a):
    """The nanosecond times tshark decoded (the default profile's exact
    clock) against the CSV's: the duration to the nanosecond, the start
    within the CSV timestamp's own resolution (a double: about 0.24 us)."""
    want = collections.defaultdict(list)  # duration ns -> CSV starts (s)
    for r in rows(a.csv):
        want[round(float(r["flow_duration"]) * 1e9)].append(float(r["timestamp"]))
    got = collections.defaultdict(list)
    for line in open(a.times):
        s, e = (tshark_ns(x) for x in line.split("\t"))
        got[e - s].append(s)
    unmatched, worst = 0, 0.0
    for duration in set(want) | set(got):
        w, g = sorted(want[duration]), sorted(got[duration])
        if len(w) != len(g):
            unmatched += abs(len(w) - len(g))
            if unmatched <= 20 and len(w) > len(g):
                print(f"  CSV flows of duration {duration} ns without a decoded record: {w[:3]}")
            continue
        for x, y in zip(w, g):
            worst = max(worst, abs(x * 1e9 - y))
    n = sum(len(v) for v in want.values())
    print(f"tshark times: {n} flows in the CSV; durations equal to the ns; starts within "
          f"{worst:.0f} ns of the CSV's timestamp; {unmatched} unmatched")
    return 0 if unmatched == 0 and worst < 1000 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["nfdump", "ipfixdump", "tshark", "times"])
    ap.add_argument("csv", nargs="*")
    ap.add_argument("--raw")
    ap.add_argument("--uniflow", action="store_true")
    ap.add_argument("--dump")
    ap.add_argument("--fields")
    ap.add_argument("--times")
    a = ap.parse_args()
    sys.exit({"nfdump": check_nfdump, "ipfixdump": check_ipfixdump, "tshark": check_tshark,
              "times": check_times}[a.mode](a))


if __name__ == "__main__":
    main()
