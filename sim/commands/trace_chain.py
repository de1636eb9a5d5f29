"""``perpsim trace RUN [--id N]``: a run's waves and links, or the cause chain of one record."""

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


def run(args: argparse.Namespace) -> int:
    import networkx as nx

    from sim import analysis
    from sim.runfolder import open_run

    folder = open_run(args.run)
    table = folder.trace
    if args.rid is None:
        print(_report(analysis.waves(table), analysis.edge_delays(table)))
        return 0
    if not 0 <= args.rid < len(table):
        from sim.schema import ConfigError

        raise ConfigError("--id", f"no record {args.rid} in {folder.path} (ids run from 0 to {len(table) - 1})")
    print(_chain(analysis.critical_path(table, args.rid), int(analysis.generations(table)[args.rid])))
    led_to = sorted(nx.descendants(analysis.cause_tree(table), args.rid))
    liquidations = int((table.kind[led_to] == "liquidation").sum())
    print(f"record {args.rid} led to {len(led_to):,} records, {liquidations:,} of them liquidations")
    return 0


def _chain(hops: list, wave: int) -> str:
    """Header, then one line per hop: id, time, node, kind, delay since the previous hop, link."""
    root, last = hops[0], hops[-1]
    lines = [
        f"record {last.id}: {last.kind} at {last.node}, t = {last.t:.6f} s, wave {wave}; "
        f"{len(hops) - 1} hops, {delay(last.t - root.t)} after {root.kind} at {root.node}",
        f"{'id':>8}  {'t (s)':>12}  {'node':<12} {'kind':<12} {'delay':>9}  link",
    ]
    for prev, hop in zip([None, *hops], hops, strict=False):
        step = "" if hop.delay is None else f"+{delay(hop.delay)}"
        link = f"{prev.node} → {hop.node}" if prev and prev.node != hop.node else ""
        lines.append(f"{hop.id:>8}  {hop.t:>12.6f}  {hop.node:<12} {hop.kind:<12} {step:>9}  {link}".rstrip())
    return "\n".join(lines)


def _report(waves: list, edges: list) -> str:
    """The waves table and the per-link table."""
    lines = [
        f"{'wave':>4}  {'start (s)':>10}  {'end (s)':>10}  {'liquidations':>12}  {'notional':>12}  "
        f"{'forced buys':>12}  {'amplif.':>7}  last id"
    ]
    for w in waves:
        amp = "n/a" if w.amplification is None else f"{w.amplification:.1f}x"
        lines.append(
            f"{w.wave:>4}  {w.start_s:>10.3f}  {w.end_s:>10.3f}  {w.count:>12,}  {usd_short(w.notional):>12}  "
            f"{usd_short(w.forced_notional):>12}  {amp:>7}  {w.last_id}"
        )
    if not waves:
        lines.append("(no liquidations)")
    lines += ["", f"{'link':<24}  {'hops':>7}  {'mean':>9}  {'p50':>9}  {'p99':>9}  {'carried':>12}"]
    for e in edges:
        lines.append(
            f"{e.src + ' → ' + e.dst:<24}  {e.count:>7,}  {delay(e.mean):>9}  {delay(e.p50):>9}  "
            f"{delay(e.p99):>9}  {usd_short(e.notional):>12}"
        )
    return "\n".join(lines)
