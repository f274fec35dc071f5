"""netflower: bidirectional network flows with CICFlowMeter-style features.

A drop-in for netflower 1.0's API on the C++ engine, and more:

    from netflower import convert_pcap_to_csv, capture_live
    rows = convert_pcap_to_csv("trace.pcap", "flows.csv")

    def on_flow(flow):            # a dict: the 82 columns, in CSV order
        print(flow["src_ip"], flow["flow_duration"])

    with capture_live("eth0", on_flow) as capture:
        capture.start()
        ...                       # leaving the block stops the capture

    for flow in iter_flows("trace.pcap"):       # bounded memory
        ...
    df = read_flows("trace.pcap")               # a pandas DataFrame

    # every flow also to Kafka, one JSON message per flow (None: Kafka only)
    convert_pcap_to_csv("trace.pcap", None, kafka=Kafka("broker:9092", "flows"))
    # ... or to an IPFIX collector (nfcapd, pmacct, ipfixcol2, ...)
    convert_pcap_to_csv("trace.pcap", None, ipfix=Ipfix("collector:4739"))

Conversions and captures run in C++ with the GIL released; ``on_flow`` is
called on one delivery thread with the GIL taken once per batch of flows.
Errors are Python exceptions with the engine's message: FileNotFoundError,
PermissionError (live capture without CAP_NET_RAW says how to grant it),
ValueError for bad arguments, ConnectionError when Kafka cannot be reached
or flows were not delivered to Kafka or the IPFIX collector, OSError
otherwise. Ctrl-C during a conversion
raises KeyboardInterrupt promptly and leaves no partial file.
"""

import atexit
import collections
import os

from netflower import _netflower

__all__ = [
    "CaptureHandle",
    "Ipfix",
    "Kafka",
    "capture_live",
    "columns",
    "convert_pcap_to_csv",
    "dpi_columns",
    "export_reason_column",
    "iter_flows",
    "read_flows",
    "splt_columns",
    "tunnel_columns",
]

__version__ = _netflower.version()


#: A column: ``name``; ``type``, the Python type of its value ("int",
#: "float", "str", or "int|float": an int, or the float 0.0 when the
#: statistic has no values, exactly as the CSV writes it); ``unit`` ("" if
#: none); ``meaning`` (docs/COLUMNS.md says more).
Column = collections.namedtuple("Column", "name type unit meaning")

#: The 82 columns in CSV order (Column: name, type, unit, meaning).
columns = tuple(Column(*c) for c in _netflower.column_list())

#: What ``columns="netflower-tunnel"`` adds after the 82 (docs/COLUMNS.md):
#: the outermost tunnel of each flow's first packet (Column; the id's type
#: "int|None": None when the tunnel has none).
tunnel_columns = tuple(Column(*c) for c in _netflower.tunnel_column_list())

#: What ``export_reason=True`` or ``interim=S`` adds after all the other
#: columns (docs/COLUMNS.md): why the row was written, one of "fin", "rst",
#: "idle", "active", "evicted", "end", "interim".
export_reason_column = Column(*_netflower.export_reason_column())

#: What ``splt=N`` adds after the 82 and the tunnel columns: the first N
#: packets' signed IP lengths, inter-arrival times (µs) and TCP flags, each a
#: list of int (numpy int64 arrays in read_flows).
splt_columns = tuple(Column(*c) for c in _netflower.splt_column_list())

#: What ``dpi=True`` adds after the 82 and the tunnel columns (before the
#: SPLT columns): nDPI's application name, category and confidence, the
#: requested server name (TLS SNI, HTTP Host, DNS query) and the JA3
#: fingerprints, each a str ("" when nDPI found none).
dpi_columns = tuple(Column(*c) for c in _netflower.dpi_column_list())

_COLUMN_SETS = tuple(_netflower.column_set_names())
_COLUMN_NAMES = tuple(c.name for c in columns)  # (read_flows' `columns` is the set's name)


class Kafka(collections.namedtuple("Kafka", "brokers topic options flush_timeout",
                                   defaults=(None, 30.0))):
    """Where flows go in Kafka: ``brokers`` ("host:port[,host:port...]"),
    ``topic``, ``options`` (librdkafka producer properties, str -> str,
    applied after netflower's defaults: acks=all, enable.idempotence=true,
    compression.type=lz4, linger.ms=20) and ``flush_timeout`` (seconds to
    wait for deliveries at the end).

    One message per flow: a JSON object (the JSON Lines row of the chosen
    columns), keyed by the flow's endpoints ("a-b-portA-portB-protocol",
    the smaller endpoint first, so both directions share a key and a
    partition). The cluster must answer for the topic before anything runs
    (else ConnectionError); at the end every delivery is awaited, counted in
    the stats' "kafka" dict, and a flow that failed or was not delivered
    raises ConnectionError naming the counts."""

    __slots__ = ()

    def _as_option(self):
        return dict(brokers=str(self.brokers), topic=str(self.topic),
                    settings={str(k): str(v) for k, v in (self.options or {}).items()},
                    flush_timeout_seconds=float(self.flush_timeout))


