# Type stubs of netflower.dask (python/tests/test_stubs.py checks them).
from typing import Any, Dict, Iterable, Optional, Union
import os

PathLike = Union[str, "os.PathLike[str]"]


def convert_files(paths: Iterable[PathLike], out_dir: PathLike, client: Optional[Any] = None,
                  retries: int = 2, **options: Any) -> Dict[str, int]: ...
