"""Where a campaign bench keeps its hall's data, shared by the fuzz, hostile-client, soak, kill and
power-cut campaigns: each runs a real server on a data folder that is thrown away after a clean run
but must survive when asked, because the database and the server log are the evidence of a failure."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar


class Summarised(Protocol):
    """What a campaign's result offers to be printed."""

    def summary(self) -> str: ...


R = TypeVar("R", bound=Summarised)


def run_in_folder(run: Callable[[Path], R], keep: Path | bool | None, prefix: str) -> R:
    """Run ``run`` on a data folder and print its summary.

    ``keep`` is a folder to run in and keep, ``True`` for a fresh temporary folder that is kept and
    named after the summary, or ``False``/``None`` for one that is removed when the run ends."""
    if isinstance(keep, Path):
        keep.mkdir(parents=True, exist_ok=True)
        result = run(keep)
    elif keep:
        data = Path(tempfile.mkdtemp(prefix=prefix))
        result = run(data)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as tmp:
            result = run(Path(tmp))
    print(result.summary())
    if keep is True:
        print(f"  data and server log: {data}")
    return result
