"""Ensembles: one experiment run over N seeds, a run folder per seed, and the spread of every metric.

``run_ensemble`` does, in order:

1. the seeds: the experiment's seed and the N − 1 after it, so member ``seed-K`` is what
   ``perpsim run NAME --seed K`` writes alone (an experiment with ``[arms]``: each arm chosen, with
   the same seeds, in a folder of its own);
2. runs every member on the executor (``--jobs``, ``--dask``, a remote cluster's workers
   included); each returns the files of its run folder (events.csv, summary.json, config.toml),
   its flat metrics and its spot prices sampled on a common time grid, and the folder is
   written here, as ``seed-K`` inside the ensemble's temporary folder;
3. writes ``ensemble.csv`` (a row per seed) and ``ensemble.json`` (per metric: mean, its 95%
   confidence interval cut to the metric's possible range, median, 5th/95th percentiles, min
   and max, over the seeds that have it);
4. draws ``ensemble.png`` (with the figures hook, sim/plots/figures.py) and writes ``ensemble.md``, a Markdown
   table of the chosen metrics (``--metric``, default the key ones) for the README: per metric
   the mean, its interval, median, 5–95% and range, or, for several arms, a column per arm;
5. renames the folder into place (sim/study/output.py's write_atomically), so a failed member (an
   invariant broken, exit 3) leaves nothing.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.config import read_toml
from sim.core.errors import ConfigError
from sim.core.schema import did_you_mean
from sim.core.trace import Kind
from sim.engine.config import from_dict
from sim.study.arms import no_arms
from sim.study.experiments import resolve
from sim.study.grid import ARM
from sim.study.output import Figures, write_atomically, write_files
from sim.study.stats import Spread, possible_range
from sim.study.store import cell
from sim.study.sweep import TINY, flatten, point_config, with_arms
from sim.study.workers import executor

TABLE, SUMMARY, FIGURE, MARKDOWN = "ensemble.csv", "ensemble.json", "ensemble.png", "ensemble.md"
GRID = 601  # samples of each spot price path over the run's duration
# The metrics of the one-line summary and of the figure's distributions, when a run has them.
KEY_METRICS = (
    "playbook.depth_median",
    "playbook.realised_vol",
    "playbook.holder_funding_yield",
    "playbook.holder_net_yield",
    "playbook.funding.mean",
    "playbook.option_premium",
    "playbook.option_premium_low",
    "playbook.option_premium_high",
    "playbook.lending_liquidations.count",
    "playbook.perp_liquidations.count",
    "price.",  # per spot venue: the peak in a squeeze, the low in a crash
    "liquidations",
    "waves",
    "amplification",
    "ignition_to_last_liquidation_s",
)


@dataclass(frozen=True)
class Spec:
    """What to run: an experiment (its raw TOML and overrides), an arm or none, and the seeds."""

    name: str
    raw: dict[str, Any]
    overrides: tuple[str, ...]
    arm: str | None
    seeds: tuple[int, ...]
    metrics: tuple[str, ...] = ()  # those of the summary line and ensemble.md (default: key_metrics)


@dataclass(frozen=True)
class MemberTask:
    """One seed of an ensemble."""

    spec: Spec
    seed: int
    check_every_event: bool = False


@dataclass
class Member:
    """One seed's result: its flat metrics, its spot venues' last traded price on ``Ensemble.grid``,
    and its run folder's files (name → content) until they are written."""

    seed: int
    metrics: dict[str, Any]
    prices: dict[str, np.ndarray]
    wall_s: float
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def label(self, spec: Spec) -> str:
        return f"seed {self.seed}" if spec.arm is None else f"arm {spec.arm} seed {self.seed}"


