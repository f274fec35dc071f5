"""Many captures on a Dask cluster: one conversion per task.

    from distributed import Client
    from netflower.dask import convert_files

    client = Client("tcp://scheduler:8786")      # or a LocalCluster
    rows = convert_files(["a.pcap", "b.pcap"], "/data/flows", client=client)

Each capture becomes ``out_dir/<file name>.csv`` (``.jsonl`` with
``format="jsonl"``), byte for byte what ``netflower --pcap FILE --out ...``
writes with the same options. The package must be importable on the
workers (pip install it there). A task whose worker
dies is retried by Dask on another worker; the file is written under a
temporary name and renamed at the end, so a killed task never leaves a CSV
under the final name, and its retry removes the dead attempt's temporary
file.
"""

import os

import netflower
from netflower import _netflower


def _convert_one(path, output, options):
    # A worker killed mid-file leaves its temporary file next to the output;
    # only one task per output runs at a time, so any such file now is a dead
    # attempt's: the library, which made it, removes it.
    _netflower.remove_abandoned_temporary_files(output)
    return netflower.convert_pcap_to_csv(path, output, **options)


def convert_files(paths, out_dir, client=None, retries=2, **options):
    """Converts every capture in ``paths`` to ``out_dir`` on the Dask cluster
    of ``client`` (default: the current client, ``distributed.get_client()``),
    one task per file; returns ``{path: rows written}`` in the order given.
    ``options`` are convert_pcap_to_csv's (``compat``, ``columns``,
    ``n_jobs``...). Raises the first failed conversion's exception after
    every task has ended (the others' files are written); ``retries`` is how
    often Dask reruns a task whose worker failed, on top of its own
    rescheduling of tasks lost with a dead worker."""
    try:
        import distributed
    except ImportError as e:
        raise ImportError("netflower.dask needs Dask's distributed: install python3-distributed "
                          "(Debian) or distributed") from e
    if client is None:
        client = distributed.get_client()
    paths = [os.fspath(p) for p in paths]
    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"out_dir {out_dir}: not a directory")
    fmt = options.get("format", "csv")
    outputs = [_netflower.output_path_for(p, out_dir, fmt) for p in paths]
    if len(set(outputs)) != len(outputs):
        raise ValueError("two inputs have the same file name: their outputs would clash")
    futures = client.map(_convert_one, paths, outputs, [options] * len(paths), pure=False,
                         retries=retries)
    distributed.wait(futures)
    rows = {}
    first_error = None
    for path, future in zip(paths, futures):
        if future.status == "finished":
            rows[path] = future.result()
        elif first_error is None:
            first_error = future.exception()
    if first_error is not None:
        raise first_error
    return rows
