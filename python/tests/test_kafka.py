"""netflower.Kafka: flows from the Python package to a Kafka cluster
(librdkafka's mock cluster, tests/testing/kafka_mock, on 127.0.0.1),
consumed by an independent client (Debian's python3-confluent-kafka)."""
import csv
import json
import os
import pathlib
import subprocess
import time

import confluent_kafka  # installed by tools/install_deps.sh: never skipped
import pytest

import netflower

# The repository's test data, wherever the tests run from (an installed
# package is tested from outside the source tree).
TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"

WEB = TESTDATA / "loopback-web.pcap"
MOCK = os.environ["NETFLOWER_KAFKA_MOCK"]


@pytest.fixture(scope="module")
def brokers(tmp_path_factory):
    ready = tmp_path_factory.mktemp("kafka") / "brokers"
    # Stops by itself when its standard input closes (the end of this module).
    mock = subprocess.Popen([MOCK, "--ready", str(ready), "--lifetime", "300"],
                            stdin=subprocess.PIPE)
    for _ in range(100):
        if ready.exists() and ready.read_text().strip():
            break
        time.sleep(0.05)
    yield ready.read_text().strip()
    mock.stdin.close()
    mock.wait(timeout=10)


def consume(brokers, topic):
    consumer = confluent_kafka.Consumer({"bootstrap.servers": brokers, "group.id": topic,
                                         "auto.offset.reset": "earliest",
                                         "enable.partition.eof": True})
    consumer.subscribe([topic])
    messages, eof, deadline = [], set(), time.monotonic() + 20
    while time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                eof.add(m.partition())
                if len(eof) == len(consumer.assignment()):
                    break
                continue
            raise RuntimeError(m.error())
        messages.append((m.key().decode(), json.loads(m.value())))
    consumer.close()
    return messages


def test_every_flow_arrives_once_with_its_key(brokers, tmp_path):
    out = tmp_path / "w.csv"
    rows, stats = netflower.convert_pcap_to_csv(
        WEB, out, compat="none", kafka=netflower.Kafka(brokers, "py-flows"), return_stats=True)
    assert stats["kafka"]["delivered"] == rows == stats["kafka"]["produced"]
    assert stats["kafka"]["failed"] == stats["kafka"]["undelivered"] == 0
    messages = consume(brokers, "py-flows")
    with open(out, newline="") as f:
        csv_rows = list(csv.DictReader(f))
    assert len(messages) == len(csv_rows) == rows
    by_ports = {(r["src_ip"], r["src_port"], r["dst_port"], r["timestamp"]): r for r in csv_rows}
    for key, flow in messages:
        row = by_ports[(flow["src_ip"], str(flow["src_port"]), str(flow["dst_port"]),
                        repr(flow["timestamp"]))]
        assert repr(flow["flow_duration"]) == row["flow_duration"]
        ends = sorted([(flow["src_ip"], flow["src_port"]), (flow["dst_ip"], flow["dst_port"])])
        assert key == f"{ends[0][0]}-{ends[1][0]}-{ends[0][1]}-{ends[1][1]}-{flow['protocol']}"


def test_kafka_only_returns_the_flows_delivered(brokers):
    rows = netflower.convert_pcap_to_csv(WEB, None, columns="cic-ids2017",
                                         kafka=netflower.Kafka(brokers, "py-cic",
                                                               {"compression.type": "zstd"}))
    messages = consume(brokers, "py-cic")
    assert len(messages) == rows > 0
    assert " Fwd Header Length.1" in messages[0][1] and messages[0][1][" Label"] == "BENIGN"


def test_an_unreachable_cluster_raises_connection_error(tmp_path):
    with pytest.raises(ConnectionError, match="127.0.0.1:1"):
        netflower.convert_pcap_to_csv(WEB, tmp_path / "x.csv",
                                      kafka=netflower.Kafka("127.0.0.1:1", "t"))
    assert not (tmp_path / "x.csv").exists()


def test_bad_kafka_arguments_name_the_cause():
    with pytest.raises(ValueError, match="needs kafka"):
        netflower.convert_pcap_to_csv(WEB, None)
    with pytest.raises(TypeError, match="netflower.Kafka"):
        netflower.convert_pcap_to_csv(WEB, None, kafka="127.0.0.1:9092")
    with pytest.raises(ValueError, match="compression.type=brotli"):
        netflower.convert_pcap_to_csv(
            WEB, None, kafka=netflower.Kafka("127.0.0.1:9092", "t", {"compression.type": "brotli"}))


def test_capture_live_to_kafka(brokers, tmp_path):
    from test_live import udp_flows, veth_namespace
    with veth_namespace() as host:
        csv_path = tmp_path / "live.csv"
        with netflower.capture_live(host, None, idle_timeout=0.3, csv_path=csv_path,
                                    kafka=netflower.Kafka(brokers, "py-live")) as capture:
            capture.start()
            time.sleep(0.5)
            udp_flows(5)
            time.sleep(1.0)
        stats = capture.stats
        assert stats["kafka"]["delivered"] == stats["flows_written"] >= 5
        messages = consume(brokers, "py-live")
        ports = sorted(f["src_port"] for _, f in messages if f["dst_port"] == 9)
        assert ports == list(range(47000, 47005))