@dataclass
class Ensemble:
    """The members of one ensemble (by seed) and the spread of each metric over them."""

    spec: Spec
    duration: float
    members: list[Member]
    folder: Path
    spreads: dict[str, Spread | None] = field(default_factory=dict)

    @property
    def title(self) -> str:
        arm = f":{self.spec.arm}" if self.spec.arm else ""
        return f"{self.spec.name}{arm}"

    @property
    def grid(self) -> np.ndarray:
        return np.linspace(0.0, self.duration, GRID)

    @property
    def seeds(self) -> list[int]:
        return [m.seed for m in self.members]

    def key_metrics(self) -> list[str]:
        """The KEY_METRICS the members have, in that order; the price is each spot venue's peak,
        or its low when most seeds' cascades sell."""
        sells = sum(m.metrics.get("cascade_direction") == "sell" for m in self.members) * 2 > len(self.members)
        venues = list(dict.fromkeys(v for m in self.members for v in m.prices))
        prices = [f"{'min' if sells else 'peak'}_price.{v}" for v in venues]
        names = [n for key in KEY_METRICS for n in (prices if key == "price." else [key])]
        return [n for n in names if self.spreads.get(n) is not None]

    def shown(self) -> list[str]:
        """The metrics of the summary line and table: the chosen ones, or the key ones."""
        return [n for n in self.spec.metrics if self.spreads.get(n) is not None] or self.key_metrics()

    def line(self) -> str:
        """The one-line summary: the seeds, then each shown metric's mean and 95% interval."""
        parts = []
        for name in self.shown():
            s = self.spreads[name]
            of = f", {s.n} of {s.n + s.missing} seeds" if s.missing else ""
            parts.append(f"{name} {show_value(s.mean)} (95% CI {span(s.ci_low, s.ci_high)}{of})")
        seeds = f"seeds {self.seeds[0]}–{self.seeds[-1]}" if len(self.seeds) > 1 else f"seed {self.seeds[0]}"
        return f"{self.title}: {len(self.members)} runs ({seeds}), mean: " + "; ".join(parts)


def specs(
    experiment: str,
    seeds: int,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    arms: Sequence[str] = (),
    metrics: Sequence[str] = (),
) -> list[Spec]:
    """The ensembles to run: one, or one per arm (the ``arms`` named, or every arm) of an
    experiment with [arms]; every key, value, arm and metric name checked before any run."""
    if seeds < 1:
        raise ConfigError("--seeds", f"must be >= 1, got {seeds}")
    raw = read_toml(resolve(experiment))
    base = from_dict(raw, list(overrides))
    first = base.experiment.seed if seed is None else seed
    axis = next(iter(with_arms(base, [], arms)), None)
    chosen: list[str | None] = list(axis.values) if axis else [None]
    out = []
    for arm in chosen:
        spec = Spec(
            base.experiment.name, raw, tuple(overrides), arm, tuple(range(first, first + seeds)), tuple(metrics)
        )
        _config(spec, first)  # a bad arm or value fails here
        if metrics:
            known = metric_names(spec)
            for name in metrics:
                if name not in known:
                    raise ConfigError("--metric", f"unknown metric '{name}'" + did_you_mean(name, known))
        out.append(spec)
    return out


def metric_names(spec: Spec) -> list[str]:
    """The metric columns a member of ``spec`` has, from its world built and run for no time."""
    from sim.engine.world import World

    config = _config(replace(spec, overrides=(*spec.overrides, f"experiment.duration={TINY}")), spec.seeds[0])
    result = World(config).run()
    return list(_metrics(result, spec))


def _metrics(result, spec: Spec) -> dict[str, Any]:
    """A run's flat summary metrics, with the playbook figures (``playbook.*``) for an arm."""
    metrics = flatten(result.summary)
    if spec.arm is not None:
        from sim.analysis.playbook import run_metrics

        playbook = run_metrics(result)
        metrics.update(flatten(playbook, "playbook."))
    return metrics


def _config(spec: Spec, seed: int):
    values = {} if spec.arm is None else {ARM: spec.arm}
    return no_arms(point_config(spec.raw, spec.overrides, values, seed))


def run_member(task: MemberTask) -> Member:
    """Run one seed, make its run folder's files (no plots) and sample its spot prices on the grid."""
    from sim.engine.world import World

    config = _config(task.spec, task.seed)
    result = World(config).run(task.check_every_event)
    with tempfile.TemporaryDirectory() as tmp:
        write_files(result, Path(tmp))
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}
    metrics = _metrics(result, task.spec)
    grid = np.linspace(0.0, config.experiment.duration, GRID)
    table = result.trace
    prices = {}
    for venue in (n for n, kind in result.nodes.items() if kind == "spot"):
        at = (table.node == venue) & np.isin(table.kind, (Kind.TRADE, Kind.OPEN)) & np.isfinite(table.price)
        t, p = table.t[at], table.price[at]
        i = np.searchsorted(t, grid, side="right") - 1  # the last print at or before each time
        prices[venue] = np.where(i >= 0, p[np.maximum(i, 0)], np.nan) if len(p) else np.full(GRID, np.nan)
    return Member(task.seed, metrics, prices, result.summary["wall_time_s"], files)


