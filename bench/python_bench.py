#!/usr/bin/env python3
"""The Python package against the command line, in one run on one capture
(bench/README.md, "Python"):

  1. convert_pcap_to_csv through Python vs the CLI, both to a file;
  2. read_flows to a DataFrame vs the CLI to CSV + pandas.read_csv;
  3. the cost of a flow dict: iter_flows over every flow vs a conversion
     to /dev/null, per flow.

Runs are interleaved; medians are reported, with each figure's ratio to its
baseline measured in the same round.

  python3 bench/python_bench.py --pcap CAPTURE --cli bazel-bin/tools/netflower [--runs 5]

Build both optimized first: bazel build -c opt //tools:netflower, and
tools/install_python.sh (or --target DIR with PYTHONPATH=DIR).
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import pandas

import netflower


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "f.csv")

    def cli(dest):
        subprocess.run([args.cli, "--pcap", args.pcap, "--out", dest, "--quiet"], check=True)

    rounds = {k: [] for k in ("cli", "py", "cli_pandas", "read_flows", "devnull", "iter")}
    flows = 0
    for _ in range(args.runs):
        rounds["cli"].append(timed(lambda: cli(out))[0])
        rounds["py"].append(timed(lambda: netflower.convert_pcap_to_csv(
            args.pcap, out, compat="none"))[0])
        rounds["cli_pandas"].append(timed(lambda: (cli(out), pandas.read_csv(out)))[0])
        rounds["read_flows"].append(timed(lambda: netflower.read_flows(args.pcap))[0])
        rounds["devnull"].append(timed(lambda: netflower.convert_pcap_to_csv(
            args.pcap, "/dev/null", compat="none"))[0])
        t, flows = timed(lambda: sum(1 for _ in netflower.iter_flows(args.pcap)))
        rounds["iter"].append(t)
    m = {k: statistics.median(v) for k, v in rounds.items()}
    ratio = lambda a, b: statistics.median(x / y for x, y in zip(rounds[a], rounds[b]))
    print(f"capture: {args.pcap}, {flows} flows, {args.runs} interleaved runs, medians\n")
    print(f"{'what':52s} {'seconds':>9s} {'ratio':>7s}")
    print(f"{'CLI --pcap ... --out FILE':52s} {m['cli']:9.3f} {1.0:7.2f}")
    label = 'convert_pcap_to_csv(..., compat="none")'
    print(f"{label:52s} {m['py']:9.3f} {ratio('py', 'cli'):7.2f}")
    print(f"{'CLI to CSV + pandas.read_csv':52s} {m['cli_pandas']:9.3f} {1.0:7.2f}")
    print(f"{'read_flows (DataFrame)':52s} {m['read_flows']:9.3f} "
          f"{ratio('read_flows', 'cli_pandas'):7.2f}")
    print(f"{'convert_pcap_to_csv to /dev/null':52s} {m['devnull']:9.3f} {1.0:7.2f}")
    print(f"{'iter_flows, every flow as a dict':52s} {m['iter']:9.3f} "
          f"{ratio('iter', 'devnull'):7.2f}")
    per_flow = statistics.median((i - d) / flows for i, d in zip(rounds["iter"],
                                                                  rounds["devnull"]))
    print(f"\nflow dict (on_flow's argument), per flow: {per_flow * 1e9:.0f} ns")


if __name__ == "__main__":
    main()
