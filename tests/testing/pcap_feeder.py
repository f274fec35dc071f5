#!/usr/bin/env python3
"""Writes test captures for the CLI tests, as a file or into a pipe.

  pcap_feeder.py repeat IN OUT REPS [--hold S] [--report-hwm PID]
      OUT ("-" = standard output) gets IN's records REPS times, each
      repetition 1000 s after the previous one. --hold keeps standard output
      open S seconds after the last record (a writer that is still running);
      --report-hwm prints process PID's peak resident set (VmHWM, kB) to
      standard error once everything is written, before the hold ends.
  pcap_feeder.py far-pcapng OUT
      a pcapng whose interface offset puts its packets 73 billion years after
      1970: two DHCP-like UDP packets 70.03 s apart.
  pcap_feeder.py damaged-pcapng OUT caplen|trailer|interface
      three DHCP-like packets; the second's block declares more captured
      bytes than it holds, has a trailing length unlike its leading one, or
      names an interface that was never described.
"""
import struct
import sys
import time


def read_pcap(path):
    data = open(path, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "little-endian microsecond pcap expected"
    header, records, pos = data[:24], [], 24
    while pos + 16 <= len(data):
        ts_sec, ts_usec, caplen, _ = struct.unpack_from("<IIII", data, pos)
        records.append((ts_sec, data[pos + 4:pos + 16 + caplen]))
        pos += 16 + caplen
    return header, records


def repeat(args):
    src, out, reps = args[0], args[1], int(args[2])
    hold = float(args[args.index("--hold") + 1]) if "--hold" in args else 0.0
    hwm_pid = args[args.index("--report-hwm") + 1] if "--report-hwm" in args else None
    header, records = read_pcap(src)
    sink = sys.stdout.buffer if out == "-" else open(out, "wb")
    sink.write(header)
    for rep in range(reps):
        chunk = b"".join(struct.pack("<I", ts + rep * 1000) + rest for ts, rest in records)
        sink.write(chunk)
    sink.flush()
    if hwm_pid:
        time.sleep(0.5)  # let the reader take the last bytes
        for line in open(f"/proc/{hwm_pid}/status"):
            if line.startswith("VmHWM:"):
                print(line.split()[1], file=sys.stderr, flush=True)
    time.sleep(hold)


def block(kind, body, trailer=None):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n if trailer is None else trailer)


DHCP_FRAME = bytes.fromhex("ffffffffffff020000000001" "0800"
                           "4500001c0001000040110000" "c0a80001" "c0a800ff"
                           "00440043000800000000")


def damaged_pcapng(args):
    """Three packets; the second's block damaged as `kind` says."""
    out_path, kind = args
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 0))  # Ethernet, microseconds
    for i in range(3):
        damaged = i == 1
        caplen = 60000 if damaged and kind == "caplen" else len(DHCP_FRAME)
        interface = 7 if damaged and kind == "interface" else 0
        trailer = 12345 if damaged and kind == "trailer" else None
        body = struct.pack("<IIIII", interface, 0, 1_500_000_000 + i, caplen, len(DHCP_FRAME))
        out += block(6, body + DHCP_FRAME, trailer)
    open(out_path, "wb").write(out)


def far_pcapng(args):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # IDB: Ethernet, snaplen 0; if_tsresol 9 (ns), if_tsoffset 2^61 s.
    options = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HHq", 14, 8, 1 << 61) + b"\0" * 4
    out += block(1, struct.pack("<HHI", 1, 0, 0) + options)
    frame = DHCP_FRAME
    for ticks in (1_500_000_000, 71_530_000_000):
        out += block(6, struct.pack("<IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF,
                                    len(frame), len(frame)) + frame)
    open(args[0], "wb").write(out)


if __name__ == "__main__":
    {"repeat": repeat, "far-pcapng": far_pcapng,
     "damaged-pcapng": damaged_pcapng}[sys.argv[1]](sys.argv[2:])