class Ipfix(collections.namedtuple(
        "Ipfix", "collector uniflow pen domain mtu template_interval flush_timeout",
        defaults=(False, None, 0, 1472, 10.0, 10.0))):
    """Where flows go over IPFIX (RFC 7011; docs/IPFIX.md): ``collector``
    ("host:port", "[ipv6]:port", with "/udp", the default, or "/tcp");
    ``uniflow`` (two records per flow instead of one RFC 5103 biflow
    record); ``pen`` (also export the statistics without a standard
    element as enterprise elements under this private enterprise number);
    ``domain`` (observation domain id); ``mtu`` (the longest message);
    ``template_interval`` (UDP: seconds between template resends) and
    ``flush_timeout`` (TCP: seconds to wait at the end).

    The collector's host must resolve (else ValueError). A collector that is
    down does not stop the run: records it refuses (UDP) or that overflow
    the buffer while it is away (TCP, which reconnects) are counted in the
    stats' "ipfix" dict as dropped, and the run then raises ConnectionError
    naming the counts."""

    __slots__ = ()

    def _as_option(self):
        return dict(collector=str(self.collector), uniflow=bool(self.uniflow),
                    pen=None if self.pen is None else _int(self.pen, "pen"),
                    domain=_int(self.domain, "domain"), mtu=_int(self.mtu, "mtu"),
                    template_interval=float(self.template_interval),
                    flush_timeout=float(self.flush_timeout))


def _int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Ipfix.{what} must be an int, not {type(value).__name__}")
    return value


def _ipfix_option(ipfix):
    if ipfix is None:
        return None
    if not isinstance(ipfix, Ipfix):
        raise TypeError(f"ipfix must be a netflower.Ipfix, not {type(ipfix).__name__}")
    return ipfix._as_option()


def _kafka_option(kafka):
    if kafka is None:
        return None
    if not isinstance(kafka, Kafka):
        raise TypeError(f"kafka must be a netflower.Kafka, not {type(kafka).__name__}")
    return kafka._as_option()


def _path(p, what):
    try:
        return os.fspath(p)
    except TypeError:
        raise TypeError(f"{what} must be a str or os.PathLike, not {type(p).__name__}") from None


def _seconds(value, what):
    if value is None:
        return None  # the library's default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds or None, not {type(value).__name__}")
    return float(value)


def _row_options(export_reason, interim, splt, dpi):
    """The export_reason, interim, splt and dpi options, checked for their
    types (the library checks the values: interim > 0, splt 1 to 255)."""
    for value, what in ((export_reason, "export_reason"), (dpi, "dpi")):
        if not isinstance(value, bool):
            raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    splt = _count(splt, "splt")
    return dict(export_reason=export_reason, interim=_seconds(interim, "interim"),
                splt=0 if splt is None else splt, dpi=dpi)


def _extra_names(columns, export_reason, interim, splt, dpi):
    """The names after the 82, in order (docs/COLUMNS.md)."""
    names = [c.name for c in tunnel_columns] if columns == "netflower-tunnel" else []
    if dpi:
        names += [c.name for c in dpi_columns]
    if splt is not None:
        names += [c.name for c in splt_columns]
    if export_reason or interim is not None:
        names.append(export_reason_column.name)
    return names


def _count(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int or None, not {type(value).__name__}")
    return value


def _jobs(n_jobs):
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int):
        raise TypeError(f"n_jobs must be an int, not {type(n_jobs).__name__}")
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0 (use 1, N, or -1 for all CPUs)")
    return n_jobs


