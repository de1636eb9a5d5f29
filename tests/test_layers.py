"""The layout's two rules, checked on the source: no module imports from a layer above its own,
and no two modules import each other, directly or around a loop.

Every import statement counts, also those under ``if TYPE_CHECKING:`` or inside a function:
a reader meets them all. The layers, bottom to top, are listed in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "processes", "topology")

# Bottom to top: a module may import from its own layer or a lower one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.market",),
    ("sim.core", "sim"),
    ("topology",),
    ("processes",),
    ("sim.analysis",),
    ("sim.engine",),
    ("sim.study",),
    ("sim.plots",),
    ("sim.report",),
    ("sim.commands", "sim.cli", "sim.api", "sim.__main__"),
)


def modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def import_graph() -> nx.DiGraph:
    """Module → the project modules it imports (``from pkg import submodule`` names the submodule)."""
    known = modules()
    graph = nx.DiGraph()
    for name, path in known.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                submodules = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known]
                targets = submodules or [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph.add_edges_from((name, t) for t in targets if t in known and t != name)
    return graph


def layer(module: str) -> int:
    """The index of ``module``'s layer: the longest listed prefix that it starts with."""
    best, level = "", -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, level = prefix, i
    if level < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/ARCHITECTURE.md")
    return level


def test_every_module_has_a_layer() -> None:
    for module in modules():
        layer(module)


def upward_imports(graph: nx.DiGraph) -> list[str]:
    """Every import of a module from a layer above the importer's."""
    return [f"{a} -> {b}" for a, b in graph.edges if layer(b) > layer(a)]


def import_cycles(graph: nx.DiGraph) -> list[str]:
    """Every loop of imports."""
    return [" -> ".join(c) for c in nx.simple_cycles(graph)]


def test_no_module_imports_from_a_layer_above_it() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_cycles() -> None:
    assert import_cycles(import_graph()) == []


def test_the_checks_can_fail() -> None:
    """The rules see an upward import and a cycle when there is one, and what is in no layer."""
    assert layer("sim.commands.run_experiment") > layer("sim.study.sweep") > layer("sim.market.clearing")
    bad = nx.DiGraph(
        [("sim.market.clearing", "sim.core.trace"), ("processes.a", "processes.b"), ("processes.b", "processes.a")]
    )
    assert upward_imports(bad) == ["sim.market.clearing -> sim.core.trace"]
    assert len(import_cycles(bad)) == 1
    with pytest.raises(AssertionError):
        layer("elsewhere.module")
