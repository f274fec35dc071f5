#!/usr/bin/env python3
"""jsonl_matches_csv.py ROWS.jsonl ROWS.csv: exit 0 when every JSON Lines row
is the CSV row of the same position, field by field (keys = the CSV header in
order; numbers print as the CSV's text with Python's repr; null where the CSV
says inf, -inf or nan), and the two have the same number of rows."""
import csv
import json
import sys

with open(sys.argv[2], newline="") as f:
    table = list(csv.reader(f))
header, rows = (table[0], table[1:]) if table else ([], [])  # python profile: no rows, no header
with open(sys.argv[1]) as f:
    lines = f.read().split("\n")
assert lines[-1] == "", "the last row must end with a newline"  # ([""] when empty)
objects = [json.loads(line) for line in lines[:-1]]
assert len(objects) == len(rows), f"{len(objects)} JSON rows, {len(rows)} CSV rows"
for n, (obj, row) in enumerate(zip(objects, rows)):
    assert list(obj) == header, f"row {n}: keys differ from the CSV header"
    for key, value, text in zip(header, obj.values(), row):
        if value is None:
            ok = text in ("inf", "-inf", "nan")
        elif isinstance(value, str):
            ok = value == text
        else:
            ok = repr(value) == text
        assert ok, f"row {n} {key}: JSON {value!r}, CSV {text!r}"
print(f"{len(objects)} JSON rows equal to the CSV rows")
