"""The venue graph: a networkx DiGraph of nodes (venues, participants) and links.

``build_graph`` turns a Config into the graph and validates it: every perp venue is fed by
its index node, every index node by its sources, every hedge link ends at a spot venue,
every participant has the links it needs, no link is duplicated or dangling.
"""

from __future__ import annotations

import networkx as nx

from sim.core.config import Config, node_kinds
from sim.schema import ConfigError, a_or_an

VENUE_KINDS = ("spot", "perp", "index")


def build_graph(config: Config) -> nx.DiGraph:
    """Build and validate the topology graph of an experiment."""
    graph = nx.DiGraph()
    for node, kind in node_kinds(config).items():
        graph.add_node(node, kind=kind)
    for lid, link in config.link.items():
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
    _check_needed_links(config, graph)
    return graph


def _need(graph: nx.DiGraph, src: str, dst: str, kind: str, key: str) -> None:
    if not graph.has_edge(src, dst):
        raise ConfigError(
            key,
            f"no link from '{src}' to '{dst}' (add a [link.<id>] with src = \"{src}\", "
            f'dst = "{dst}", kind = "{kind}")',
        )


def _need_kind(graph: nx.DiGraph, src: str, dst: str, kind: str, key: str) -> None:
    """A needed link whose kind matters: the sender publishes only on links of that kind."""
    _need(graph, src, dst, kind, key)
    edge = graph.edges[src, dst]
    if edge["kind"] != kind:
        raise ConfigError(f"link.{edge['id']}.kind", f'must be "{kind}" ({src} -> {dst}), got "{edge["kind"]}"')


def _check_needed_links(config: Config, graph: nx.DiGraph) -> None:
    for pid, perp in config.perp.items():
        _need(graph, perp.index, pid, "index", f"perp.{pid}.index")
    for iid, index in config.index.items():
        for src in index.sources:
            _need(graph, src, iid, "md", f"index.{iid}.sources.{src}")
        for src in graph.predecessors(iid):
            if src not in index.sources:
                lid = graph.edges[src, iid]["id"]
                raise ConfigError(f"link.{lid}.src", f"'{src}' is not a source of index '{iid}' (add it to sources)")
    for mid, mm in config.market_maker.items():
        _need(graph, mid, mm.perp, "order", f"market_maker.{mid}.perp")
        _need(graph, mm.perp, mid, "fill", f"market_maker.{mid}.perp")
        for venue in mm.hedge:
            _need(graph, mid, venue, "hedge", f"market_maker.{mid}.hedge.{venue}")
        _need(graph, reference_of(config, mid), mid, "md", f"market_maker.{mid}.reference")
    for section in ("liquidity", "option_mm", "quoting_borrower"):
        for lid, lp in getattr(config, section).items():
            _need(graph, lid, lp.venue, "order", f"{section}.{lid}.venue")
            _need(graph, lp.venue, lid, "md", f"{section}.{lid}.venue")
    for hid, holder in config.holder.items():
        _need(graph, hid, holder.pool, "order", f"holder.{hid}.pool")
        _need(graph, holder.pool, hid, "md", f"holder.{hid}.pool")
        _need(graph, hid, holder.perp, "order", f"holder.{hid}.perp")
        _need(graph, holder.perp, hid, "md", f"holder.{hid}.perp")
    for fid, fwd in config.forward.items():
        _need(graph, fid, fwd.pool, "order", f"forward.{fid}.pool")
        _need(graph, fwd.pool, fid, "md", f"forward.{fid}.pool")
        _need(graph, fid, fwd.spot, "order", f"forward.{fid}.spot")
    for qid, quoting in config.quoting_borrower.items():
        _need(graph, qid, quoting.pool, "order", f"quoting_borrower.{qid}.pool")
        _need(graph, quoting.pool, qid, "md", f"quoting_borrower.{qid}.pool")
    for bid, basis in config.basis.items():
        _need(graph, bid, basis.perp, "order", f"basis.{bid}.perp")
        _need(graph, basis.perp, bid, "md", f"basis.{bid}.perp")
        _need(graph, bid, basis.spot, "order", f"basis.{bid}.spot")
    for section in ("igniter", "noise"):
        for nid, comp in getattr(config, section).items():
            _need(graph, nid, comp.venue, "order", f"{section}.{nid}.venue")
    for pid, pt in config.profit_taker.items():
        _need(graph, pid, pt.venue, "order", f"profit_taker.{pid}.venue")
        _need(graph, pt.venue, pid, "md", f"profit_taker.{pid}.venue")
    for fid, flow in config.order_flow.items():
        _need(graph, fid, flow.venue, "order", f"order_flow.{fid}.venue")
        _need_kind(graph, flow.venue, fid, "md", f"order_flow.{fid}.venue")
    for uid, unwinder in config.unwinder.items():
        _need(graph, uid, unwinder.perp, "order", f"unwinder.{uid}.perp")
        _need_kind(graph, unwinder.perp, uid, "fill", f"unwinder.{uid}.perp")
    for oid, oracle in config.oracle.items():
        _need_kind(graph, oracle.source, oid, "md", f"oracle.{oid}.source")
    for lid, pool in config.lending.items():
        _need_kind(graph, pool.oracle, lid, "oracle", f"lending.{lid}.oracle")
    for qid, liq in config.liquidator.items():
        _need(graph, liq.pool, qid, "md", f"liquidator.{qid}.pool")
        _need(graph, qid, liq.pool, "order", f"liquidator.{qid}.pool")
        _need(graph, qid, liq.venue, "order", f"liquidator.{qid}.venue")


def reference_of(config: Config, mm_id: str) -> str:
    """The node whose prices a market maker quotes around (default: its first hedge venue)."""
    mm = config.market_maker[mm_id]
    return mm.reference or next(iter(mm.hedge))
