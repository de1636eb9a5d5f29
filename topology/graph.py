"""The venue graph: a networkx DiGraph of nodes (venues, participants) and links.

``build_graph`` turns node kinds, links and what each node needs of the links into the graph
and validates it: every hedge link ends at a spot venue, every node has the links it needs
(a perp is fed by its index, an index by its sources only, ...), no link is duplicated or
dangling. What a node needs is declared by its kind (sim/engine/registry.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.core.config import Link
from sim.core.errors import ConfigError
from sim.core.schema import a_or_an

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class NeededLink:
    """A link ``src`` → ``dst`` a node cannot work without, asked for by config key ``key``;
    ``kind`` is the link kind to suggest, and with ``exact`` the only kind accepted (the sender
    publishes only on links of that kind)."""

    src: str
    dst: str
    kind: str
    key: str
    exact: bool = False

    def check(self, graph: nx.DiGraph) -> None:
        if not graph.has_edge(self.src, self.dst):
            raise ConfigError(
                self.key,
                f"no link from '{self.src}' to '{self.dst}' (add a [link.<id>] with src = \"{self.src}\", "
                f'dst = "{self.dst}", kind = "{self.kind}")',
            )
        edge = graph.edges[self.src, self.dst]
        if self.exact and edge["kind"] != self.kind:
            raise ConfigError(
                f"link.{edge['id']}.kind", f'must be "{self.kind}" ({self.src} -> {self.dst}), got "{edge["kind"]}"'
            )


@dataclass(frozen=True)
class OnlyFrom:
    """Only ``allowed`` (listed in the node's ``field``) may link into node ``node`` of kind ``kind``."""

    node: str
    kind: str
    allowed: Collection[str]
    field: str

    def check(self, graph: nx.DiGraph) -> None:
        for src in graph.predecessors(self.node):
            if src not in self.allowed:
                lid = graph.edges[src, self.node]["id"]
                raise ConfigError(
                    f"link.{lid}.src",
                    f"'{src}' is not a source of {self.kind} '{self.node}' (add it to {self.field})",
                )


Requirement = NeededLink | OnlyFrom


def build_graph(kinds: Mapping[str, str], links: Mapping[str, Link], needs: Iterable[Requirement]) -> nx.DiGraph:
    """Build and validate the topology graph of an experiment.

    1. a node per id, with its kind; 2. an edge per link, refusing loops, duplicates and hedge
    links that do not end at a spot venue; 3. each node's requirements, in order.
    """
    import networkx as nx  # here: loading a config imports this module, and needs no networkx

    graph = nx.DiGraph()
    for node, kind in kinds.items():
        graph.add_node(node, kind=kind)
    for lid, link in links.items():
        key = f"link.{lid}"
        if link.src == link.dst:
            raise ConfigError(f"{key}.dst", f"a link cannot connect '{link.src}' to itself")
        if graph.has_edge(link.src, link.dst):
            other = graph.edges[link.src, link.dst]["id"]
            raise ConfigError(key, f"duplicate link {link.src} -> {link.dst} (already link.{other})")
        if link.kind == "hedge" and graph.nodes[link.dst]["kind"] != "spot":
            raise ConfigError(
                f"{key}.dst",
                f"a hedge link must end at a spot venue, '{link.dst}' is {a_or_an(graph.nodes[link.dst]['kind'])}",
            )
        graph.add_edge(link.src, link.dst, id=lid, kind=link.kind, latency=link.latency)
    for need in needs:
        need.check(graph)
    return graph
