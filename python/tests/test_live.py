"""capture_live (FLOW-RULES §2.2) across a veth pair into a network namespace
created here and removed afterwards. Needs root (CI runs as root)."""
import contextlib
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import netflower

# The repository's test data, wherever the tests run from (an installed
# package is tested from outside the source tree).
TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"

NS = f"nfpy{os.getpid()}"
HOST, PEER = f"nfpa{os.getpid()}", f"nfpb{os.getpid()}"


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


@contextlib.contextmanager
def veth_namespace():
    """The veth pair HOST (10.79.0.1) / PEER (10.79.0.2, in namespace NS),
    removed on exit; yields HOST."""
    if os.geteuid() != 0:
        pytest.fail("the live tests need root (CI runs as root)")
    sh("ip", "netns", "add", NS)
    try:
        sh("ip", "link", "add", HOST, "type", "veth", "peer", "name", PEER)
        sh("ip", "link", "set", PEER, "netns", NS)
        sh("ip", "addr", "add", "10.79.0.1/24", "dev", HOST)
        sh("ip", "link", "set", HOST, "up")
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", "10.79.0.2/24", "dev", PEER)
        sh("ip", "netns", "exec", NS, "ip", "link", "set", PEER, "up")
        yield HOST
    finally:
        subprocess.run(["ip", "link", "del", HOST], capture_output=True)
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


@pytest.fixture(scope="module")
def iface():
    with veth_namespace() as host:
        yield host


def udp_flows(n, first_port=47000):
    """n one-packet UDP flows from the namespace to the host side."""
    code = ("import socket\n"
            f"for p in range({first_port}, {first_port + n}):\n"
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "    s.bind(('10.79.0.2', p)); s.sendto(b'x' * 30, ('10.79.0.1', 9)); s.close()\n")
    sh("ip", "netns", "exec", NS, sys.executable, "-c", code)


def wait_for(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_on_flow_gets_dicts_and_the_context_manager_stops(iface):
    flows = []
    with netflower.capture_live(iface, flows.append, idle_timeout=0.2) as capture:
        capture.start()
        time.sleep(0.3)
        udp_flows(5)
        # Idle flows leave on the timer sweep, without stop().
        assert wait_for(lambda: len(flows) >= 5)
    mine = [f for f in flows if f["src_ip"] == "10.79.0.2" and f["protocol"] == 17]
    assert len(mine) == 5
    assert list(mine[0]) == [c.name for c in netflower.columns]
    assert mine[0]["totlen_fwd_pkts"] == 58  # IP length: 20 + 8 + 30
    assert isinstance(mine[0]["flow_duration"], float)


def test_open_flows_are_delivered_by_stop(iface):
    flows = []
    capture = netflower.capture_live(iface, flows.append, idle_timeout=60)
    capture.start()
    time.sleep(0.3)
    udp_flows(3, 47100)
    time.sleep(0.3)
    capture.stop()
    assert len([f for f in flows if f["src_ip"] == "10.79.0.2"]) == 3
    capture.stop()  # twice: nothing happens


def test_an_exception_in_on_flow_stops_the_capture_and_stop_raises_it(iface):
    class Boom(Exception):
        pass

    calls = []

    def on_flow(flow):
        calls.append(flow)
        raise Boom("from on_flow")

    capture = netflower.capture_live(iface, on_flow, idle_timeout=0.2)
    capture.start()
    time.sleep(0.3)
    udp_flows(4, 47200)
    assert wait_for(lambda: calls)
    time.sleep(0.5)
    with pytest.raises(Boom, match="from on_flow"):
        capture.stop()
    assert len(calls) == 1  # no call after the exception
    capture.stop()  # after an exception: safe, raises nothing more


def test_stop_from_inside_on_flow_and_from_another_thread(iface):
    holder = {}

    def on_flow(flow):
        holder["capture"].stop()  # inside on_flow: the capture stops itself

    holder["capture"] = netflower.capture_live(iface, on_flow, idle_timeout=0.2)
    holder["capture"].start()
    time.sleep(0.3)
    udp_flows(2, 47300)
    time.sleep(1.0)
    holder["capture"].stop()

    other = netflower.capture_live(iface, lambda f: None)
    other.start()
    t = threading.Thread(target=other.stop)
    t.start()
    t.join(10)
    assert not t.is_alive()
    other.stop()


def test_save_pcap_writes_each_flows_frames(iface, tmp_path):
    flows = []
    with netflower.capture_live(iface, flows.append, idle_timeout=0.2, save_pcap=True,
                                pcap_dir=tmp_path) as capture:
        capture.start()
        time.sleep(0.3)
        udp_flows(3, 47400)
        assert wait_for(lambda: len([f for f in flows if f["src_ip"] == "10.79.0.2"]) >= 3)
    assert capture.stats["pcap_files_written"] >= 3
    names = [p.name for p in tmp_path.iterdir()]
    for port in (47400, 47401, 47402):
        assert any(n.startswith(f"10.79.0.2-{port}-10.79.0.1-9-17-") for n in names), names


def test_arguments_and_errors_as_netflower_1_0():
    with pytest.raises(ValueError, match="pcap_dir"):
        netflower.capture_live("lo", print, save_pcap=True)
    with pytest.raises(FileNotFoundError, match="nfnosuch0"):
        netflower.capture_live("nfnosuch0", print)
    with pytest.raises(TypeError):
        netflower.capture_live("lo", 42)


def test_the_interpreter_exits_with_a_running_capture(iface):
    code = ("import netflower, time\n"
            f"c = netflower.capture_live({iface!r}, lambda f: None)\n"
            "c.start()\n"
            "time.sleep(0.2)\n")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), timeout=20,
                          capture_output=True)
    assert done.returncode == 0, done.stderr


