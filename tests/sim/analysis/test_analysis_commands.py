"""The analysis commands on a run folder: plot timeline/topology (PNG, GIF), trace, compare,
and one-line errors with exit status 2 for a missing or malformed events.csv."""

from __future__ import annotations

import shutil

import pytest
from cascade_world import write_small_run
from matplotlib.image import imread
from PIL import Image

from sim.cli import main
from sim.engine.config import from_dict
from sim.plots import style
from sim.plots.overlay import COMPARE_SIZE, run_labels
from sim.plots.topology import ANIMATION_DPI, ANIMATION_SIZE, TOPOLOGY_SIZE


def _px(size: tuple[float, float], dpi: int = style.DPI) -> tuple[int, int]:
    return round(size[1] * dpi), round(size[0] * dpi)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two run folders of the small world, at two hedge latencies."""
    root = tmp_path_factory.mktemp("runs")
    return [write_small_run(root / f"hedge-{lat}", [f"link.hedge.latency={lat}"]) for lat in ("150ms", "300ms")]


def _png_shape(path) -> tuple[int, int]:
    assert path.is_file() and path.stat().st_size > 0
    return imread(path).shape[:2]


@pytest.mark.parametrize(
    ("argv", "name", "size"),
    [
        (["plot", "timeline"], "timeline.png", style.TIMELINE_SIZE),
        (["plot", "topology"], "topology.png", TOPOLOGY_SIZE),
    ],
)
def test_plot_commands_write_a_png_of_the_expected_size_into_the_run(runs, capsys, argv, name, size):
    assert main([*argv, str(runs[0])]) == 0
    assert capsys.readouterr().out == f"{runs[0] / name}\n"
    assert _png_shape(runs[0] / name) == _px(size)


def test_plot_topology_animate_writes_a_gif(runs, tmp_path, capsys):
    out = tmp_path / "cascade.gif"
    assert main(["plot", "topology", str(runs[0]), "--animate", "--frames", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3
        assert gif.size == _px(ANIMATION_SIZE, ANIMATION_DPI)[::-1]


def test_compare_writes_a_png_labelled_by_the_differing_latency(runs, tmp_path, capsys):
    out = tmp_path / "cmp.png"
    assert main(["compare", *map(str, runs), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert _png_shape(out) == _px(COMPARE_SIZE)


def test_run_labels_name_what_differs_or_fall_back_to_names(small_config):
    a, b = small_config(), small_config(["link.hedge.latency=300ms", "market_maker.mm.hedge_ratio=0.5"])
    assert run_labels([a, b], ["a", "b"]) == [
        "market_maker.mm.hedge_ratio=1, link.hedge.latency=150ms",
        "market_maker.mm.hedge_ratio=0.5, link.hedge.latency=300ms",
    ]
    assert run_labels([a, small_config()], ["a", "b"]) == ["a", "b"]


@pytest.fixture
def small_config():
    from cascade_world import small_raw

    return lambda overrides=(): from_dict(small_raw(), list(overrides))


def test_trace_prints_one_line_per_hop_of_the_chain(runs, capsys):
    assert main(["trace", str(runs[0]), "--id", "0"]) == 0  # the spot venue's opening record
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("record 0: open at spot, t = 0.000000 s, wave 0; 0 hops")
    assert len(lines) == 4  # header, column names, one hop, what it led to


def test_trace_of_the_last_liquidation_shows_each_hop_with_its_delay(runs, capsys):
    from sim.analysis.runfolder import open_run

    table = open_run(runs[0]).trace
    last = int((table.kind == "liquidation").nonzero()[0][-1])
    assert main(["trace", str(runs[0]), "--id", str(last)]) == 0
    lines = capsys.readouterr().out.splitlines()
    hops = lines[2:-1]
    assert hops[0].split()[2:4] == ["whale", "ignite"]
    assert hops[-1].split()[2:4] == ["perp", "liquidation"]
    hedge_hops = [h for h in hops if h.endswith("mm → spot")]
    assert hedge_hops and all("+150 ms" in h for h in hedge_hops)


def test_trace_without_id_prints_waves_and_links(runs, capsys):
    assert main(["trace", str(runs[0])]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[0] == "1"  # wave 1
    assert "mm → spot" in out and "whale → spot" in out


def test_trace_waves_are_the_summarys_and_hops_without_a_link_are_labelled_indirect(tmp_path, capsys):
    import json

    from sim import api
    from sim.study.output import write_run

    run = write_run(api.run(api.load("rocket")), tmp_path / "rocket")
    assert main(["trace", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[8:15] == ["forced", "perp", "book", "off", "book", "spot", "hedges"]
    waves = lines[1 : lines.index("") - 1]
    assert [int(w.split()[0]) for w in waves] == list(
        range(1, json.loads((run / "summary.json").read_text())["waves"] + 1)
    )
    links = lines[lines.index("") + 2 :]
    assert any(line.startswith("mm → spot ") for line in links)
    indirect = [line.split(" (indirect)")[0] for line in links if " (indirect) " in line]
    assert "lp → takers" in indirect and "mm → spot" not in indirect  # lp reaches takers only through spot's data
    assert links[-1].startswith("(indirect): no link joins the two nodes")


@pytest.mark.parametrize(
    ("option", "value", "bounds"),
    [("--wave-share", "0", "(0, 1]"), ("--wave-share", "1.5", "(0, 1]"), ("--wave-step", "-0.01", "[0, 1)")],
)
def test_trace_rejects_wave_thresholds_out_of_bounds(runs, capsys, option, value, bounds):
    assert main(["trace", str(runs[0]), option, value]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"perpsim: error: {option}: must be in {bounds}, got {float(value)}\n"


def test_a_malformed_contributors_csv_is_one_line_and_exit_2(runs, tmp_path, capsys):
    run = shutil.copytree(runs[0], tmp_path / "damaged")
    (run / "contributors.csv").write_text("record,contributor,share\n5,1,nan?\n")
    assert main(["trace", str(run)]) == 2
    out, err = capsys.readouterr()
    assert (
        out == "" and err == f"perpsim: error: {run / 'contributors.csv'}: line 2: expected record,contributor,share\n"
    )


def test_trace_unknown_id_is_one_line(runs, capsys):
    assert main(["trace", str(runs[0]), "--id", "1000000"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("perpsim: error: --id: no record 1000000") and err.count("\n") == 1


COMMANDS = [
    ["plot", "timeline", "{run}"],
    ["plot", "topology", "{run}"],
    ["plot", "topology", "{run}", "--animate", "--frames", "2"],
    ["trace", "{run}", "--id", "3"],
    ["compare", "{run}", "{good}"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]) + (" --animate" if "--animate" in a else ""))
@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda p: p.unlink(), "events.csv: no such file"),
        (lambda p: p.write_text("id,t,what\n0,0.0,open\n"), "events.csv: line 1: expected columns"),
        (lambda p: p.write_text(p.read_text().replace("\n3,", "\n3,x", 1)), "events.csv: line 5: column t"),
    ],
    ids=["missing", "bad header", "bad value"],
)
def test_missing_or_malformed_events_csv_is_one_line_and_exit_2(runs, tmp_path, capsys, argv, damage, expected):
    run = shutil.copytree(runs[0], tmp_path / "damaged")
    (run / "events.parquet").unlink()  # else the commands read it (see test_damaged_parquet_is_one_line_and_exit_2)
    damage(run / "events.csv")
    before = sorted(p.name for p in run.iterdir())
    code = main([a.format(run=run, good=runs[1]) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("perpsim: error: ") and expected in err and err.count("\n") == 1
    assert sorted(p.name for p in run.iterdir()) == before  # nothing written
