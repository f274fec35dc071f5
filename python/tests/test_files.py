"""The Python package on captures: netflower 1.0's API (FLOW-RULES §2.1) and
what goes beyond it, checked against the command line's output."""
import os
import pathlib
import signal
import struct
import subprocess
import threading
import time

import pytest

import netflower

# The repository's test data, wherever the tests run from (an installed
# package is tested from outside the source tree).
TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"

DATA = TESTDATA
WEB = DATA / "loopback-web.pcap"
NF = os.environ["NETFLOWER_BIN"]


def cli(*args):
    return subprocess.run([NF, *map(str, args), "--quiet"], check=True,
                          capture_output=True).stdout


def test_convert_pcap_to_csv_writes_netflower_1_0_bytes_by_default(tmp_path):
    # FLOW-RULES §2.1: convert_pcap_to_csv(...) returns the data rows; the
    # default is 1.0's profile (--compat=python).
    out = tmp_path / "flows.csv"
    rows = netflower.convert_pcap_to_csv(str(WEB), str(out))
    expected = cli("--pcap", WEB, "--compat=python")
    assert out.read_bytes() == expected
    assert rows == expected.count(b"\r\n") - 1


def test_compat_none_pathlike_and_jobs_give_the_clis_bytes(tmp_path):
    expected = cli("--pcap", WEB)
    for jobs in (1, 2, -1):
        out = tmp_path / f"j{jobs}.csv"
        netflower.convert_pcap_to_csv(WEB, out, n_jobs=jobs, compat="none")
        assert out.read_bytes() == expected


def test_1_0_arguments_keep_their_meaning(tmp_path):
    # flow_timeout is the idle timeout in file conversion (FLOW-RULES §2.1).
    out = tmp_path / "t.csv"
    netflower.convert_pcap_to_csv(WEB, out, 0.5, 10, 7, 1)
    assert out.read_bytes() == cli("--pcap", WEB, "--compat=python", "--idle-timeout", "0.5",
                                   "--gc-interval", "10")


def test_bad_arguments_raise_value_error_and_write_nothing(tmp_path):
    out = tmp_path / "x.csv"
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        netflower.convert_pcap_to_csv(WEB, out, n_jobs=0)
    with pytest.raises(ValueError, match="gc_interval"):
        netflower.convert_pcap_to_csv(WEB, out, gc_interval=0)
    with pytest.raises(ValueError, match="columns must be one of"):
        netflower.convert_pcap_to_csv(WEB, out, columns="cic-ids2019")
    with pytest.raises(ValueError, match="does not apply"):
        netflower.convert_pcap_to_csv(WEB, out, columns="cic-ids2017", compat="python")
    with pytest.raises(TypeError):
        netflower.convert_pcap_to_csv(WEB, 42)
    assert not out.exists()


def test_missing_capture_is_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pcap"):
        netflower.convert_pcap_to_csv(tmp_path / "nope.pcap", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_unwritable_output_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "no-such-dir" / "x.csv")


def test_cic_layouts_and_json_lines_match_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    out = tmp_path / "cic.csv"
    netflower.convert_pcap_to_csv(WEB, out, columns="cic-ids2017", label="Web")
    assert out.read_bytes() == cli("--pcap", WEB, "--columns", "cic-ids2017", "--label", "Web")
    jl = tmp_path / "f.jsonl"
    netflower.convert_pcap_to_csv(WEB, jl, format="jsonl", compat="none")
    assert jl.read_bytes() == cli("--pcap", WEB, "--format", "jsonl")


def test_labels_follow_the_clis_one_rule(tmp_path):
    # Issue 23, item 3: Python takes labels by the rule the CLI and the
    # library use: quoted as RFC 4180 says, refused with ValueError when
    # they could break a row.
    out = tmp_path / "q.csv"
    netflower.convert_pcap_to_csv(WEB, out, columns="cic-ids2017", label='a,"b"')
    assert out.read_bytes() == cli("--pcap", WEB, "--columns", "cic-ids2017", "--label", 'a,"b"')
    assert out.read_bytes().splitlines()[1].endswith(b',"a,""b"""')
    bad = tmp_path / "bad.csv"
    for label, why in (("x\ny", "control character U\\+000A"), ("A" * 257, "at most 256"),
                       ("  ", "spaces only"), ("", "empty")):
        with pytest.raises(ValueError, match=why):
            netflower.convert_pcap_to_csv(WEB, bad, columns="cic-ids2017", label=label)
    rules = tmp_path / "rules.csv"
    rules.write_text("src,dst,src_port,dst_port,protocol,start,end,label\n"
                     "*,*,*,*,*,2017-07-07T15:30:00,,x\n")
    with pytest.raises(ValueError, match="rules.csv:2: start"):
        netflower.convert_pcap_to_csv(WEB, bad, columns="cic-ids2017", labels=rules)
    assert not bad.exists()