def test_without_cap_net_raw_permission_error_says_how_to_grant_it(tmp_path_factory):
    # As user nobody, with the package copied where nobody can read it.
    import shutil
    import tempfile
    site = tempfile.mkdtemp(prefix="nf-py-")
    os.chmod(site, 0o755)
    shutil.copytree(os.path.dirname(netflower.__file__), os.path.join(site, "netflower"))
    for root, dirs, files in os.walk(site):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    if subprocess.run([*as_nobody, "-c", "pass"], capture_output=True).returncode != 0:
        shutil.rmtree(site)
        # pyenv's interpreters live under /root (mode 0700): nobody cannot
        # start them. Debian's python3 runs this test in every suite.
        pytest.skip(f"user nobody cannot run {sys.executable}")
    try:
        code = ("import netflower\n"
                "try:\n"
                "    netflower.capture_live('lo', print)\n"
                "except PermissionError as e:\n"
                "    print('PermissionError:', e)\n")
        done = subprocess.run([*as_nobody, "-c", code], env=dict(os.environ, PYTHONPATH=site),
                              capture_output=True, text=True, timeout=20, cwd="/")
        assert "PermissionError:" in done.stdout, done.stderr
        assert "setcap" in done.stdout
    finally:
        shutil.rmtree(site)


def test_a_cic_layout_live_goes_to_csv_path(iface, tmp_path):
    out = tmp_path / "cic.csv"
    with netflower.capture_live(iface, None, columns="cic-ids2017", label="Lab",
                                csv_path=out) as capture:
        capture.start()
        time.sleep(0.3)
        udp_flows(2, 47500)  # one packet each: not written (CICFlowMeter writes 2+)
        code = ("import socket\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "s.bind(('10.79.0.2', 47600))\n"
                "for _ in range(3): s.sendto(b'y' * 10, ('10.79.0.1', 9))\n")
        sh("ip", "netns", "exec", NS, sys.executable, "-c", code)
        time.sleep(0.3)
    lines = out.read_text().splitlines()
    header = TESTDATA / "cic" / "cic-ids2017-trafficlabelling.csv-header"
    assert lines[0] == header.read_text().rstrip("\n")
    rows = [line.split(",") for line in lines[1:] if ",47600," in line]
    assert len(rows) == 1
    assert rows[0][-1] == "Lab"
    assert rows[0][8] == "3"  # Total Fwd Packets
    with pytest.raises(ValueError, match="on_flow"):
        netflower.capture_live(iface, print, columns="cic-ids2017", csv_path=out)


def test_interim_reports_splt_and_save_pcap_live(iface, tmp_path):
    # FLOW-RULES §14, §15: an open flow is handed to on_flow every 0.5 s of
    # its life (export_reason "interim"), then once more at its end with its
    # SPLT lists; save_pcap writes its frames once, all of them, with the end.
    flows = []
    code = ("import socket, time\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('10.79.0.2', 47600))\n"
            "for _ in range(10):\n"
            "    s.sendto(b'x' * 30, ('10.79.0.1', 9)); time.sleep(0.2)\n")
    with netflower.capture_live(iface, flows.append, idle_timeout=60, interim=0.5, splt=4,
                                save_pcap=True, pcap_dir=tmp_path) as capture:
        capture.start()
        time.sleep(0.3)
        sh("ip", "netns", "exec", NS, sys.executable, "-c", code)
        time.sleep(0.3)
    mine = [f for f in flows if f["src_port"] == 47600]
    interim = [f for f in mine if f["export_reason"] == "interim"]
    final = [f for f in mine if f["export_reason"] != "interim"]
    assert len(interim) >= 2 and len(final) == 1, [f["export_reason"] for f in mine]
    counts = [f["tot_fwd_pkts"] for f in interim]
    assert counts == sorted(counts) and counts[-1] <= 10
    assert final[0]["export_reason"] == "end" and final[0]["tot_fwd_pkts"] == 10
    assert final[0]["splt_ip_len"] == [58, 58, 58, 58]
    assert capture.stats["interim_rows"] == len([f for f in flows
                                                 if f["export_reason"] == "interim"])
    files = [p for p in tmp_path.iterdir() if p.name.startswith("10.79.0.2-47600-")]
    assert len(files) == 1
    assert files[0].stat().st_size == 24 + 10 * (16 + 14 + 58)  # every frame, once


def test_dpi_labels_live_beside_save_pcap(iface, tmp_path):
    # FLOW-RULES §16: live, nDPI reads each packet's IP bytes, which the
    # worker finds inside save_pcap's frame records: a DNS query is named
    # DNS with its name, and its frames are still written whole.
    flows = []
    query = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x04live\x07example\x03org\x00\x00\x01\x00\x01")
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('10.79.0.2', 47700))\n"
            f"s.sendto({query!r}, ('10.79.0.1', 53))\n")
    with netflower.capture_live(iface, flows.append, idle_timeout=0.2, dpi=True,
                                save_pcap=True, pcap_dir=tmp_path) as capture:
        capture.start()
        time.sleep(0.3)
        sh("ip", "netns", "exec", NS, sys.executable, "-c", code)
        assert wait_for(lambda: any(f["src_port"] == 47700 for f in flows))
    mine = [f for f in flows if f["src_port"] == 47700]
    assert len(mine) == 1
    assert mine[0]["application_name"] == "DNS"
    assert mine[0]["requested_server_name"] == "live.example.org"
    assert mine[0]["application_confidence"] == "DPI"
    files = [p for p in tmp_path.iterdir() if p.name.startswith("10.79.0.2-47700-")]
    assert len(files) == 1
    assert files[0].stat().st_size == 24 + 16 + 14 + 20 + 8 + len(query)
