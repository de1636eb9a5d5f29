"""api.open_run: a results folder as the RunResult api.run returned; its summary is summary.json."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from sim import api
from sim.core.errors import ConfigError
from sim.core.trace import COLUMNS


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    result = api.run(api.load("rocket", overrides=["experiment.duration=40s"]))
    out = api.save(result, tmp_path_factory.mktemp("run") / "rocket", plots=False)
    return result, out


def same_trace(a, b) -> bool:
    return all(np.array_equal(getattr(a, c), getattr(b, c), equal_nan=getattr(a, c).dtype == float) for c in COLUMNS)


def test_open_run_gives_back_the_run(saved):
    result, out = saved
    opened = api.open_run(out)
    assert type(opened) is type(result)
    assert opened.config == result.config
    assert opened.nodes == result.nodes and opened.ledger is None
    assert same_trace(opened.trace, result.trace)


def test_summaries_equal_summary_json_with_nodes_and_versions(saved):
    result, out = saved
    on_disk = json.loads((out / "summary.json").read_text())
    assert result.summary == on_disk
    assert api.open_run(out).summary == on_disk
    assert on_disk["nodes"]["perp"] == "perp" and set(on_disk["versions"]) >= {"perpsim", "numpy"}


def test_the_folder_has_both_traces_and_either_gives_the_same_table(saved, tmp_path):
    result, out = saved
    assert (out / "events.csv").is_file() and (out / "events.parquet").is_file()
    csv_only = tmp_path / "csv_only"
    csv_only.mkdir()
    for name in ("events.csv", "summary.json", "config.toml"):
        (csv_only / name).write_bytes((out / name).read_bytes())
    assert same_trace(api.open_run(csv_only).trace, result.trace)


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    with pytest.raises(ConfigError, match="summary.json: missing"):
        api.open_run(tmp_path)


def test_a_damaged_parquet_is_one_line_and_exit_2(saved, tmp_path, capsys):
    from sim.cli import main

    _, out = saved
    damaged = shutil.copytree(out, tmp_path / "damaged")
    (damaged / "events.parquet").write_bytes(b"PAR1 not really")
    assert main(["trace", str(damaged)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"perpsim: error: {damaged / 'events.parquet'}: not a Parquet file")


def test_without_pyarrow_a_run_writes_and_reads_events_csv_alone(saved, tmp_path, monkeypatch):
    from sim.core import trace_parquet

    result, _ = saved
    monkeypatch.setattr(trace_parquet, "available", lambda: False)
    out = api.save(result, tmp_path / "csv", plots=False)
    assert sorted(p.name for p in out.iterdir()) == ["config.toml", "contributors.csv", "events.csv", "summary.json"]
    assert same_trace(api.open_run(out).trace, result.trace)