def convert_pcap_to_csv(input_path, output_path, flow_timeout=None, gc_interval=None,
                        buffer_rows=500, n_jobs=1, *, compat=None, columns="netflower",
                        label=None, labels=None, cic_fixes=False, format="csv",
                        max_flows=None, kafka=None, ipfix=None, tunnels=None,
                        export_reason=False, interim=None, splt=None, dpi=False,
                        return_stats=False):
    """Converts the pcap/pcapng capture ``input_path`` to CSV at ``output_path``;
    returns the number of rows written.

    As netflower 1.0: ``flow_timeout`` is the idle timeout in seconds (None:
    120; file conversion has no duration cap), a sweep runs every
    ``gc_interval`` accepted packets (None: 1000), rows are written
    ``buffer_rows`` at a time (no effect
    on the content), ``n_jobs`` workers (0 raises ValueError, -1 = all CPUs,
    below -1 as joblib) never change the output. ``compat="python"`` (the
    default for the netflower columns) writes netflower 1.0's bytes;
    ``compat="none"`` the corrected profile (docs/FLOW-RULES.md).

    Beyond 1.0: ``columns="netflower-tunnel"`` adds ``tunnel_columns``
    after the 82 (the tunnel each flow was taken out of; needs
    ``compat="none"``, its default, and ``tunnels="inner"``);
    ``columns`` also picks a CIC layout ("cic-ids2017",
    "cic-ids2017-ml", "cse-cic-ids2018", "cicflowmeter-v4", "cicflowmeter";
    docs/CIC.md), with ``label``, ``labels`` (a rules file) and ``cic_fixes``;
    a CIC layout needs ``compat="none"``, has no idle timeout (leave
    ``flow_timeout`` and ``gc_interval`` None) and labels follow one rule
    (UTF-8, 1-256 bytes, no control characters; ValueError otherwise).
    ``format="jsonl"`` writes JSON Lines. ``max_flows`` bounds the flow
    table. ``tunnels`` (default profile only; None: "inner") makes flows of
    the packets inside VXLAN, GENEVE, GTP-U, GRE/ERSPAN, IP-in-IP, 6in4 and
    4in6 tunnels (docs/DECODING.md) with "inner", of the tunnel packets
    themselves with "outer"; the python profile and the CIC layouts always
    read the outer packet, and a value there raises ValueError.
    ``dpi=True`` adds ``dpi_columns``: what nDPI makes of each flow's first
    packets (the application, the requested server name, the JA3
    fingerprints; docs/FLOW-RULES.md §16). ``splt=N`` (1 to 255) adds
    ``splt_columns``, the first N packets of each flow (JSON arrays in the
    CSV).
    ``export_reason=True`` adds ``export_reason_column`` (why each row was
    written); ``interim=S`` (seconds > 0; implies it) also writes an open
    flow again, with its values so far and the reason "interim", whenever
    its last report is older than S (docs/FLOW-RULES.md §14; not with
    ``ipfix``): final rows are unchanged and interim rows are not counted
    in the return value. These four need ``compat="none"`` (the default
    when one is given) and a netflower column set.
    ``kafka=Kafka(brokers,
    topic)`` also sends every flow to Kafka (see Kafka), ``ipfix=Ipfix(
    "host:port")`` to an IPFIX collector (see Ipfix; not with a CIC
    layout); with ``output_path=None`` they are the only outputs and the
    return value is the number of flows delivered to Kafka (else exported
    over IPFIX).

    The CSV is written under a temporary name and renamed into place: on any
    error (or Ctrl-C) no file is left under ``output_path``. "-" is standard
    output for the path, standard input for the capture.

    ``return_stats=True`` returns ``(rows, stats)``, stats being the run's
    summary as a dict (packets read, accepted, skipped by reason, flows by
    end reason, peak open flows, seconds, warnings about damaged input...).
    """
    if columns not in _COLUMN_SETS:
        raise ValueError(f"columns must be one of {', '.join(_COLUMN_SETS)}, got {columns!r}")
    extra = _row_options(export_reason, interim, splt, dpi)
    if compat is None:
        plain = columns == "netflower" and not _extra_names(columns, export_reason, interim,
                                                            splt, dpi)
        compat = "python" if plain else "none"
    options = dict(**extra, idle_timeout=_seconds(flow_timeout, "flow_timeout"),
                   gc_interval=_count(gc_interval, "gc_interval"), buffer_rows=int(buffer_rows),
                   jobs=_jobs(n_jobs), compat=compat, columns=columns, label=label,
                   cic_fixes=bool(cic_fixes), format=format, max_flows=max_flows,
                   kafka=_kafka_option(kafka), ipfix=_ipfix_option(ipfix), tunnels=tunnels,
                   labels=None if labels is None else _path(labels, "labels"))
    if output_path is None and kafka is None and ipfix is None:
        raise ValueError("output_path=None needs kafka or ipfix (the only outputs)")
    output = "" if output_path is None else _path(output_path, "output_path")
    rows, stats = _netflower.convert(_path(input_path, "input_path"), output, options)
    return (rows, stats) if return_stats else rows


