#!/usr/bin/env python3
"""interim_check.py PLAIN.csv INTERIM.csv [CAPTURE]: exit 0 when INTERIM.csv
(a default-profile run with --interim) holds interim reports as FLOW-RULES
§14 has them, against PLAIN.csv (the same run with --export-reason only):

  * its rows that are not interim are PLAIN.csv's rows, byte for byte, in
    the same order (final rows unchanged);
  * every interim row comes before its flow's final row (the same
    addresses, ports, protocol and timestamp), and a flow's interim rows
    have packet counts and durations that never shrink and never exceed its
    final row's (a sweep reports a silent flow again unchanged);
  * with CAPTURE: each interim row counts the packets tshark (an
    independent decoder) shows for its bidirectional 5-tuple from the
    flow's first packet up to timestamp + flow_duration (its last packet so
    far), 1 µs either side for the double's rounding: all those before that
    time and at least one at it (others at the same time may come after).

Prints the number of interim rows checked ("interim rows: N")."""
import collections
import csv
import decimal
import subprocess
import sys

KEY = ("src_ip", "dst_ip", "src_port", "dst_port", "protocol", "timestamp")
SLACK = decimal.Decimal("0.000001")


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def packets(r):
    return int(r["tot_fwd_pkts"]) + int(r["tot_bwd_pkts"])


def check_order(rows):
    """Interim rows before their final row, never shrinking; returns problems."""
    problems = []
    open_reports = collections.defaultdict(list)
    for i, r in enumerate(rows):
        key = tuple(r[k] for k in KEY)
        if r["export_reason"] == "interim":
            seen = open_reports[key]
            if seen and not (packets(r) >= packets(seen[-1])
                             and float(r["flow_duration"]) >= float(seen[-1]["flow_duration"])):
                problems.append(f"row {i + 2}: interim counts do not grow for {key}")
            seen.append(r)
            continue
        for report in open_reports.pop(key, []):
            if packets(report) > packets(r):
                problems.append(f"row {i + 2}: an interim row of {key} has more packets than "
                                f"its final row")
    for key in open_reports:
        problems.append(f"interim rows of {key} without a final row")
    return problems


def canonical(a, pa, b, pb, proto):
    return (proto,) + tuple(sorted([(a, pa), (b, pb)]))


def tshark_times(capture):
    """5-tuple -> sorted packet times (Decimal), for the innermost TCP/UDP
    packets that are not IP fragments or quoted in ICMP errors."""
    fields = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-r", capture, "-n", "-Y",
           "(tcp or udp) and not icmp and not icmpv6 and not ip.flags.mf == 1 and "
           "not ip.frag_offset > 0", "-T", "fields", "-E", "occurrence=l", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = collections.defaultdict(list)
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        src, dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        if v["tcp.srcport"]:
            proto, sp, dp = "6", v["tcp.srcport"], v["tcp.dstport"]
        else:
            proto, sp, dp = "17", v["udp.srcport"], v["udp.dstport"]
        times[canonical(src, sp, dst, dp, proto)].append(decimal.Decimal(v["frame.time_epoch"]))
    for t in times.values():
        t.sort()
    return times


def check_counts(rows, capture):
    times = tshark_times(capture)
    problems = []
    for i, r in enumerate(rows):
        if r["export_reason"] != "interim":
            continue
        key = canonical(r["src_ip"], r["src_port"], r["dst_ip"], r["dst_port"], r["protocol"])
        first = decimal.Decimal(r["timestamp"])
        last = first + decimal.Decimal(r["flow_duration"])
        ts = [t for t in times.get(key, []) if first - SLACK <= t]
        before = sum(1 for t in ts if t < last - SLACK)  # surely in the report
        upto = sum(1 for t in ts if t <= last + SLACK)   # at most in it
        # Packets at the very time of the report's last one may come after it.
        if not before < packets(r) <= upto:
            problems.append(f"row {i + 2}: {key}: {packets(r)} packets, tshark {before} before "
                            f"{last} and {upto} up to it, from {first}")
    return problems


def main():
    plain, interim = rows_of(sys.argv[1]), rows_of(sys.argv[2])
    problems = []
    finals = [r for r in interim if r["export_reason"] != "interim"]
    if finals != plain:
        problems.append(f"final rows differ from the run without --interim "
                        f"({len(finals)} vs {len(plain)} rows)")
    problems += check_order(interim)
    if len(sys.argv) > 3:
        problems += check_counts(interim, sys.argv[3])
    for p in problems[:20]:
        print(p)
    print(f"interim rows: {len(interim) - len(finals)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
