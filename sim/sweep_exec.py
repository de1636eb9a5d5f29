"""Where a sweep's runs execute: in this process, a local process pool, or a Dask cluster.

Every executor is a context manager yielding ``run(fn, items)``, an iterator of ``fn(item)``
results in the order they finish. Runs are independent and seeded by their point, so the
executor changes only the order of the results, never their values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TypeVar

from sim.schema import ConfigError

T = TypeVar("T")
R = TypeVar("R")
Run = Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]


def _serial(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    for item in items:
        yield fn(item)


@contextmanager
def process_pool(jobs: int) -> Iterator[Run]:
    """``jobs`` worker processes on this machine."""
    pool = ProcessPoolExecutor(max_workers=jobs)

    def run(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = [pool.submit(fn, item) for item in items]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    try:
        yield run
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def dask_cluster(address: str, jobs: int) -> Iterator[Run]:
    """An existing Dask scheduler at ``address``, or a LocalCluster of ``jobs`` worker processes for "local"."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ConfigError("--dask", "needs Dask: pip install 'perpsim[dask]'") from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = Client(cluster if cluster is not None else address)

    def run(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = client.map(fn, list(items), pure=False)
        try:
            for future in dask_completed(futures):
                yield future.result()
        finally:
            client.cancel(futures)

    try:
        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def executor(jobs: int = 1, dask: str | None = None) -> Iterator[Run]:
    """The executor for ``--jobs`` and ``--dask``: serial for one job and no Dask."""
    if jobs < 1:
        raise ConfigError("--jobs", f"must be >= 1, got {jobs}")
    if dask:
        with dask_cluster(dask, jobs) as run:
            yield run
    elif jobs > 1:
        with process_pool(jobs) as run:
            yield run
    else:
        yield _serial


def describe(jobs: int, dask: str | None) -> str:
    """A few words on where runs execute, for progress lines."""
    if dask == "local":
        return f"a local Dask cluster of {jobs} worker{'s' * (jobs != 1)}"
    if dask:
        return f"the Dask cluster at {dask}"
    return f"{jobs} processes" if jobs > 1 else "this process"
