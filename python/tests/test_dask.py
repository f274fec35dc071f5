"""netflower.dask on a real Dask cluster: a distributed.LocalCluster with two
worker processes on 127.0.0.1, closed at the end of the module."""
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time

import pytest

import distributed  # installed by tools/install_deps.sh: never skipped

import netflower
from netflower.dask import convert_files

# The repository's test data, wherever the tests run from (an installed
# package is tested from outside the source tree).
TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"

WEB = TESTDATA / "loopback-web.pcap"
NF = os.environ["NETFLOWER_BIN"]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def captures(tmp_path, n):
    paths = []
    for i in range(n):
        p = tmp_path / f"c{i}.pcap"
        shutil.copy(WEB, p)
        paths.append(p)
    return paths


def test_each_file_equals_the_clis_conversion(client, tmp_path):
    paths = captures(tmp_path, 4)
    out = tmp_path / "out"
    out.mkdir()
    rows = convert_files(paths, out, client=client, compat="none")
    expected = subprocess.run([NF, "--pcap", str(WEB), "--quiet"], check=True,
                              capture_output=True).stdout
    assert list(rows) == [str(p) for p in paths]
    for p in paths:
        assert (out / (p.name + ".csv")).read_bytes() == expected
        assert rows[str(p)] == expected.count(b"\n") - 1


def test_a_failed_file_raises_after_the_others_are_written(client, tmp_path):
    paths = captures(tmp_path, 2)
    bad = tmp_path / "bad.pcap"
    bad.write_text("not a capture")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Exception, match="bad.pcap"):
        convert_files([paths[0], bad, paths[1]], out, client=client, compat="none")
    assert sorted(p.name for p in out.iterdir()) == ["c0.pcap.csv", "c1.pcap.csv"]


def test_a_worker_killed_mid_file_is_retried_and_leaves_no_partial_csv(client, tmp_path):
    # The input is first a pipe that gives the capture's header and then
    # nothing: the task blocks inside the conversion. The path is then
    # replaced by the real capture (the blocked task keeps its pipe), the
    # worker is killed with SIGKILL, and Dask reruns the task, which reads
    # the real capture; the dead attempt's temporary file is removed.
    path = tmp_path / "slow.pcap"
    os.mkfifo(path)
    data = WEB.read_bytes()
    killed = threading.Event()

    def feed_header_then_wait():
        with open(path, "wb") as f:
            f.write(data[:24])
            f.flush()
            killed.wait(30)

    out = tmp_path / "out"
    out.mkdir()
    threading.Thread(target=feed_header_then_wait, daemon=True).start()
    result = {}
    runner = threading.Thread(
        target=lambda: result.update(rows=convert_files([path], out, client=client,
                                                         compat="none")), daemon=True)
    runner.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(out.glob(".slow.pcap.csv.partial-*")):
        time.sleep(0.05)
    assert list(out.glob(".slow.pcap.csv.partial-*")), "the conversion did not start"
    busy = [w for w, tasks in client.processing().items() if tasks]
    assert len(busy) == 1
    os.unlink(path)
    shutil.copy(WEB, path)
    pid = client.run(os.getpid, workers=busy)[busy[0]]
    os.kill(pid, signal.SIGKILL)
    killed.set()
    runner.join(60)
    assert not runner.is_alive()
    expected = subprocess.run([NF, "--pcap", str(WEB), "--quiet"], check=True,
                              capture_output=True).stdout
    got = (out / "slow.pcap.csv").read_bytes()
    assert got == expected, (got.count(b"\n"), expected.count(b"\n"))
    assert sorted(p.name for p in out.iterdir()) == ["slow.pcap.csv"]  # no partial file left
    assert result["rows"][str(path)] == expected.count(b"\n") - 1