def _stream_options(flow_timeout, gc_interval, n_jobs, compat, active_timeout, max_flows,
                    tunnels, columns, export_reason, interim, splt, dpi):
    if columns not in ("netflower", "netflower-tunnel"):
        raise ValueError(f"iter_flows and read_flows give the netflower or netflower-tunnel "
                         f"columns, got {columns!r} (write a CIC layout with "
                         f"convert_pcap_to_csv(..., columns=...))")
    return dict(idle_timeout=_seconds(flow_timeout, "flow_timeout"),
                gc_interval=_count(gc_interval, "gc_interval"), jobs=_jobs(n_jobs),
                compat=compat, active_timeout=_seconds(active_timeout, "active_timeout"),
                max_flows=max_flows, columns=columns, tunnels=tunnels,
                **_row_options(export_reason, interim, splt, dpi))


def iter_flows(path, flow_timeout=None, gc_interval=None, n_jobs=1, *, compat="none",
               active_timeout=None, max_flows=None, tunnels=None, columns="netflower",
               export_reason=False, interim=None, splt=None, dpi=False):
    """Yields the flows of the capture at ``path`` as dicts (the 82 columns in
    CSV order; with ``columns="netflower-tunnel"`` then ``tunnel_columns``;
    with ``dpi`` then ``dpi_columns``, str; with ``splt`` then
    ``splt_columns``, lists of int; with ``export_reason``
    or ``interim`` then ``export_reason_column``),
    in CSV order, in bounded memory: the conversion runs ahead by at most a
    few thousand flows. Stopping the iteration (break, close(), garbage
    collection) stops the conversion. ``flow_timeout`` (the idle timeout),
    ``gc_interval``, ``n_jobs``, ``max_flows``, ``tunnels``, ``dpi``, ``splt``,
    ``export_reason`` and ``interim`` (interim rows are dicts like the others, ``export_reason``
    "interim") as in convert_pcap_to_csv; ``active_timeout`` caps a flow's
    duration (seconds; None: no cap); ``compat`` defaults to "none" (the
    corrected profile)."""
    stream = _netflower.FlowStream(
        _path(path, "path"),
        _stream_options(flow_timeout, gc_interval, n_jobs, compat, active_timeout, max_flows,
                        tunnels, columns, export_reason, interim, splt, dpi))
    try:
        while True:
            batch = stream.next_batch()
            if not batch:
                return
            yield from batch
    finally:
        stream.close()


def read_flows(path, flow_timeout=None, gc_interval=None, n_jobs=1, *, compat="none",
               active_timeout=None, max_flows=None, tunnels=None, columns="netflower",
               export_reason=False, interim=None, splt=None, dpi=False,
               return_stats=False):
    """Returns the flows of the capture at ``path`` (options as iter_flows:
    ``flow_timeout``, ``gc_interval``, ``n_jobs``, ``compat``,
    ``active_timeout``, ``max_flows``, ``tunnels``, ``columns``,
    ``dpi``: then the six label columns, str;
    ``splt``: then the SPLT columns, an int64 numpy array a flow;
    ``export_reason``, ``interim``: then an ``export_reason`` str column) as a pandas
    DataFrame: the 82 columns in
    CSV order with int64 counts, float64 statistics and str addresses (an
    empty direction's packet-length max/min is 0; with
    ``columns="netflower-tunnel"`` then ``tunnel_columns``, the id as a
    nullable Int64 column, <NA> where there is none), plus ``timestamp_datetime``
    (datetime64[ns], UTC, to the microsecond) next to the float ``timestamp``. The columns are
    built in C++, without a Python object per row (except the addresses).
    Needs pandas and numpy (Debian: python3-pandas). ``return_stats=True``
    returns ``(frame, stats)`` as convert_pcap_to_csv does."""
    try:
        import numpy  # noqa: F401
        import pandas
    except ImportError as e:
        raise ImportError(
            f"read_flows needs pandas and numpy ({e.name} is missing): install python3-pandas "
            "(Debian) or pandas") from e
    stream = _netflower.FlowStream(
        _path(path, "path"),
        _stream_options(flow_timeout, gc_interval, n_jobs, compat, active_timeout, max_flows,
                        tunnels, columns, export_reason, interim, splt, dpi))
    try:
        data = stream.columns()
        stats = stream.stats()
    finally:
        stream.close()
    names = list(_COLUMN_NAMES) + _extra_names(columns, export_reason, interim, splt, dpi)
    if columns == "netflower-tunnel":
        data["tunnel_id"] = pandas.array(data["tunnel_id"], dtype="Int64")  # None: <NA>
    frame = pandas.DataFrame(data, columns=names)
    # To the microsecond: a double of epoch seconds holds about that much.
    micros = (frame["timestamp"] * 1e6).round().astype("int64")
    frame["timestamp_datetime"] = pandas.to_datetime(micros, unit="us", utc=True)
    return (frame, stats) if return_stats else frame


