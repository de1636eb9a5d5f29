"""perpsim report: the page's data (generic over kinds, chains kept whole when thinned), a
self-contained page, and the page in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

from sim import api
from sim.analysis.causes import critical_path, waves
from sim.analysis.runfolder import open_run
from sim.cli import main
from sim.core.trace import NO_CAUSE, Kind, Trace
from sim.plots import style
from sim.report.data import lanes, page_data, shown_records


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    # every short between $11 and $12: the cascade is over by 40 s of a 90 s run
    overrides = ["experiment.duration=90s", "perp.perp.populations.shorts.liq_price.high=12"]
    result = api.run(api.load("rocket", overrides=overrides))
    return api.save(result, tmp_path_factory.mktemp("run") / "rocket", plots=False)


@pytest.fixture(scope="module")
def report(run_folder):
    assert main(["report", str(run_folder)]) == 0
    return run_folder / "report.html"


def test_a_thinned_trace_keeps_every_shown_records_causes(run_folder):
    table = open_run(run_folder).trace
    assert shown_records(table).tolist() == list(range(len(table)))
    shown = shown_records(table, limit=400)
    assert len(shown) < len(table)
    kept = np.zeros(len(table), dtype=bool)
    kept[shown] = True
    causes = table.cause[shown]
    assert kept[causes[causes != NO_CAUSE]].all()
    assert (table.kind[shown] == "liquidation").any()


def test_the_page_opens_on_the_cascade(run_folder):
    run = open_run(run_folder)
    x0, x1 = page_data(run.trace, run.nodes, run.summary)["focus"]
    liq = run.trace.t[run.trace.kind == "liquidation"]
    ignite = run.trace.t[run.trace.kind == "ignite"]
    assert x0 < ignite.min() and liq.max() < x1 < run.trace.t.max()


def test_rows_and_colours_follow_the_trace_whatever_its_kinds():
    tr = Trace()
    tr.record(0.0, Kind.IGNITE, "whale", notional=1.0)
    tr.record(1.0, "novelty", "perp", 0)  # a kind the plots do not know yet
    tr.record(1.0, Kind.LIQUIDATION, "perp", 0, side=-1, price=11.0, notional=5.0, pid=0, bankruptcy=12.0)
    table = tr.table()
    nodes = {"whale": "igniter", "perp": "perp"}
    assert lanes(table, nodes) == [("whale", "ignite"), ("perp", "liquidation"), ("perp", "novelty")]
    data = page_data(table, nodes, {"simulated_s": 2.0})
    assert data["focus"] is None  # a short trace opens whole
    assert data["rows"] == ["whale · ignite", "perp · liquidation", "perp · novelty"]
    assert data["kind_colors"]["novelty"] == style.OTHER_COLOR
    assert data["records"]["row"] == [0, 2, 1]
    assert data["records"]["price"][0] is None  # NaN as JSON null
    assert data["records"]["pid"] == [None, None, 0]  # no pid (-1) as JSON null, pid 0 as itself
    assert data["records"]["bankruptcy"] == [None, None, 12.0]
    assert [w["count"] for w in data["waves"]] == [1]


def test_the_page_is_self_contained(report):
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert "Plotly.newPlot" in page and 'src="data:image/png;base64,' in page


class _Dom(HTMLParser):
    """The elements of a dumped DOM by id, and every element's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.elements: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        self._open.append(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for i in self._open:
            if i:
                self.text[i] = self.text.get(i, "") + data


def _chromium() -> str:
    found = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing under CI (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium on this machine (apt-get install chromium; CI installs it)")
    return found


def _headless(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_page_loads_in_a_browser_and_hovering_a_record_shows_its_cause_chain(report, run_folder, tmp_path):
    table = open_run(run_folder).trace
    liquidations = np.flatnonzero(table.kind == "liquidation")
    last, mark = int(liquidations[-1]), int(table.cause[liquidations[0]])  # the mark behind the first one
    # #record= selects the last liquidation, then #hover= moves the pointer onto the mark's marker
    url = f"{report.as_uri()}#record={last}&hover={mark}"
    done = _headless(tmp_path, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    body = next(attrs for tag, attrs in dom.elements if tag == "body")
    assert body["data-ready"] == "yes"  # the script ran to its end
    assert "hidden" in dom.by_id["errors"] and not dom.text.get("errors", "").strip()  # no script error
    classes = [attrs.get("class", "") for _, attrs in dom.elements]
    assert sum("js-plotly-plot" in c for c in classes) == 1 and sum(c == "main-svg" for c in classes) >= 2
    assert sum("scatterlayer" in c for c in classes) >= 1
    assert dom.by_id["chain-table"]["data-record"] == str(mark)
    assert dom.by_id["chain-table"]["data-via"] == "hover"  # through plotly's own hover event
    chain_html = done.stdout.split('id="chain-table"')[1].split("</table>")[0]
    chain_ids = [int(x) for x in re.findall(r"<tr><td>(\d+)</td>", chain_html)]
    assert chain_ids == [hop.id for hop in critical_path(table, mark)] and len(chain_ids) >= 4
    waves_html = done.stdout.split('id="waves-table"')[1].split("</table>")[0]
    assert waves_html.count("<tr>") == len(waves(table)) + 1
    assert "topology-img" in dom.by_id

    shot = tmp_path / "report.png"
    done = _headless(tmp_path, "--window-size=1400,1200", f"--screenshot={shot}", f"{report.as_uri()}#record={last}")
    assert done.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
