# Type stubs of the netflower package (PEP 561: py.typed). The names and
# parameters here equal the runtime's; python/tests/test_stubs.py checks.
import os
from types import TracebackType
from typing import (Any, Callable, Dict, Iterator, List, Literal, NamedTuple, Optional, Tuple,
                    TypedDict, Union, overload)

__version__: str
__all__: List[str]

#: A flow as on_flow and iter_flows give it: column name -> int, float or
#: str (tunnel_id: int or None; export_reason: str; the SPLT columns: lists
#: of int).
Flow = Dict[str, Union[int, float, str, None, List[int]]]
PathLike = Union[str, "os.PathLike[str]"]
Compat = Literal["python", "none"]
ColumnSetName = Literal["netflower", "netflower-tunnel", "cic-ids2017", "cic-ids2017-ml",
                        "cse-cic-ids2018", "cicflowmeter-v4", "cicflowmeter"]
Format = Literal["csv", "jsonl"]
TunnelsMode = Optional[Literal["inner", "outer"]]


class FlowsByReason(TypedDict):
    fin: int
    rst: int
    idle_timeout: int
    active_timeout: int
    end_of_input: int
    evicted: int


class KafkaStats(TypedDict):
    produced: int
    delivered: int
    interim_delivered: int
    failed: int
    undelivered: int
    resent: int
    first_error: str


class IpfixStats(TypedDict):
    flows_exported: int
    records_exported: int
    records_dropped: int
    messages_sent: int
    messages_dropped: int
    send_errors: int
    connections: int
    first_error: str


class RunStats(TypedDict):
    """A run's summary (what the CLI prints)."""
    packets_read: int
    packets_accepted: int
    late_packets: int
    packets_skipped: int
    skipped: Dict[str, int]
    flows_completed: int
    flows_written: int
    csv_written_with: str
    flows_by_reason: FlowsByReason
    interim_rows: int
    one_packet_flows: int
    peak_open_flows: int
    bytes_read: int
    seconds: float
    idle_timeout: float
    active_timeout: Optional[float]
    jobs: int
    input_ended_early: bool
    warnings: List[str]
    kernel_received: int
    kernel_drops: int
    callback_exceptions: int
    pcap_files_written: int
    pcap_write_errors: int
    kafka: KafkaStats
    ipfix: IpfixStats


class Column(NamedTuple):
    name: str
    type: str
    unit: str
    meaning: str


columns: Tuple[Column, ...]
tunnel_columns: Tuple[Column, ...]
export_reason_column: Column
splt_columns: Tuple[Column, ...]
dpi_columns: Tuple[Column, ...]


class Kafka(NamedTuple):
    brokers: str
    topic: str
    options: Optional[Dict[str, str]] = None
    flush_timeout: float = 30.0


class Ipfix(NamedTuple):
    collector: str
    uniflow: bool = False
    pen: Optional[int] = None
    domain: int = 0
    mtu: int = 1472
    template_interval: float = 10.0
    flush_timeout: float = 10.0


@overload
def convert_pcap_to_csv(input_path: PathLike, output_path: Optional[PathLike],
                        flow_timeout: Optional[float] = None, gc_interval: Optional[int] = None,
                        buffer_rows: int = 500, n_jobs: int = 1, *,
                        compat: Optional[Compat] = None, columns: ColumnSetName = "netflower",
                        label: Optional[str] = None, labels: Optional[PathLike] = None,
                        cic_fixes: bool = False, format: Format = "csv",
                        max_flows: Optional[int] = None, kafka: Optional[Kafka] = None,
                        ipfix: Optional[Ipfix] = None, tunnels: TunnelsMode = None,
                        export_reason: bool = False, interim: Optional[float] = None,
                        splt: Optional[int] = None, dpi: bool = False,
                        return_stats: Literal[False] = False) -> int: ...
@overload
def convert_pcap_to_csv(input_path: PathLike, output_path: Optional[PathLike],
                        flow_timeout: Optional[float] = None, gc_interval: Optional[int] = None,
                        buffer_rows: int = 500, n_jobs: int = 1, *,
                        compat: Optional[Compat] = None, columns: ColumnSetName = "netflower",
                        label: Optional[str] = None, labels: Optional[PathLike] = None,
                        cic_fixes: bool = False, format: Format = "csv",
                        max_flows: Optional[int] = None, kafka: Optional[Kafka] = None,
                        ipfix: Optional[Ipfix] = None, tunnels: TunnelsMode = None,
                        export_reason: bool = False, interim: Optional[float] = None,
                        splt: Optional[int] = None, dpi: bool = False,
                        return_stats: Literal[True]) -> Tuple[int, RunStats]: ...


def iter_flows(path: PathLike, flow_timeout: Optional[float] = None,
               gc_interval: Optional[int] = None, n_jobs: int = 1, *, compat: Compat = "none",
               active_timeout: Optional[float] = None, max_flows: Optional[int] = None,
               tunnels: TunnelsMode = None,
               columns: Literal["netflower", "netflower-tunnel"] = "netflower",
               export_reason: bool = False,
               interim: Optional[float] = None,
               splt: Optional[int] = None, dpi: bool = False) -> Iterator[Flow]: ...


@overload
def read_flows(path: PathLike, flow_timeout: Optional[float] = None,
               gc_interval: Optional[int] = None, n_jobs: int = 1, *, compat: Compat = "none",
               active_timeout: Optional[float] = None, max_flows: Optional[int] = None,
               tunnels: TunnelsMode = None,
               columns: Literal["netflower", "netflower-tunnel"] = "netflower",
               export_reason: bool = False, interim: Optional[float] = None,
               splt: Optional[int] = None, dpi: bool = False,
               return_stats: Literal[False] = False) -> Any: ...
@overload
def read_flows(path: PathLike, flow_timeout: Optional[float] = None,
               gc_interval: Optional[int] = None, n_jobs: int = 1, *, compat: Compat = "none",
               active_timeout: Optional[float] = None, max_flows: Optional[int] = None,
               tunnels: TunnelsMode = None,
               columns: Literal["netflower", "netflower-tunnel"] = "netflower",
               export_reason: bool = False, interim: Optional[float] = None,
               splt: Optional[int] = None, dpi: bool = False,
               return_stats: Literal[True]) -> Tuple[Any, RunStats]: ...


class CaptureHandle:
    """A live capture (capture_live)."""
    def start(self) -> "CaptureHandle": ...
    def stop(self) -> None: ...
    @property
    def stats(self) -> RunStats: ...
    def __enter__(self) -> "CaptureHandle": ...
    def __exit__(self, exc_type: Optional[type], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> Literal[False]: ...


def capture_live(interface: str, on_flow: Optional[Callable[[Flow], object]],
                 idle_timeout: Optional[float] = None, flow_timeout: Optional[float] = None,
                 save_pcap: bool = False, pcap_dir: Optional[PathLike] = None, *,
                 compat: Compat = "none", jobs: int = 1, filter: Optional[str] = None,
                 promiscuous: bool = False, csv_path: Optional[PathLike] = None,
                 packet_limit: int = 0, format: Format = "csv",
                 columns: ColumnSetName = "netflower", label: Optional[str] = None,
                 cic_fixes: bool = False, kafka: Optional[Kafka] = None,
                 ipfix: Optional[Ipfix] = None,
                 tunnels: TunnelsMode = None, export_reason: bool = False,
                 interim: Optional[float] = None,
                 splt: Optional[int] = None, dpi: bool = False) -> CaptureHandle: ...