def csv_rows():
    lines = cli("--pcap", WEB).decode().splitlines()
    header = lines[0].split(",")
    return header, [line.split(",") for line in lines[1:]]


def test_iter_flows_gives_dicts_whose_values_print_as_the_csv():
    header, rows = csv_rows()
    flows = list(netflower.iter_flows(WEB))
    assert len(flows) == len(rows)
    for flow, row in zip(flows, rows):
        assert list(flow) == header
        for value, text in zip(flow.values(), row):
            # ints and strs print as the CSV; floats with repr (FLOW-RULES §8.3).
            assert (repr(value) if isinstance(value, float) else str(value)) == text
    assert isinstance(flows[0]["src_port"], int)
    assert isinstance(flows[0]["flow_duration"], float)
    assert isinstance(flows[0]["src_ip"], str)


def test_stopping_an_iteration_stops_the_conversion():
    it = netflower.iter_flows(WEB)
    first = next(it)
    assert "src_ip" in first
    started = time.monotonic()
    it.close()
    assert time.monotonic() - started < 5


def test_read_flows_is_a_typed_dataframe_equal_to_iter_flows():
    import pandas  # installed by tools/install_deps.sh: never skipped
    df = netflower.read_flows(WEB)
    flows = list(netflower.iter_flows(WEB))
    assert list(df.columns) == [c.name for c in netflower.columns] + ["timestamp_datetime"]
    assert len(df) == len(flows)
    assert str(df["tot_fwd_pkts"].dtype) == "int64"
    assert str(df["flow_duration"].dtype) == "float64"
    assert str(df["timestamp_datetime"].dtype) == "datetime64[ns, UTC]"
    for i, flow in enumerate(flows):
        for name, value in flow.items():
            assert df[name].iloc[i] == value, name
    micros = round(flows[0]["timestamp"] * 1e6)
    assert df["timestamp_datetime"].iloc[0] == pandas.Timestamp(micros, unit="us", tz="UTC")


def test_columns_and_version():
    assert len(netflower.columns) == 82
    assert netflower.columns[0][:2] == ("src_ip", "str")
    assert netflower.columns[6].name == "flow_duration"
    assert netflower.columns[6].type == "float"
    assert netflower.columns[6].unit == "s"
    assert netflower.columns[15].type == "int|float"  # fwd_pkt_len_max
    assert netflower.__version__.startswith("2.")


def test_ctrl_c_interrupts_a_conversion_promptly_and_leaves_no_file(tmp_path):
    # The input is a pipe that gets a pcap header and then nothing: the
    # conversion waits for packets until SIGINT.
    fifo = tmp_path / "in.pcap"
    os.mkfifo(fifo)
    out = tmp_path / "out.csv"

    def feed():
        with open(fifo, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            f.flush()
            time.sleep(5)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    main = threading.get_ident()
    threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT)).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        netflower.convert_pcap_to_csv(fifo, out)
    assert time.monotonic() - started < 2.5
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.pcap"]  # no temporary file either


def test_the_run_summary_is_a_return_option(tmp_path):
    rows, stats = netflower.convert_pcap_to_csv(WEB, tmp_path / "s.csv", return_stats=True)
    assert stats["packets_read"] == 564
    assert stats["packets_read"] == stats["packets_accepted"] + stats["packets_skipped"]
    assert stats["flows_written"] == rows
    assert sum(stats["flows_by_reason"].values()) == stats["flows_completed"]
    assert stats["csv_written_with"] in ("io_uring", "write(2)")
    frame, stats = netflower.read_flows(WEB, return_stats=True)
    assert stats["flows_completed"] == len(frame)
    assert stats["csv_written_with"] == ""  # no CSV: the rows went to the frame


SHARED = os.environ.get("NETFLOWER_SHARED_DIR")


@pytest.mark.skipif(not SHARED, reason="the shared corpus is not next to this checkout")
def test_shared_goldens_in_both_profiles(tmp_path):
    # The python profile: the goldens, byte for byte; the default profile:
    # the CLI's bytes; and iter_flows: the CLI's rows, field by field.
    goldens = sorted(pathlib.Path(SHARED, "golden", "python").glob("*.csv"))
    assert goldens
    for golden in goldens:
        capture = pathlib.Path(SHARED, "pcaps", golden.name[:-len(".csv")])
        out = tmp_path / "p.csv"
        netflower.convert_pcap_to_csv(capture, out)
        assert out.read_bytes() == golden.read_bytes(), golden.name
        netflower.convert_pcap_to_csv(capture, out, compat="none")
        expected = cli("--pcap", capture)
        assert out.read_bytes() == expected, golden.name
        lines = expected.decode().splitlines()[1:]
        flows = list(netflower.iter_flows(capture))
        assert len(flows) == len(lines), golden.name  # (not zip's strict=: Python 3.10+)
        for flow, line in zip(flows, lines):
            text = [repr(v) if isinstance(v, float) else str(v) for v in flow.values()]
            assert text == line.split(","), golden.name