def run_ensemble(
    spec: Spec,
    folder: Path,
    jobs: int = 1,
    dask: str | None = None,
    check_every_event: bool = False,
    on_member=lambda member: None,
) -> Ensemble:
    """Run every seed of ``spec`` into ``folder`` (which exists), then write its table and summary."""
    tasks = [MemberTask(spec, s, check_every_event) for s in spec.seeds]
    members = []
    with executor(jobs, dask) as run_all:
        for member in run_all(run_member, tasks):
            (folder / f"seed-{member.seed}").mkdir()
            for name, content in member.files.items():
                (folder / f"seed-{member.seed}" / name).write_bytes(content)
            member.files = {}
            members.append(member)
            on_member(member)
    members.sort(key=lambda m: m.seed)
    duration = _config(spec, spec.seeds[0]).experiment.duration
    ensemble = Ensemble(spec, duration, members, folder)
    names = list(dict.fromkeys(k for m in members for k, v in m.metrics.items() if _numeric(v)))
    rows = [m.metrics for m in members]
    ensemble.spreads = {
        n: Spread.of([_value(m.metrics.get(n)) for m in members], possible_range(n, rows)) for n in names
    }
    _write_table(ensemble, folder / TABLE)
    summary = {
        "experiment": ensemble.title,
        "seeds": ensemble.seeds,
        "overrides": list(spec.overrides),
        "metrics": {n: (asdict(s) if s else None) for n, s in ensemble.spreads.items()},
    }
    (folder / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
    return ensemble


def write_ensembles(
    specs: list[Spec],
    out: Path,
    force: bool = False,
    figures: Figures | None = None,
    jobs: int = 1,
    dask: str | None = None,
    check_every_event: bool = False,
    on_member=lambda spec, member: None,
) -> list[Ensemble]:
    """Every ensemble into ``out`` (an arm's into ``out/ARM``), written atomically, with its figure."""
    done: list[Ensemble] = []

    def fill(tmp: Path) -> None:
        for spec in specs:
            where = tmp if spec.arm is None else tmp / spec.arm
            where.mkdir(exist_ok=True)
            ensemble = run_ensemble(spec, where, jobs, dask, check_every_event, lambda m, s=spec: on_member(s, m))
            if figures:
                figures.ensemble(ensemble, where / FIGURE)
            done.append(ensemble)

        (tmp / MARKDOWN).write_text(markdown(done))

    write_atomically(Path(out), force, fill)
    for ensemble in done:  # where they are now
        ensemble.folder = Path(out) if ensemble.spec.arm is None else Path(out) / ensemble.spec.arm
    return done


def markdown(ensembles: list[Ensemble]) -> str:
    """``ensemble.md``: the shown metrics of one ensemble (mean, 95% CI, median, 5–95%, range), or
    of several (arms) side by side, a column per ensemble with the mean and its interval."""
    first = ensembles[0]
    seeds = f"{len(first.seeds)} seeds ({first.seeds[0]}–{first.seeds[-1]})"
    chosen = [n for n in first.spec.metrics if any(e.spreads.get(n) for e in ensembles)]
    names = chosen or list(dict.fromkeys(n for e in ensembles for n in e.shown()))
    if len(ensembles) == 1:
        lines = [f"| {first.title}, {seeds} | mean | 95% CI | median | 5–95% | min–max |", "|---|---|---|---|---|---|"]
        for n in names:
            s = first.spreads[n]
            cells = [show_value(s.mean), span(s.ci_low, s.ci_high), show_value(s.median)]
            cells += [span(s.p5, s.p95), span(s.min, s.max)]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    else:
        lines = [
            f"| {first.spec.name}, {seeds}: mean (95% CI) | "
            + " | ".join(e.spec.arm or e.title for e in ensembles)
            + " |",
            "|---" * (len(ensembles) + 1) + "|",
        ]
        for n in names:
            cells = [_interval(e.spreads.get(n)) for e in ensembles]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _interval(s: Spread | None) -> str:
    return "" if s is None else f"{show_value(s.mean)} ({span(s.ci_low, s.ci_high)})"


def span(low: float, high: float) -> str:
    """An interval for people: "1.2–3.4", or "-5 to -2" when a dash would read as a minus."""
    sep = " to " if min(low, high) < 0 else "–"
    return f"{show_value(low)}{sep}{show_value(high)}"


def show_value(x: float) -> str:
    """A figure for people (summary line, table, plot): thousands separated, four significant
    digits below 1,000."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value(value: Any) -> float | None:
    return float(value) if _numeric(value) else None


def _write_table(ensemble: Ensemble, path: Path) -> None:
    """``ensemble.csv``: a row per seed, a column per metric (empty where a seed has none)."""
    columns = list(dict.fromkeys(k for m in ensemble.members for k in m.metrics))
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["seed", *columns])
        for m in ensemble.members:
            writer.writerow([m.seed, *(cell(m.metrics.get(c)) for c in columns)])
