#!/usr/bin/env python3
"""Labels from every byte value through netflower's CSV and JSON Lines
writers, read back by real parsers (issue 23, item 3).

  label_bytes_check.py NETFLOWER TMPDIR

For each byte value b, the label "x" + b + "y" (and a few UTF-8 ones, with
commas and quotes): the labels netflower's rule accepts (UTF-8, no control
character) must come back from Python's csv module, pandas (when present)
and json exactly, in rows of the layout's width; every other one must be
refused (exit 2, nothing written) both as --label and inside a --labels file.
Prints one line per check; exits 1 if any failed.
"""
import csv
import io
import json
import os
import struct
import subprocess
import sys

NF, TMP = sys.argv[1], sys.argv[2]
T0 = 1499441400
failures = 0


def check(what, ok):
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    failures += 0 if ok else 1


def udp_frame(sport, dport, reply):
    src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    if reply:
        src, dst, sport, dport = dst, src, dport, sport
    payload = b"q" * 8
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst) + udp
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip


def write_capture(path, flows):
    """`flows` two-packet UDP conversations to ports 10000, 10001, ..."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(flows):
        for reply in (False, True):
            frame = udp_frame(20000 + i, 10000 + i, reply)
            out.append(struct.pack("<IIII", T0 + i, 1000 * reply, len(frame), len(frame)) + frame)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def accepted(label):
    """netflower's rule (features/cic_labels.h, CheckLabel)."""
    try:
        text = label.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return 0 < len(label) <= 256 and text.strip(" ") != "" and not any(
        ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


labels = [b"x" + bytes([b]) + b"y" for b in range(256)]
labels += ["Web Attack \u2013 Brute Force".encode(), "caf\u00e9".encode(), "\u4e2d".encode(),
           "\U0001F600".encode(), "\u0085".encode(), b'a,"b", c', b'"', b",", b"\\", b"\xed\xa0\x80",
           b"\xc0\xaf", b"\xf4\x90\x80\x80", b" "]
good = [l for l in labels if accepted(l)]
bad = [l for l in labels if not accepted(l)]
check(f"{len(good)} labels accepted by the rule, {len(bad)} refused", (len(good), len(bad)) == (103, 166))

capture = os.path.join(TMP, "labels.pcap")
write_capture(capture, len(good) + 1)  # the last flow matches no rule: --label
rules = os.path.join(TMP, "labels.csv")
with open(rules, "w", newline="", encoding="utf-8") as f:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow("src,dst,src_port,dst_port,protocol,start,end,label".split(","))
    for i, label in enumerate(good):
        writer.writerow(["*", "*", "*", 10000 + i, 17, "", "", label.decode()])
fallback = 'run, "label"'
expected = {10000 + i: label.decode() for i, label in enumerate(good)}
expected[10000 + len(good)] = fallback

for fmt in ("csv", "jsonl"):
    out = os.path.join(TMP, "flows." + fmt)
    run = subprocess.run([NF, "--pcap", capture, "--columns", "cic-ids2017", "--labels", rules,
                          "--label", fallback, "--format", fmt, "--out", out, "--quiet"],
                         capture_output=True)
    check(f"{fmt}: the run exits 0 ({run.stderr.decode(errors='replace').strip()})",
          run.returncode == 0)
    data = open(out, "rb").read()
    try:
        text = data.decode("utf-8")
        check(f"{fmt}: the output is valid UTF-8", True)
    except UnicodeDecodeError as e:
        check(f"{fmt}: the output is valid UTF-8 ({e})", False)
        continue
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, rows = rows[0], rows[1:]
        check(f"csv: {len(rows)} rows for {len(expected)} flows", len(rows) == len(expected))
        check("csv: every row has the header's 85 fields",
              len(header) == 85 and all(len(r) == 85 for r in rows))
        port = header.index(" Destination Port")
        got = {int(r[port]): r[-1] for r in rows}
        wrong = [p for p in expected if got.get(p) != expected[p]]
        check(f"csv: every label reads back exactly (wrong: {wrong[:5]})", not wrong)
        try:
            import pandas  # noqa: PLC0415 (optional, as in the CIC pipelines)
            frame = pandas.read_csv(out, encoding="utf-8", keep_default_na=False)
            check("pandas: as many rows as flows", len(frame) == len(expected))
            by_port = dict(zip(frame[" Destination Port"], frame[" Label"]))
            check("pandas: every label reads back exactly",
                  all(by_port.get(p) == expected[p] for p in expected))
        except ImportError:
            print("note: pandas not installed; the pandas read was not made")
    else:
        lines = text.splitlines()
        check(f"jsonl: {len(lines)} lines for {len(expected)} flows", len(lines) == len(expected))
        try:
            objects = [json.loads(line) for line in lines]
        except ValueError as e:
            check(f"jsonl: every line is valid JSON ({e})", False)
            continue
        check("jsonl: every line is valid JSON", True)
        got = {o[" Destination Port"]: o[" Label"] for o in objects}
        check("jsonl: every label reads back exactly", got == expected)

# The refused ones: as --label (argv cannot carry a NUL) and in a rules file.
out = os.path.join(TMP, "refused.csv")
label_ok = rules_ok = True
for label in bad:
    if b"\0" not in label:
        run = subprocess.run([NF, "--pcap", capture, "--columns", "cic-ids2017", b"--label=" + label,
                              "--out", out], capture_output=True)
        label_ok &= run.returncode == 2 and not os.path.exists(out) and b"label" in run.stderr
    with open(rules, "wb") as f:
        f.write(b"src,dst,src_port,dst_port,protocol,start,end,label\n*,*,*,*,*,,," + label + b"\n")
    run = subprocess.run([NF, "--pcap", capture, "--columns", "cic-ids2017", "--labels", rules,
                          "--out", out], capture_output=True)
    rules_ok &= run.returncode == 2 and not os.path.exists(out) and b"labels.csv:" in run.stderr
check(f"each of the {len(bad)} refused labels is refused as --label (exit 2, no output)", label_ok)
check(f"... and in a --labels file, naming file and line", rules_ok)
sys.exit(1 if failures else 0)