class CaptureHandle:
    """A live capture (returned by capture_live). ``start()`` starts it,
    ``stop()`` stops it: the last flows are delivered, and an exception
    raised by ``on_flow`` (which stops the capture) is raised here. Using
    the handle as a context manager stops it on exit; entering does not
    start it. ``stop()`` is safe to call twice, from another thread or from
    inside ``on_flow``; at interpreter exit a running capture is stopped."""

    def __init__(self, native):
        self._native = native
        self._stopped = False

    def start(self):
        self._native.start()
        return self

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        _RUNNING.discard(self)
        self._native.stop()

    @property
    def stats(self):
        """The run's summary so far, as a dict: packets read, accepted and
        skipped by reason, flows completed (by end reason once stopped) and
        written, kernel drops, on_flow exceptions, flow pcaps written."""
        return self._native.stats()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False


_RUNNING = set()


def capture_live(interface, on_flow, idle_timeout=None, flow_timeout=None, save_pcap=False,
                 pcap_dir=None, *, compat="none", jobs=1, filter=None, promiscuous=False,
                 csv_path=None, packet_limit=0, format="csv", columns="netflower", label=None,
                 cic_fixes=False, kafka=None, ipfix=None, tunnels=None, export_reason=False,
                 interim=None, splt=None, dpi=False):
    """Prepares a live capture on ``interface`` (needs root or CAP_NET_RAW);
    returns a CaptureHandle, not yet started.

    As netflower 1.0: ``idle_timeout`` is the idle timeout (None: 30) and
    ``flow_timeout`` the duration cap (None: 120; seconds); ``on_flow(flow)`` gets each
    completed flow as a dict; ``save_pcap=True`` writes each flow's frames
    to ``pcap_dir`` (required then). Beyond: ``compat``, ``jobs`` (capture
    rings), a BPF ``filter``, ``promiscuous``, ``csv_path`` (also write the
    rows there, in ``format`` "csv" or "jsonl"), ``packet_limit``, and a CIC
    layout (``columns``, ``label``, ``cic_fixes``; docs/CIC.md), whose rows go
    to ``csv_path`` only: ``on_flow`` must then be None. ``kafka=Kafka(...)``
    also sends every flow to Kafka (see Kafka; stop() raises
    ConnectionError if flows were not delivered), ``ipfix=Ipfix(...)`` to an
    IPFIX collector (see Ipfix; stop() raises ConnectionError if records
    were dropped). ``tunnels`` as in
    convert_pcap_to_csv; ``columns="netflower-tunnel"`` adds
    ``tunnel_columns`` to the CSV and to each ``on_flow`` dict,
    ``dpi=True`` adds ``dpi_columns``,
    ``splt=N`` adds ``splt_columns``, ``export_reason=True`` adds
    ``export_reason_column``, and ``interim=S``
    (seconds) also hands ``on_flow`` each open flow's values so far every S
    seconds of its life (export_reason "interim"; not counted as flows).
    """
    if columns not in _COLUMN_SETS:
        raise ValueError(f"columns must be one of {', '.join(_COLUMN_SETS)}, got {columns!r}")
    if save_pcap and pcap_dir is None:
        raise ValueError("save_pcap=True needs pcap_dir, an existing directory")
    if on_flow is not None and not callable(on_flow):
        raise TypeError("on_flow must be callable")
    options = dict(idle_timeout=_seconds(idle_timeout, "idle_timeout"),
                   active_timeout=_seconds(flow_timeout, "flow_timeout"),
                   save_pcap=bool(save_pcap),
                   pcap_dir=None if pcap_dir is None else _path(pcap_dir, "pcap_dir"),
                   compat=compat, jobs=int(jobs), filter=filter, promiscuous=bool(promiscuous),
                   csv_path=None if csv_path is None else _path(csv_path, "csv_path"),
                   packet_limit=int(packet_limit), format=format, columns=columns, label=label,
                   cic_fixes=bool(cic_fixes), kafka=_kafka_option(kafka),
                   ipfix=_ipfix_option(ipfix), tunnels=tunnels,
                   **_row_options(export_reason, interim, splt, dpi))
    handle = CaptureHandle(_netflower.Capture(str(interface), on_flow, options))
    _RUNNING.add(handle)
    return handle


def _stop_all_at_exit():
    for handle in list(_RUNNING):
        try:
            handle.stop()
        except BaseException:  # noqa: BLE001 - exiting: nothing to report to
            pass


atexit.register(_stop_all_at_exit)
