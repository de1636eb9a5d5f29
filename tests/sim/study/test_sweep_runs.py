"""Running sweeps: identical tables on every executor, resume, interruption, truncated lines, failed runs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sweep_world import write_tiny

import sim.engine.world
from sim.study.store import read_rows
from sim.study.sweep import TABLE, execute, load_study, open_store, pending, tasks
from sim.study.workers import executor

GRID = ["link.hedge.latency=0ms:300ms:150ms", "perp.perp.mmr=1%,2%"]  # 6 points
SEEDS = 2


def sweep(folder: Path, out: Path, jobs: int = 1, dask: str | None = None, on_row=lambda row: None) -> int:
    """Run the tiny sweep into ``out``; returns how many runs it had to do."""
    study = load_study(str(write_tiny(folder)), GRID, seeds=SEEDS)
    store = open_store(out, study)
    todo = pending(store, [t for p in study.points() for t in tasks(study, p)])
    with executor(jobs, dask) as run:
        execute(run, store, todo, on_row)
    return len(todo)


def table(out: Path) -> list[tuple]:
    """The table's rows without wall time, sorted: what must not depend on the executor."""
    header, rows = read_rows(out / TABLE)
    keep = [c for c in header if c != "wall_s"]
    return sorted(tuple(r[c] for c in keep) for r in rows)


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "sweep"
    assert sweep(out.parent, out) == 12
    return out


def test_a_sweep_writes_a_row_per_run_with_params_seed_and_flat_metrics(serial):
    header, rows = read_rows(serial / TABLE)
    assert header[:7] == ["point", "replicate", "seed", "link.hedge.latency", "perp.perp.mmr", "wall_s", "error"]
    assert {"peak_price.spot", "liquidations", "liquidated_notional.perp.short", "engine.spot.max_queue"} <= set(header)
    assert len(rows) == 12 and not any(r["error"] for r in rows)
    assert {r["link.hedge.latency"] for r in rows} == {"0.0", "0.15", "0.3"}
    assert len({r["seed"] for r in rows}) == 12
    assert len({r["peak_price.spot"] for r in rows}) > 1  # seeds matter in this world


def test_the_process_pool_gives_the_serial_table(serial, tmp_path):
    sweep(tmp_path, tmp_path / "pool", jobs=2)
    assert table(tmp_path / "pool") == table(serial)


def test_a_dask_local_cluster_gives_the_serial_table(serial, tmp_path):
    pytest.importorskip("distributed")
    sweep(tmp_path, tmp_path / "dask", jobs=2, dask="local")  # 2 worker processes
    assert table(tmp_path / "dask") == table(serial)


def test_running_the_same_sweep_again_runs_nothing(serial, tmp_path):
    out = tmp_path / "again"
    sweep(tmp_path, out)
    before = (out / TABLE).read_text()
    assert sweep(tmp_path, out) == 0
    assert (out / TABLE).read_text() == before


def test_an_interrupted_sweep_resumes_to_exactly_the_full_table(serial, tmp_path):
    out = tmp_path / "interrupted"

    def stop_after_five(row, seen=[]):  # noqa: B006 - a counter across calls
        seen.append(row)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(tmp_path, out, on_row=stop_after_five)
    with open(out / TABLE, "a") as fh:  # killed while writing a sixth line
        fh.write("5,1,12345,0.15,0.0")
    assert len(read_rows(out / TABLE)[1]) == 5  # the truncated line is cut off on reading
    assert sweep(tmp_path, out) == 7
    assert table(out) == table(serial)
    keys = [(r["point"], r["replicate"]) for r in read_rows(out / TABLE)[1]]
    assert len(keys) == len(set(keys)) == 12


def test_a_run_that_raises_becomes_a_row_with_its_error(tmp_path, monkeypatch):
    class Broken(sim.engine.world.World):
        def run(self):
            if self.config.link["hedge"].latency.value == 0.15:
                raise RuntimeError("engine on fire,\nsecond line")
            return super().run()

    monkeypatch.setattr(sim.engine.world, "World", Broken)
    out = tmp_path / "errors"
    sweep(tmp_path, out)
    with open(out / TABLE, newline="") as fh:
        rows = list(csv.DictReader(fh))
    failed = [r for r in rows if r["error"]]
    assert len(rows) == 12 and len(failed) == 4
    assert {r["error"] for r in failed} == {"RuntimeError: engine on fire, second line"}
    assert all(r["peak_price.spot"] == "" for r in failed)
    assert all(r["peak_price.spot"] for r in rows if not r["error"])
    assert (out / TABLE).read_text().count("\n") == 13  # one line per row, errors included


def test_a_failed_first_run_widens_the_header_when_metrics_arrive(tmp_path, monkeypatch):
    class FailsFirst(sim.engine.world.World):
        def run(self):
            if self.config.link["hedge"].latency.value == 0.0:
                raise ValueError("boom")
            return super().run()

    monkeypatch.setattr(sim.engine.world, "World", FailsFirst)
    out = tmp_path / "widen"
    sweep(tmp_path, out)
    header, rows = read_rows(out / TABLE)
    assert header[6] == "error" and "peak_price.spot" in header
    assert len(rows) == 12
    assert not (out / (TABLE + ".tmp")).exists()
