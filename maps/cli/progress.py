"""Progress lines on stderr (silent with --quiet)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

_err = Console(stderr=True, highlight=False)


@contextmanager
def progress_printer(quiet: bool) -> Iterator[Callable[[str], None]]:
    """Yield a function that shows each step with the time since the start."""
    if quiet:
        yield lambda _m: None
        return
    start = time.perf_counter()
    with _err.status("starting") as status:
        def say(msg: str) -> None:
            _err.print(f"[dim]{time.perf_counter() - start:6.1f}s[/] {msg}")
            status.update(msg)

        yield say
