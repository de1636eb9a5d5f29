"""The same run gives a byte-identical events.csv in this process, a process pool and a Dask worker."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest

from sim.core.trace import write_csv
from sim.engine.world import World
from sim.study.experiments import load_experiment
from sim.study.workers import executor

CASES = [("rocket", 3), ("rocket", 4), ("rocket_300k", 3)]


def trace_digest(case: tuple[str, int]) -> tuple[tuple[str, int], str]:
    """(case, md5 of the run's events.csv) — runs wherever the executor puts it."""
    name, seed = case
    result = World(load_experiment(name, seed, ["experiment.duration=60s"])).run()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        write_csv(result.trace, path)
        return case, hashlib.md5(path.read_bytes()).hexdigest()


def digests(**kw) -> dict:
    with executor(**kw) as run:
        return dict(run(trace_digest, CASES))


def test_traces_are_byte_identical_across_executors():
    serial = digests(jobs=1)
    assert len(set(serial.values())) == len(CASES)  # different seeds or worlds: different traces
    assert digests(jobs=2) == serial
    pytest.importorskip("distributed")
    assert digests(jobs=2, dask="local") == serial
