"""``perpsim trace RUN [--id N]``: a run's waves and links, or the cause chain of one record.

A hop between two nodes the topology (the run's config.toml) does not link is labelled
*indirect*: the record reacted to something relayed by a third node (a venue's market data).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.plots.formats import delay, usd_short

NAME = "trace"
HELP = "a run's liquidation waves and per-link delays, or (--id N) the cause chain of record N"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a results folder written by 'perpsim run'")
    p.add_argument(
        "--id", type=int, dest="rid", metavar="N", help="print the chain from the exogenous start to record N"
    )
    p.add_argument(
        "--wave-share",
        type=float,
        metavar="S",
        help="the forced share of a move that starts a new wave (default 0.5, as in the summary)",
    )
    p.add_argument(
        "--wave-step",
        type=float,
        metavar="F",
        help="the least rise of the index (a fraction) that starts a new wave (default 0.01, as in the summary)",
    )


def run(args: argparse.Namespace) -> int:
    import networkx as nx

    from sim.analysis import causes as analysis
    from sim.analysis.runfolder import open_run
    from sim.analysis.waves import WAVE_SHARE, WAVE_STEP
    from sim.core.errors import ConfigError
    from sim.core.trace import Kind
    from sim.engine.config import topology
    from sim.study.experiments import load_experiment

    share = WAVE_SHARE if args.wave_share is None else args.wave_share
    step = WAVE_STEP if args.wave_step is None else args.wave_step
    if not 0 < share <= 1:
        raise ConfigError("--wave-share", f"must be in (0, 1], got {share}")
    if not 0 <= step < 1:
        raise ConfigError("--wave-step", f"must be in [0, 1), got {step}")
    folder = open_run(args.run)
    table = folder.trace
    links = set(topology(load_experiment(str(folder.path / "config.toml"))).edges)
    if args.rid is None:
        print(_report(analysis.waves(table, share, step), analysis.edge_delays(table), links))
        return 0
    if not 0 <= args.rid < len(table):
        raise ConfigError("--id", f"no record {args.rid} in {folder.path} (ids run from 0 to {len(table) - 1})")
    print(
        _chain(analysis.critical_path(table, args.rid), int(analysis.generations(table, share, step)[args.rid]), links)
    )
    led_to = sorted(nx.descendants(analysis.cause_tree(table), args.rid))
    liquidations = int((table.kind[led_to] == Kind.LIQUIDATION).sum())
    print(f"record {args.rid} led to {len(led_to):,} records, {liquidations:,} of them liquidations")
    return 0


def _link(src: str, dst: str, links: set[tuple[str, str]]) -> str:
    """ "src → dst", marked indirect when the topology has no such link."""
    return f"{src} → {dst}" + ("" if (src, dst) in links else " (indirect)")


def _chain(hops: list, wave: int, links: set[tuple[str, str]]) -> str:
    """Header, then one line per hop: id, time, node, kind, delay since the previous hop, link."""
    root, last = hops[0], hops[-1]
    lines = [
        f"record {last.id}: {last.kind} at {last.node}, t = {last.t:.6f} s, wave {wave}; "
        f"{len(hops) - 1} hops, {delay(last.t - root.t)} after {root.kind} at {root.node}",
        f"{'id':>8}  {'t (s)':>12}  {'node':<12} {'kind':<12} {'delay':>9}  link",
    ]
    for prev, hop in zip([None, *hops], hops, strict=False):
        step = "" if hop.delay is None else f"+{delay(hop.delay)}"
        link = _link(prev.node, hop.node, links) if prev and prev.node != hop.node else ""
        lines.append(f"{hop.id:>8}  {hop.t:>12.6f}  {hop.node:<12} {hop.kind:<12} {step:>9}  {link}".rstrip())
    return "\n".join(lines)


def _report(waves: list, edges: list, links: set[tuple[str, str]]) -> str:
    """The waves table (forced flow per channel), then the hops per link, direct links first."""
    lines = [
        f"{'wave':>4}  {'start (s)':>9}  {'end (s)':>9}  {'batches':>7}  {'liquidations':>12}  {'notional':>11}  "
        f"{'forced':>6}  {'perp book':>11}  {'off book':>11}  {'spot hedges':>11}  {'unwinds':>11}  "
        f"{'amplif.':>7}  last id"
    ]
    for w in waves:
        amp = "n/a" if w.amplification is None else f"{w.amplification:.1f}x"
        flow = "  ".join(f"{usd_short(x):>11}" for x in (w.forced.perp_book, w.forced.off_book))
        flow += "  " + "  ".join(f"{usd_short(x):>11}" for x in (w.forced.spot_hedges, w.forced.unwinds))
        lines.append(
            f"{w.wave:>4}  {w.start_s:>9.3f}  {w.end_s:>9.3f}  {w.batches:>7}  {w.count:>12,}  "
            f"{usd_short(w.notional):>11}  {w.forced_share:>6.0%}  {flow}  {amp:>7}  {w.last_id}"
        )
    if not waves:
        lines.append("(no liquidations)")
    else:
        lines.append("forced: share of the wave's first move made by forced flow; amplif.: its forced flow ÷ ignition")
    lines += ["", f"{'link':<36}  {'hops':>7}  {'mean':>9}  {'p50':>9}  {'p99':>9}  {'carried':>12}"]
    for e in sorted(edges, key=lambda e: (e.src, e.dst) not in links):
        lines.append(
            f"{_link(e.src, e.dst, links):<36}  {e.count:>7,}  {delay(e.mean):>9}  {delay(e.p50):>9}  "
            f"{delay(e.p99):>9}  {usd_short(e.notional):>12}"
        )
    if any((e.src, e.dst) not in links for e in edges):
        lines.append("(indirect): no link joins the two nodes; the record reacted to market data relayed by a venue")
    return "\n".join(lines)