def test_read_flows_without_pandas_says_what_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ImportError, match="python3-pandas"):
        netflower.read_flows(WEB)
    assert len(list(netflower.iter_flows(WEB))) == 39  # the rest works without it


TUNNELS = TESTDATA / "tunnels" / "tunnels.pcap"


def test_tunnels_inner_by_default_outer_on_request(tmp_path):
    # docs/DECODING.md: the default profile makes flows of the inner packets.
    inner = {(f["src_ip"], f["dst_port"]) for f in netflower.iter_flows(TUNNELS)}
    assert ("10.1.0.1", 80) in inner and ("2001:db8:6::1", 443) in inner
    outer = {(f["src_ip"], f["dst_port"]) for f in netflower.iter_flows(TUNNELS, tunnels="outer")}
    assert ("172.16.0.1", 6081) in outer and ("10.1.0.1", 80) not in outer
    out = tmp_path / "t.csv"
    netflower.convert_pcap_to_csv(TUNNELS, out, compat="none")
    assert out.read_bytes() == (TESTDATA / "tunnels" / "tunnels.csv").read_bytes()
    # netflower 1.0 (the python profile) read the outer packet, whatever is asked.
    netflower.convert_pcap_to_csv(TUNNELS, out)
    assert b"\n10.1.0.1," not in out.read_bytes()
    with pytest.raises(ValueError, match="tunnels"):
        netflower.convert_pcap_to_csv(TUNNELS, out, compat="none", tunnels="both")


def test_netflower_tunnel_columns_name_each_flows_tunnel(tmp_path):
    # docs/COLUMNS.md, "netflower-tunnel": the 82, then the outermost tunnel of
    # the flow's first packet; the CLI's golden bytes.
    out = tmp_path / "t.csv"
    netflower.convert_pcap_to_csv(TUNNELS, out, columns="netflower-tunnel")
    golden = TESTDATA / "tunnels" / "tunnels.tunnel-columns.csv"
    assert out.read_bytes() == golden.read_bytes()
    flows = list(netflower.iter_flows(TUNNELS, columns="netflower-tunnel"))
    assert list(flows[0])[-2:] == ["tunnel_type", "tunnel_id"] == [
        c.name for c in netflower.tunnel_columns]
    tags = {(f["src_ip"], f["dst_port"]): (f["tunnel_type"], f["tunnel_id"]) for f in flows}
    assert tags[("10.1.0.1", 80)] == ("geneve", 119)
    assert tags[("10.5.0.1", 80)] == ("erspan", 5)
    assert tags[("10.7.0.1", 80)] == ("ipip", None)
    assert tags[("172.16.0.1", 4789)] == ("", None)  # not opened: an ordinary UDP flow
    assert "tunnel_type" not in next(netflower.iter_flows(TUNNELS))  # the 82 alone
    import pandas  # installed by tools/install_deps.sh: never skipped
    frame = netflower.read_flows(TUNNELS, columns="netflower-tunnel")
    assert list(frame.columns[82:84]) == ["tunnel_type", "tunnel_id"]
    assert str(frame["tunnel_id"].dtype) == "Int64"
    assert [(t, None if i is pandas.NA else i)
            for t, i in zip(frame["tunnel_type"], frame["tunnel_id"])] == [
        (f["tunnel_type"], f["tunnel_id"]) for f in flows]
    for bad in (dict(compat="python"), dict(tunnels="outer")):
        with pytest.raises(ValueError, match="netflower-tunnel"):
            netflower.convert_pcap_to_csv(TUNNELS, tmp_path / "x.csv", columns="netflower-tunnel",
                                          **bad)
        assert not (tmp_path / "x.csv").exists()
    with pytest.raises(ValueError, match="netflower-tunnel"):
        next(netflower.iter_flows(TUNNELS, columns="cic-ids2017"))


