"""The critical figure marks every crossing the search reports, on a search of the tiny world."""

from __future__ import annotations

from sweep_world import write_tiny

from sim.plots.critical import critical_figure
from sim.study.search import Search
from sim.study.store import read_rows


def test_each_crossing_has_its_line_and_the_band_stays_in_range(tmp_path):
    exp = write_tiny(tmp_path)
    (search,) = Search.create(
        str(exp),
        "igniter.whale.notional",
        "liquidations",
        5.0,
        "50000:200000",
        "20000",
        seeds=3,
        out=tmp_path / "crit",
        count=4,
    )
    scan = search.run(lambda line: None)
    assert scan.brackets
    fig = critical_figure(search, scan, read_rows(search.out / "sweep.csv")[1])
    ax = fig.axes[0]
    verticals = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1 and line.get_linestyle() == ":"]
    assert sorted(line.get_xdata()[0] for line in verticals) == sorted(b.estimate for b in scan.brackets)
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) == len(scan.brackets) and all(t.startswith("≈ ") for t in labels)
    (band,) = [c for c in ax.collections if c.get_label() == "95% confidence band"]
    assert band.get_paths()[0].vertices[:, 1].min() >= 0.0  # never below zero liquidations
    assert "threshold 5" in [line.get_label() for line in ax.get_lines()]


def test_a_duration_search_names_the_index_clocks_that_quantise_it(tmp_path):
    exp = write_tiny(tmp_path)
    (latency,) = Search.create(str(exp), "link.hedge.latency", "liquidations", 10.0, "0ms:2s", out=tmp_path / "a")
    assert latency.clocks() == "index publishes every 1s"
    (notional,) = Search.create(str(exp), "igniter.whale.notional", "liquidations", 10.0, "1:2", out=tmp_path / "b")
    assert notional.clocks() == ""
