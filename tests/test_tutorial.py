"""docs/tutorial.ipynb runs from top to bottom in a real kernel, and shows what it says it shows."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def test_the_tutorial_runs_and_draws_its_figures(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")  # committed clean
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "rocket: a squeeze (buying ignition): " in text
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) == 2  # the waves and the sweep
    tables = [out["data"]["text/html"] for out in outputs if "text/html" in out.get("data", {})]
    assert any(all(f"<th>{c}</th>" in t for c in ("id", "node", "kind", "delay")) for t in tables)  # the chain
    assert any("<th>amplification</th>" in t for t in tables)  # the waves
