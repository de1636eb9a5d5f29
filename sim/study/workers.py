"""Where a sweep's runs execute: in this process, a local process pool, or a Dask cluster.

Every executor is a context manager yielding ``run(fn, items)``, an iterator of ``fn(item)``
results in the order they finish. Runs are independent and seeded by their point, so the
executor changes only the order of the results, never their values.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

from sim.core.errors import ConfigError
from sim.core.interrupts import signals_ignored, worker_init

T = TypeVar("T")
R = TypeVar("R")
Run = Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]


def _serial(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    for item in items:
        yield fn(item)


@contextmanager
def process_pool(jobs: int) -> Iterator[Run]:
    """``jobs`` worker processes on this machine; on an exception (an interrupt) they are killed, not awaited."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=worker_init)

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
    except BaseException:
        kill_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL a pool's workers, busy or not; the pool's manager thread, which then finds them dead, stays quiet."""
    manager = pool._executor_manager_thread  # Python 3.11 has no public way to end a busy worker
    previous = threading.excepthook

    def quiet(args: threading.ExceptHookArgs) -> None:
        if args.thread is not manager:
            previous(args)

    threading.excepthook = quiet
    for process in list((pool._processes or {}).values()):
        process.kill()


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
        with signals_ignored():  # its processes inherit this: a terminal's Ctrl-C is ours to handle
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
    try:
        client = Client(cluster if cluster is not None else address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ConfigError("--dask", f"cannot reach the Dask scheduler at {address}: {exc}") from None

    def run(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = client.map(fn, list(items), pure=False)
        for future in dask_completed(futures):
            yield future.result()

    try:
        yield run
    except BaseException:  # an interrupt: close within bounded time, whatever state the client was left in
        with silenced("tornado", "distributed", "asyncio"):  # closing mid-computation logs what it drops
            with contextlib.suppress(Exception):
                client.close(timeout=CLOSE_TIMEOUT_S)
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close(timeout=CLOSE_TIMEOUT_S)
        raise
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def silenced(*names: str) -> Iterator[None]:
    """No log records from these loggers (and their children) while the block runs."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


MAX_JOBS = 1024
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 5.0


def check_executor(jobs: int, dask: str | None) -> None:
    """``--jobs`` between 1 and MAX_JOBS and a ``--dask`` scheduler that answers, checked before anything is written."""
    if not 1 <= jobs <= MAX_JOBS:
        raise ConfigError("--jobs", f"must be between 1 and {MAX_JOBS}, got {jobs}")
    if dask and dask != "local":
        reach(dask)


def reach(address: str) -> None:
    """Open and close a TCP connection to a scheduler's ``[tcp://]host:port``; ConfigError if it does not answer."""
    where = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = where.port
    except ValueError:
        port = None
    if where.scheme != "tcp" or not where.hostname or port is None:
        raise ConfigError("--dask", f"expected 'local' or a scheduler address like tcp://host:8786, got '{address}'")
    try:
        socket.create_connection((where.hostname, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        problem = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise ConfigError("--dask", f"cannot reach the Dask scheduler at {address}: {problem}") from None


@contextmanager
def executor(jobs: int = 1, dask: str | None = None) -> Iterator[Run]:
    """The executor for ``--jobs`` and ``--dask``: serial for one job and no Dask."""
    check_executor(jobs, dask)
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
