"""docs/ARCHITECTURE.md names files and functions; they must exist, so the map stays true.

Checked: every ``path.py`` it names in backquotes is a file of the repo, and every function or
``Class.method`` on a row of its liquidation path ("One liquidation, through the files") is
defined in a module named on that row or an earlier one (a row goes on in the last node's module).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text()


def defined(path: Path) -> set[str]:
    """Every function and class a module defines, methods as ``Class.method`` and bare."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    names |= {item.name, f"{node.name}.{item.name}"}
    return names


def path_rows() -> list[str]:
    """The rows of the liquidation-path table."""
    section = DOC.split("## One liquidation, through the files", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if re.match(r"\|\s*\d+\s*\|", line)]


def test_every_file_the_map_names_exists() -> None:
    named = set(re.findall(r"`((?:sim|processes|topology|tests|benchmarks)/[\w/]+\.py)`", DOC))
    assert named, "the map names no file"
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []


def test_every_hop_of_the_liquidation_path_names_a_function_that_exists() -> None:
    rows = path_rows()
    assert len(rows) >= 10
    missing: list[str] = []
    known: set[str] = set()
    for row in rows:
        for path in re.findall(r"`((?:sim|processes|topology)/[\w/]+\.py)`", row):
            known |= defined(ROOT / path)
        calls = re.findall(r"`([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)`", row)
        for call in calls:
            if call[0].isupper() and "." not in call and call not in known:
                continue  # a message or record type named in passing (Order, LiquidationJob, ...)
            if call.islower() and "." not in call and not call.startswith("_") and call not in known:
                continue  # a record kind (trade, liquidation, ...) or a field (pid, ...)
            if call not in known:
                missing.append(f"{call} (row: {row[:40]}...)")
    assert missing == []
