"""The sweep, critical and plot-sweep commands end to end on the tiny world."""

from __future__ import annotations

import json

from PIL import Image
from sweep_world import write_tiny

from sim.cli import main
from sim.study.store import read_rows

SWEEP_TABLE = """
[sweep]
grid = ["link.hedge.latency=0ms:200ms:100ms", "perp.perp.mmr=1%,2%"]
seeds = 2
"""


def test_a_bad_key_in_grid_exits_2_naming_it_before_any_run(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    code = main(["sweep", str(exp), "--grid", "link.hedge.latncy=0ms,1s", "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("perpsim: error: link.hedge.latncy: unknown key (did you mean 'latency'?)")
    assert not (tmp_path / "out").exists()


def test_a_bad_value_later_in_the_grid_also_fails_before_any_run(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    code = main(["sweep", str(exp), "--grid", "perp.perp.mmr=1%,150%", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "perp.perp.mmr: must be in (0, 1)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_sweep_table_of_an_experiment_file_is_the_default_grid(tmp_path, capsys):
    exp = write_tiny(tmp_path, SWEEP_TABLE)
    out = tmp_path / "table"
    assert main(["sweep", str(exp), "--out", str(out)]) == 0
    header, rows = read_rows(out / "sweep.csv")
    assert len(rows) == 12 and header[3:5] == ["link.hedge.latency", "perp.perp.mmr"]
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["grid"] == ["link.hedge.latency=0ms:200ms:100ms", "perp.perp.mmr=1%,2%"]
    assert manifest["units"] == {"link.hedge.latency": "duration", "perp.perp.mmr": "fraction"}
    assert "12 runs" in capsys.readouterr().out
    # the run command ignores the [sweep] table
    assert main(["run", str(exp), "--out", str(tmp_path / "run"), "--no-plots"]) == 0


def test_a_folder_holding_another_sweep_is_refused(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    out = str(tmp_path / "out")
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,1s", "--out", out]) == 0
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,2s", "--out", out]) == 2
    assert "holds a different sweep (grid differ)" in capsys.readouterr().err


def test_plot_sweep_draws_lines_and_a_heatmap_for_a_2d_grid(tmp_path):
    exp = write_tiny(tmp_path, SWEEP_TABLE)
    out = tmp_path / "plotted"
    assert main(["sweep", str(exp), "--out", str(out)]) == 0
    assert main(["plot", "sweep", str(out), "--threshold", "12"]) == 0
    for name in ("sweep.png", "sweep-heatmap.png"):
        with Image.open(out / name) as im:
            assert im.format == "PNG" and im.width > 600 and im.height > 400


def test_plot_sweep_names_a_wrong_metric(tmp_path, capsys):
    exp = write_tiny(tmp_path, SWEEP_TABLE)
    out = tmp_path / "plotted"
    main(["sweep", str(exp), "--out", str(out)])
    assert main(["plot", "sweep", str(out), "--metric", "peak_price.spt"]) == 2
    assert "did you mean 'peak_price.spot'" in capsys.readouterr().err


def test_critical_brackets_a_crossing_and_reuses_its_runs(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    args = [
        "critical",
        str(exp),
        "--param",
        "igniter.whale.notional",
        "--metric",
        "liquidations",
        "--threshold",
        "5",
        "--range",
        "50000:200000",
        "--tol",
        "20000",
        "--out",
        str(tmp_path / "crit"),
    ]
    assert main([*args, "--points", "4"]) == 0
    out = capsys.readouterr().out
    result = out[out.index("critical igniter.whale.notional: mean liquidations crosses 5") :].splitlines()
    assert result[1].startswith("  ≈ ") and " (rising): between " in result[1]
    rows = read_rows(tmp_path / "crit" / "sweep.csv")[1]
    assert {r["igniter.whale.notional"] for r in rows} >= {"50000", "100000", "150000", "200000"}  # the scan
    assert (tmp_path / "crit" / "critical.png").is_file()
    assert main([*args, "--points", "4"]) == 0  # a second time: the same answer from the rows already there
    assert capsys.readouterr().out.endswith("\n".join(result) + "\n")
    assert len(read_rows(tmp_path / "crit" / "sweep.csv")[1]) == len(rows)


def test_critical_rejects_an_unknown_metric_before_any_run(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    args = [
        "critical",
        str(exp),
        "--param",
        "link.hedge.latency",
        "--metric",
        "peak_price.spt",
        "--threshold",
        "12",
        "--range",
        "0ms:1s",
        "--out",
        str(tmp_path / "crit"),
    ]
    assert main(args) == 2
    assert "--metric: unknown metric 'peak_price.spt' (did you mean 'peak_price.spot'?)" in capsys.readouterr().err
    assert not (tmp_path / "crit").exists()