def test_interim_reports_and_export_reason(tmp_path):
    # FLOW-RULES §14 and docs/COLUMNS.md: export_reason after all the other
    # columns; interim rows (an open flow's values so far) are written and
    # handed over like the others but not counted as flows; final rows are
    # the run's without interim reports. The CLI's bytes.
    out = tmp_path / "i.csv"
    rows, stats = netflower.convert_pcap_to_csv(WEB, out, interim=0.002, return_stats=True)
    assert out.read_bytes() == cli("--pcap", WEB, "--interim", "0.002")
    lines = out.read_text().splitlines()
    assert lines[0].endswith(",export_reason")
    interim = [line for line in lines[1:] if line.endswith(",interim")]
    assert interim and rows == 39 == len(lines) - 1 - len(interim)
    assert stats["interim_rows"] == len(interim) and stats["flows_written"] == 39
    reasons = tmp_path / "r.csv"
    assert netflower.convert_pcap_to_csv(WEB, reasons, export_reason=True) == 39
    assert [line for line in lines if not line.endswith(",interim")] == \
        reasons.read_text().splitlines()
    flows = list(netflower.iter_flows(WEB, interim=0.002))
    assert list(flows[0])[-1] == "export_reason" == netflower.export_reason_column.name
    assert [f["export_reason"] for f in flows] == [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert {f["export_reason"] for f in flows} <= {"fin", "rst", "idle", "end", "interim"}
    frame = netflower.read_flows(WEB, interim=0.002)
    assert list(frame.columns)[82] == "export_reason"
    assert list(frame["export_reason"]) == [f["export_reason"] for f in flows]
    assert "export_reason" not in next(netflower.iter_flows(WEB))  # the 82 alone
    with pytest.raises(ValueError, match="interim reports belong to the default profile"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", interim=5, compat="python")
    with pytest.raises(ValueError, match="interim must be > 0"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", interim=0)
    with pytest.raises(TypeError, match="export_reason must be a bool"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", export_reason="yes")
    with pytest.raises(TypeError, match="interim must be a number"):
        list(netflower.iter_flows(WEB, interim="10"))
    assert not (tmp_path / "x.csv").exists()


def test_dpi_labels(tmp_path):
    # FLOW-RULES §16: nDPI's labels as str in dicts and frames, the CLI's
    # bytes in the CSV, before the SPLT columns.
    out = tmp_path / "d.csv"
    assert netflower.convert_pcap_to_csv(WEB, out, dpi=True) == 39
    assert out.read_bytes() == cli("--pcap", WEB, "--dpi")
    names = [c.name for c in netflower.dpi_columns]
    assert names == ["application_name", "application_category", "application_confidence",
                     "requested_server_name", "ja3_client", "ja3_server"]
    assert all(c.type == "str" and c.meaning for c in netflower.dpi_columns)
    flows = list(netflower.iter_flows(WEB, dpi=True, splt=2))
    assert list(flows[0])[82:88] == names and list(flows[0])[88] == "splt_ip_len"
    http = [f for f in flows if f["application_name"] == "HTTP"]
    assert http and all(f["requested_server_name"] == "bench" for f in http)  # its Host
    assert all(isinstance(f[n], str) for f in flows for n in names)
    frame = netflower.read_flows(WEB, dpi=True)
    assert list(frame.columns)[82:88] == names
    assert list(frame["application_name"]) == [f["application_name"] for f in flows]
    with pytest.raises(TypeError, match="dpi must be a bool"):
        list(netflower.iter_flows(WEB, dpi=1))
    with pytest.raises(ValueError, match="application labels .dpi. belong to the default"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", dpi=True, compat="python")
    assert not (tmp_path / "x.csv").exists()


def test_splt_lists(tmp_path):
    # docs/COLUMNS.md, "--splt N": lists in on_flow/iter_flows, numpy int64
    # arrays in read_flows, JSON arrays in the CSV (the CLI's bytes).
    out = tmp_path / "s.csv"
    assert netflower.convert_pcap_to_csv(WEB, out, splt=4) == 39
    assert out.read_bytes() == cli("--pcap", WEB, "--splt", "4")
    names = [c.name for c in netflower.splt_columns]
    assert names == ["splt_ip_len", "splt_iat_us", "splt_tcp_flags"]
    flows = list(netflower.iter_flows(WEB, splt=4, export_reason=True))
    assert list(flows[0])[-4:] == names + ["export_reason"]
    first = flows[0]
    assert first["splt_ip_len"][:2] == [60, -60] and first["splt_tcp_flags"][:2] == [2, 18]
    assert first["splt_iat_us"][0] == 0 and all(isinstance(v, int) for v in first["splt_iat_us"])
    assert all(len(f["splt_ip_len"]) == min(4, f["tot_fwd_pkts"] + f["tot_bwd_pkts"])
               for f in flows)
    frame = netflower.read_flows(WEB, splt=4)
    assert list(frame.columns)[82:85] == names
    import numpy
    assert isinstance(frame["splt_ip_len"][0], numpy.ndarray)
    assert frame["splt_ip_len"][0].dtype == numpy.int64
    assert [list(a) for a in frame["splt_iat_us"]] == [f["splt_iat_us"] for f in flows]
    with pytest.raises(ValueError, match="splt must be 1 to 255"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", splt=256)
    with pytest.raises(TypeError, match="splt must be an int"):
        list(netflower.iter_flows(WEB, splt=4.0))
    with pytest.raises(ValueError, match="SPLT columns belong to the default profile"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv", splt=4, compat="python")
    assert not (tmp_path / "x.csv").exists()
