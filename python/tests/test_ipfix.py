"""netflower.Ipfix: flows from the Python package to an IPFIX collector,
Debian's nfcapd on 127.0.0.1, read back by nfdump (docs/IPFIX.md)."""
import csv
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest

import netflower

TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"
WEB = TESTDATA / "loopback-web.pcap"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collect(tmp_path, run):
    """Runs `run(port)` while nfcapd collects on 127.0.0.1:port; returns
    nfdump's raw records as dicts."""
    port = free_port()
    store = tmp_path / "nfcapd"
    store.mkdir()
    log = open(tmp_path / "nfcapd.log", "w")
    nfcapd = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(port), "-w", str(store),
                               "-t", "3600"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if "Startup" in (tmp_path / "nfcapd.log").read_text():
                break
            time.sleep(0.05)
        result = run(port)
    finally:
        nfcapd.send_signal(signal.SIGTERM)
        nfcapd.wait(timeout=10)
    raw = subprocess.run(["nfdump", "-R", str(store), "-o", "raw"], capture_output=True,
                         text=True, check=True).stdout
    records = []
    for line in raw.splitlines():
        if line.startswith("Flow Record"):
            records.append({})
        elif records and "=" in line:
            key, _, value = line.partition("=")
            records[-1][key.strip()] = value.strip().split()[0]
    return result, records


@pytest.mark.skipif(shutil.which("nfcapd") is None, reason="nfdump not installed")
def test_every_flow_reaches_nfcapd_with_its_counts(tmp_path):
    out = tmp_path / "flows.csv"
    (rows, stats), records = collect(tmp_path, lambda port: netflower.convert_pcap_to_csv(
        WEB, out, compat="none", ipfix=netflower.Ipfix(f"127.0.0.1:{port}"), return_stats=True))
    flows = list(csv.DictReader(open(out)))
    assert rows == len(flows) == stats["ipfix"]["flows_exported"] == len(records)
    assert stats["ipfix"]["records_dropped"] == 0
    want = sorted((f["src_port"], f["tot_fwd_pkts"], f["totlen_fwd_pkts"], f["tot_bwd_pkts"],
                   f["totlen_bwd_pkts"]) for f in flows)
    got = sorted((r["src port"], r["in packets"], r["in bytes"], r["out packets"], r["out bytes"])
                 for r in records)
    assert want == got


@pytest.mark.skipif(shutil.which("nfcapd") is None, reason="nfdump not installed")
def test_ipfix_alone_returns_the_flows_exported(tmp_path):
    n, records = collect(tmp_path, lambda port: netflower.convert_pcap_to_csv(
        WEB, None, compat="none", ipfix=netflower.Ipfix(f"127.0.0.1:{port}", uniflow=True)))
    assert n == 39
    assert len(records) == 39 + sum(1 for r in records if r.get("biFlow Dir") == "0x02")


def test_a_collector_that_never_answers_raises_connection_error(tmp_path):
    port = free_port()  # nothing listens there
    with pytest.raises(ConnectionError, match="records dropped"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "f.csv", ipfix=netflower.Ipfix(
            f"127.0.0.1:{port}/tcp", flush_timeout=0.2))
    assert (tmp_path / "f.csv").exists(), "the CSV is complete and kept"


def test_bad_collectors_and_types_name_the_cause(tmp_path):
    with pytest.raises(ValueError, match="no port"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "f.csv", ipfix=netflower.Ipfix("127.0.0.1"))
    with pytest.raises(ValueError, match="cannot resolve"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "f.csv",
                                      ipfix=netflower.Ipfix("no-such-host.invalid:4739"))
    with pytest.raises(ValueError, match="CIC|cic"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "f.csv", columns="cic-ids2017",
                                      ipfix=netflower.Ipfix("127.0.0.1:4739"))
    with pytest.raises(TypeError, match="netflower.Ipfix"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "f.csv", ipfix="127.0.0.1:4739")
    assert not (tmp_path / "f.csv").exists()
