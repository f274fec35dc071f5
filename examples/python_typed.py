"""The netflower package from typed Python: every public function, checked
with `mypy --strict` in CI (tools/python_wheels.sh) against the package's
stubs.

    python3 examples/python_typed.py CAPTURE [--iface IF]
"""
import sys
import tempfile
from typing import Dict, List, Optional

import netflower
from netflower import Kafka, RunStats
from netflower.dask import convert_files


def summarize(capture: str, iface: Optional[str]) -> Dict[str, float]:
    out = tempfile.mkdtemp()
    rows: int = netflower.convert_pcap_to_csv(capture, f"{out}/flows.csv", compat="none")
    rows_again, stats = netflower.convert_pcap_to_csv(capture, f"{out}/flows2.csv",
                                                      return_stats=True)
    written: RunStats = stats
    longest = 0.0
    for flow in netflower.iter_flows(capture):
        duration = flow["flow_duration"]
        if isinstance(duration, float):
            longest = max(longest, duration)
    frame, frame_stats = netflower.read_flows(capture, return_stats=True)
    names: List[str] = [c.name for c in netflower.columns + netflower.tunnel_columns]
    kafka: Optional[Kafka] = None  # Kafka("broker:9092", "flows") sends every flow too
    if iface is not None:
        with netflower.capture_live(iface, lambda f: None, kafka=kafka) as capture_handle:
            capture_handle.start()
            capture_handle.stop()
            live: RunStats = capture_handle.stats
            longest = max(longest, float(live["packets_read"]))
    files: Dict[str, int] = {}
    try:
        files = convert_files([capture], out)
    except (ImportError, ValueError):
        pass  # no Dask cluster here (netflower.dask needs distributed's client)
    return {"rows": rows, "rows_again": rows_again, "packets": written["packets_read"],
            "longest": longest, "frame_rows": float(len(frame)),
            "frame_packets": frame_stats["packets_read"], "columns": len(names),
            "files": len(files), "version": float(netflower.__version__.split(".")[0])}


if __name__ == "__main__":
    iface = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--iface" else None
    print(summarize(sys.argv[1], iface))
