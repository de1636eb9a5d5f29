"""Ensembles (perpsim run NAME --seeds N, api.ensemble) on the tiny sweep world: a folder per seed
that is the seed's own run, the table and summary over seeds, the same on every executor, arms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sim import api
from sim.cli import main
from sim.core.errors import ConfigError
from tests.sim.study.sweep_world import write_tiny

ARMS = """
[arms.whale]
enable = ["whale"]

[arms.quiet]
enable = []
"""


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ensemble")
    exp = write_tiny(folder)
    out = folder / "ens"
    assert main(["run", str(exp), "--seeds", "3", "--out", str(out)]) == 0
    return exp, out


def table(out: Path) -> list[dict[str, str]]:
    with open(out / "ensemble.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_folder_per_seed_each_the_seeds_own_run(ensemble, tmp_path):
    exp, out = ensemble
    assert sorted(p.name for p in out.iterdir()) == [
        "ensemble.csv",
        "ensemble.json",
        "ensemble.md",
        "ensemble.png",
        "seed-5",
        "seed-6",
        "seed-7",
    ]
    assert main(["run", str(exp), "--seed", "6", "--out", str(tmp_path / "alone"), "--no-plots"]) == 0
    assert (out / "seed-6" / "events.csv").read_bytes() == (tmp_path / "alone" / "events.csv").read_bytes()
    assert json.loads((out / "seed-6" / "summary.json").read_text())["seed"] == 6


def test_the_summary_is_each_metrics_spread_over_the_seeds(ensemble, capsys):
    _, out = ensemble
    rows = table(out)
    assert [r["seed"] for r in rows] == ["5", "6", "7"]
    peaks = sorted(float(r["peak_price.spot"]) for r in rows)
    summary = json.loads((out / "ensemble.json").read_text())
    assert summary["seeds"] == [5, 6, 7]
    peak = summary["metrics"]["peak_price.spot"]
    assert peak["mean"] == pytest.approx(sum(peaks) / 3)
    assert (peak["min"], peak["median"], peak["max"]) == (peaks[0], peaks[1], peaks[2])
    assert peak["ci_low"] <= peak["mean"] <= peak["ci_high"] and peak["n"] == 3
    table_md = (out / "ensemble.md").read_text().splitlines()
    assert table_md[0] == "| tiny, 3 seeds (5–7) | mean | 95% CI | median | 5–95% | min–max |"
    row = next(x for x in table_md if x.startswith("| peak_price.spot |"))
    assert row.split(" | ")[1] == f"{peak['mean']:.4g}" and row.split(" | ")[3] == f"{peaks[1]:.4g}"


def test_the_one_line_summary_states_means_and_intervals(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    assert main(["run", str(exp), "--seeds", "2", "--seed", "11", "--out", str(tmp_path / "e"), "--no-plots"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("tiny: 2 runs"))
    assert line.startswith("tiny: 2 runs (seeds 11–12), mean: peak_price.spot ")
    assert "(95% CI " in line and "; liquidations " in line
    assert not (tmp_path / "e" / "ensemble.png").exists()


def test_a_process_pool_gives_the_same_ensemble(ensemble, tmp_path):
    exp, out = ensemble
    assert main(["run", str(exp), "--seeds", "3", "--jobs", "2", "--out", str(tmp_path / "pool"), "--no-plots"]) == 0
    assert table(tmp_path / "pool") == table(out)
    assert (tmp_path / "pool" / "ensemble.json").read_text() == (out / "ensemble.json").read_text()


def test_each_arm_is_an_ensemble_of_its_own_with_the_playbook_figures(tmp_path):
    exp = write_tiny(tmp_path, ARMS)
    out = tmp_path / "arms"
    assert main(["run", str(exp), "--seeds", "2", "--out", str(out), "--no-plots"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["ensemble.md", "quiet", "whale"]
    table_md = (out / "ensemble.md").read_text().splitlines()
    assert table_md[0] == "| tiny, 2 seeds (5–6): mean (95% CI) | whale | quiet |"
    assert any(x.startswith("| liquidations | ") and x.endswith(" | 0 (0–0) |") for x in table_md)
    quiet, whale = table(out / "quiet"), table(out / "whale")
    assert [r["seed"] for r in quiet] == [r["seed"] for r in whale] == ["5", "6"]  # the same seeds
    assert {r["ignition_notional"] for r in quiet} == {"0.0"} and {r["ignition_notional"] for r in whale} == {
        "150000.0"
    }
    assert "playbook.realised_vol" in quiet[0]


def test_bad_input_fails_before_any_run(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    assert main(["run", str(exp), "--seeds", "0", "--out", str(tmp_path / "e")]) == 2
    assert "--seeds: must be >= 1, got 0" in capsys.readouterr().err
    (tmp_path / "taken").mkdir()
    assert main(["run", str(exp), "--seeds", "2", "--out", str(tmp_path / "taken")]) == 2
    assert "already exists (use --force to replace it)" in capsys.readouterr().err
    assert main(["run", str(exp), "--seeds", "2", "--arm", "whale", "--out", str(tmp_path / "e")]) == 2
    assert "--arm: tiny has no [arms]" in capsys.readouterr().err
    assert main(["run", str(exp), "--jobs", "2", "--out", str(tmp_path / "e")]) == 2
    assert "--jobs: is for ensembles: only with --seeds N" in capsys.readouterr().err
    assert main(["run", str(exp), "--seeds", "2", "--metric", "peak_price.spt", "--out", str(tmp_path / "e")]) == 2
    assert "--metric: unknown metric 'peak_price.spt' (did you mean 'peak_price.spot'?)" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_the_api_runs_an_ensemble_and_makes_the_caller_choose_an_arm(tmp_path):
    exp = write_tiny(tmp_path, ARMS)
    with pytest.raises(ConfigError, match="tiny has arms \\(whale, quiet\\)"):
        api.ensemble(str(exp), seeds=2, out=tmp_path / "e")
    ens = api.ensemble(str(exp), seeds=2, arm="whale", out=tmp_path / "e", plots=False)
    assert ens.folder == tmp_path / "e" / "whale" and ens.seeds == [5, 6]
    assert ens.spreads["liquidations"].n == 2
    assert (ens.folder / "seed-6" / "events.csv").is_file()


def test_the_figure_has_the_fan_with_its_median_and_the_key_metrics(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots.ensemble import MAX_METRICS, ensemble_figure
    from sim.study.ensemble import GRID

    ens = api.ensemble(str(write_tiny(tmp_path)), seeds=3, out=tmp_path / "e", plots=False)
    fan, *metrics = ensemble_figure(ens).axes
    lines = {line.get_label(): line for line in fan.get_lines()}
    median = lines["median"].get_ydata()
    assert len(median) == GRID and median[0] == 10.0  # every seed opens at the book's mid
    assert sum(1 for line in fan.get_lines() if line.get_label().startswith("_")) == 3  # a line per seed
    names = ens.shown()
    varied = [n for n in names if ens.spreads[n].min < ens.spreads[n].max]  # those that vary come first
    expected = (varied + [n for n in names if n not in varied])[:MAX_METRICS]
    assert [ax.get_title().split("\n")[0] for ax in metrics] == expected


def test_the_key_price_is_the_peak_in_a_squeeze_and_the_low_in_a_crash():
    import numpy as np

    from sim.study.ensemble import Ensemble, Member, Spec
    from sim.study.stats import Spread

    def ensemble(direction: str) -> Ensemble:
        metrics = {"cascade_direction": direction, "peak_price.a": 11.0, "min_price.a": 9.0, "liquidations": 3}
        members = [Member(s, dict(metrics), {"a": np.full(3, 10.0)}, 0.0) for s in (1, 2)]
        ens = Ensemble(Spec("x", {}, (), None, (1, 2)), 10.0, members, Path("."))
        ens.spreads = {n: Spread.of([m.metrics[n] for m in members]) for n in ("peak_price.a", "min_price.a")}
        ens.spreads["liquidations"] = Spread.of([3.0, 3.0])
        return ens

    assert ensemble("buy").key_metrics() == ["peak_price.a", "liquidations"]
    assert ensemble("sell").key_metrics() == ["min_price.a", "liquidations"]
