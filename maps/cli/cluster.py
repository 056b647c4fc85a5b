"""``--workers N`` and ``--scheduler ADDRESS``: the dask cluster a command measures on.

``--workers N`` starts a dask.distributed LocalCluster of N worker processes (one thread each) for the length of
the command; ``--scheduler ADDRESS`` connects to a running cluster (``dask scheduler`` on one machine and
``dask worker ADDRESS`` on each of the others). The facilities are cut into consecutive partitions that the
workers measure against the communities (sent once to each worker) and the parts are put back in order, so the
tables are byte-identical to a run in one process (tests/cli/test_workers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from layers import CatalogError

__all__ = ["dask_client"]


@contextmanager
def dask_client(workers: int | None, scheduler: str | None,
                say: Callable[[str], None] = lambda _m: None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``--workers``/``--scheduler``, or None for one process (no option, or 1)."""
    if scheduler is None and (workers is None or workers <= 1):
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise CatalogError("--workers and --scheduler need the Python package 'distributed'") from None
    if scheduler is not None:
        say(f"Connecting to the dask scheduler at {scheduler}")
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise CatalogError(f"--scheduler {scheduler}: cannot reach a dask scheduler there ({exc})") from None
        with client:
            yield client
        return
    say(f"Starting a local dask cluster of {workers} worker processes")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:
        yield client
