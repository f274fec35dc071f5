#!/usr/bin/env python3
"""kafka_check.py CONSUMED ROWS.csv [--subset]: exit 0 when the messages a
Kafka consumer read (CONSUMED: one "partition<TAB>key<TAB>value" line each,
kcat -f '%p\\t%k\\t%s\\n') are the CSV's rows exactly once each, in any order
(--subset: each message is a distinct CSV row, some rows may be missing):
every value a JSON object whose keys are the CSV header in order (a
repeated column's second name with ".1", as pandas reads it: cic-ids2017's
' Fwd Header Length.1') and whose values
are the CSV's (strings equal, numbers the same double, null for inf, -inf,
nan); every key the flow's endpoints in netflower's order (the smaller
address, then port, first: "a-b-portA-portB-protocol"); every key in one
partition only. Works for every column set (netflower and CIC names)."""
import collections
import csv
import ipaddress
import json
import sys

ENDPOINTS = {  # normalized column name -> role
    "src_ip": "sip", "source_ip": "sip", "dst_ip": "dip", "destination_ip": "dip",
    "src_port": "sport", "source_port": "sport", "dst_port": "dport",
    "destination_port": "dport", "protocol": "proto",
}


def value_of(text):
    """A CSV field as the JSON value it must equal."""
    if text in ("inf", "-inf", "nan"):
        return None  # JSON has no such number
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def expected_key(obj):
    roles = {}
    for name, value in obj.items():
        role = ENDPOINTS.get(name.strip().lower().replace(" ", "_"))
        if role and role not in roles:
            roles[role] = value
    a, b = ipaddress.ip_address(roles["sip"]), ipaddress.ip_address(roles["dip"])
    ea = (a.version, a.packed.ljust(16, b"\0"), int(roles["sport"]))
    eb = (b.version, b.packed.ljust(16, b"\0"), int(roles["dport"]))
    lo, hi = sorted([(ea, a), (eb, b)], key=lambda e: e[0])
    return f"{lo[1]}-{hi[1]}-{lo[0][2]}-{hi[0][2]}-{int(roles['proto'])}"


def main():
    consumed, csv_path = sys.argv[1], sys.argv[2]
    subset = "--subset" in sys.argv[3:]
    with open(csv_path, newline="") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    keys = [name + ".1" if name in header[:i] else name for i, name in enumerate(header)]
    remaining = collections.Counter(tuple(value_of(c) for c in r) for r in rows)
    partitions = collections.defaultdict(set)
    n = 0
    with open(consumed) as f:
        for line in f:
            partition, key, value = line.rstrip("\n").split("\t", 2)
            obj = json.loads(value)
            assert list(obj) == keys, f"message {n}: keys differ from the CSV header"
            fields = tuple(obj.values())
            assert remaining[fields] > 0, f"message {n} is no CSV row (or one seen twice): {value[:200]}"
            remaining[fields] -= 1
            assert key == expected_key(obj), f"message {n}: key {key!r}, expected {expected_key(obj)!r}"
            partitions[key].add(partition)
            n += 1
    split = [k for k, p in partitions.items() if len(p) > 1]
    assert not split, f"keys in several partitions: {split[:3]}"
    missing = sum(remaining.values())
    if not subset:
        assert missing == 0, f"{missing} CSV rows never arrived"
    print(f"{n} messages: CSV rows exactly once, keys right, {len(partitions)} keys "
          f"in {len(set().union(*partitions.values())) if partitions else 0} partitions")


main()
