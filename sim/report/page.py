"""The report page: one HTML file with its data, script and plotly.js inlined (nothing fetched at view time).

Steps: gather the page data (``sim.report.data``), draw the topology as a PNG (matplotlib),
inline both with plotly.js and the page script (``report.js``) into ``page.html``.
"""

from __future__ import annotations

import base64
import html
import io
import json
from importlib.resources import files
from pathlib import Path

from sim.analysis.headline import headline
from sim.analysis.runfolder import RunFolder
from sim.report.data import page_data

_TEMPLATE = files("sim.report").joinpath("page.html")
_SCRIPT = files("sim.report").joinpath("report.js")


def plotly_js() -> str:
    """plotly.js as shipped in the plotly package (the ``data`` extra)."""
    return files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")


def _inline_json(value) -> str:
    """JSON safe inside a <script> element (no "</" to close it early)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def topology_png(folder: RunFolder) -> str:
    """The run's topology figure as a base64 PNG, or "" when its config.toml is missing."""
    from sim.engine.config import topology
    from sim.plots import style
    from sim.plots.topology import RunFlow, topology_figure
    from sim.study.experiments import load_experiment

    config = folder.path / "config.toml"
    if not config.is_file():
        return ""
    fig = topology_figure(topology(load_experiment(str(config))), "", RunFlow.from_trace(folder.trace))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=style.DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def report_html(folder: RunFolder) -> str:
    """The whole page for a run folder."""
    name = folder.summary.get("experiment", folder.path.name)
    try:
        line = headline(name, folder.summary)
    except KeyError:  # a summary from an older version without some metric: the title alone
        line = folder.title
    data = page_data(folder.trace, folder.nodes, folder.summary)
    png = topology_png(folder)
    topology = f'<img id="topology-img" alt="topology" src="data:image/png;base64,{png}">' if png else ""
    return (
        _TEMPLATE.read_text(encoding="utf-8")
        .replace("{{title}}", html.escape(folder.title))
        .replace("{{headline}}", html.escape(line))
        .replace("{{topology}}", topology)
        .replace("{{plotly}}", plotly_js().replace("</script", "<\\/script"))
        .replace("{{data}}", _inline_json(data))
        .replace("{{script}}", _SCRIPT.read_text(encoding="utf-8"))
    )


def write_report(folder: RunFolder, out: Path) -> Path:
    out.write_text(report_html(folder), encoding="utf-8")
    return out
