"""Experiments with [arms] in sweeps, critical and the API: each arm is run, never all arms at once."""

from __future__ import annotations

import pytest
from sweep_world import write_tiny

from sim import api
from sim.analysis.playbook import run_metrics
from sim.cli import main
from sim.core.config import read_toml
from sim.core.errors import ConfigError
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.study.arms import arm_config
from sim.study.experiments import raw_experiment
from sim.study.store import read_rows
from sim.study.sweep import flatten, point_config, run_task, tasks

ARMS = """
[arms.whale]
description = "the whale buys $150k"
enable = ["whale"]

[arms.big]
description = "the whale buys $250k"
enable = ["whale"]
set = ["igniter.whale.notional=250000"]

[arms.quiet]
description = "no whale"
enable = []
"""


@pytest.fixture()
def exp(tmp_path):
    return write_tiny(tmp_path, ARMS)


def test_a_sweep_without_arm_runs_every_arm_as_its_own_world(exp, tmp_path, capsys):
    out = tmp_path / "swept"
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,200ms", "--seeds", "2", "--out", str(out)]) == 0
    assert "6 points × 2 seeds = 12 runs" in capsys.readouterr().out
    header, rows = read_rows(out / "sweep.csv")
    assert header[:5] == ["point", "replicate", "seed", "link.hedge.latency", "arm"]
    assert sorted({r["arm"] for r in rows}) == ["big", "quiet", "whale"]
    assert not any(r["error"] for r in rows)
    by_arm = {arm: [r for r in rows if r["arm"] == arm] for arm in ("whale", "big", "quiet")}
    assert all(r["ignition_notional"] == "0.0" for r in by_arm["quiet"])  # no whale in that world
    assert {r["ignition_notional"] for r in by_arm["big"]} == {"250000.0"}  # the arm's own set
    # the arms of a point share their seeds, as `perpsim run` runs every arm with one seed
    seeds = {arm: sorted((r["link.hedge.latency"], r["replicate"], r["seed"]) for r in by_arm[arm]) for arm in by_arm}
    assert seeds["whale"] == seeds["big"] == seeds["quiet"]


def test_a_row_is_the_arm_run_alone_with_that_seed(exp):
    from sim.study.sweep import load_study

    study = load_study(str(exp), ["link.hedge.latency=100ms"], arms=["big"])
    (point,) = study.points()
    (task,) = tasks(study, point)
    row = run_task(task)
    alone = arm_config(read_toml(exp), "big", ["link.hedge.latency=0.1", f"experiment.seed={task.seed}"])
    result = World(alone).run()
    expected = flatten(result.summary)
    assert {k: row[k] for k in ("peak_price.spot", "liquidations", "records")} == {
        k: expected[k] for k in ("peak_price.spot", "liquidations", "records")
    }
    # an arm's row has the playbook figures too, as its ensemble has
    playbook = flatten(run_metrics(result), "playbook.")
    keys = ("playbook.perp_liquidations.count", "playbook.perp_liquidations.notional", "playbook.bad_debt")
    assert {k: row[k] for k in keys} == {k: playbook[k] for k in keys}
    assert row["playbook.perp_liquidations.count"] > 0  # the whale liquidates: the figures are not all zero


def test_arm_picks_arms_and_is_refused_where_there_are_none(exp, tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms", "--arm", "quiet", "--out", str(out)]) == 0
    assert {r["arm"] for r in read_rows(out / "sweep.csv")[1]} == {"quiet"}
    capsys.readouterr()
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms", "--arm", "qiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--arm: no arm 'qiet' in tiny (its arms: whale, big, quiet) (did you mean 'quiet'?)" in err
    (tmp_path / "plain").mkdir()
    plain = write_tiny(tmp_path / "plain")
    assert main(["sweep", str(plain), "--grid", "link.hedge.latency=0ms", "--arm", "quiet"]) == 2
    assert "--arm: tiny has no [arms]" in capsys.readouterr().err


def test_critical_searches_each_arm_in_its_own_folder(exp, tmp_path, capsys):
    out = tmp_path / "crit"
    args = ["critical", str(exp), "--param", "igniter.whale.notional", "--metric", "liquidations"]
    args += ["--threshold", "5", "--range", "50000:200000", "--points", "3", "--tol", "50000", "--out", str(out)]
    assert main([*args, "--arm", "whale", "--no-plots"]) == 0
    assert "arm whale: critical igniter.whale.notional: mean liquidations crosses 5 once" in capsys.readouterr().out
    assert {r["arm"] for r in read_rows(out / "whale" / "sweep.csv")[1]} == {"whale"}
    assert not (out / "big").exists()


def test_the_whole_file_of_an_experiment_with_arms_is_never_built(exp):
    raw = read_toml(exp)
    with pytest.raises(ConfigError, match="tiny has arms \\(whale, big, quiet\\): choose one"):
        point_config(raw, [], {"link.hedge.latency": 0.1})
    assert point_config(raw, [], {"arm": "quiet"}).igniter == {}


def test_the_api_makes_the_caller_choose_an_arm():
    with pytest.raises(
        ConfigError, match="bear_playbook has arms \\(call_option, dual, dual_quoting, neither, dual_rally\\)"
    ):
        api.load("bear_playbook")
    assert list(api.arms("bear_playbook")) == ["call_option", "dual", "dual_quoting", "neither", "dual_rally"]
    dual = api.load("bear_playbook", seed=3, arm="dual")
    assert dual.experiment.name == "bear_playbook:dual" and dual.experiment.seed == 3
    assert set(dual.holder) == {"holders"} and dual.option_mm == {}
    whole = from_dict(raw_experiment("bear_playbook"))  # every arm's components at once
    with pytest.raises(ConfigError, match="choose one"):
        api.run(whole)


def test_run_with_arm_runs_only_the_arms_named(exp, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(exp), "--arm", "big", "--arm", "quiet", "--out", str(out), "--no-plots"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["big", "quiet"]
