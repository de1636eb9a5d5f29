"""The search behind ``perpsim critical``: a scan of one parameter, then bisection inside every
bracket where the mean metric crosses the threshold (sim/study/critical.py); each value a sweep point.

Each evaluation runs the point's seeds like a sweep does (same seeds, same rows, streamed
into the folder's sweep.csv, resumed when re-run) and takes the mean of the metric over the
runs that did not fail. An experiment with ``[arms]`` is searched arm by arm, each arm in its
own folder under ``--out``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.config import read_toml
from sim.core.errors import ConfigError, Interrupted
from sim.core.interrupts import deferred
from sim.core.locks import locked
from sim.core.paths import output_folder
from sim.core.schema import did_you_mean
from sim.engine.config import from_dict
from sim.study.critical import SCAN_POINTS, Scan, crossings, scan_points
from sim.study.experiments import resolve
from sim.study.grid import ARM, DURATION, Axis, Point, parse_axis, parse_value, show, unit_of
from sim.study.limits import check_runs
from sim.study.store import SweepStore, cell
from sim.study.sweep import (
    TINY,
    Study,
    check,
    execute,
    flatten,
    open_store,
    pending,
    point_config,
    study_of,
    tasks,
    with_arms,
)
from sim.study.workers import check_executor, executor

MAX_EVALUATIONS = 52  # bisection steps per bracket: halvings down to 2^-50 of the range


@dataclass
class Search:
    """A scan of ``param`` at ``scan`` and bisection of its brackets for ``mean(metric) == threshold``."""

    study: Study
    metric: str
    threshold: float
    scan: list[float]
    tol: float
    out: Path
    jobs: int = 1
    dask: str | None = None
    arm: str | None = None

    @property
    def param(self) -> str:
        return self.study.axes[0].key

    @property
    def unit(self) -> str | None:
        return self.study.axes[0].unit

    @property
    def low(self) -> float:
        return self.scan[0]

    @property
    def high(self) -> float:
        return self.scan[-1]

    @classmethod
    def create(
        cls,
        experiment: str,
        param: str,
        metric: str,
        threshold: float,
        span: str | None = None,
        tol: str | None = None,
        seeds: int | None = None,
        seed: int | None = None,
        overrides: list[str] = (),
        out: Path | None = None,
        jobs: int = 1,
        dask: str | None = None,
        count: int | None = None,
        arms: Sequence[str] = (),
    ) -> list[Search]:
        """One search per arm (one in all without arms); everything (arguments, range, scan, keys,
        metric name, the folder) checked before any run. ``count`` is the number of scan values
        (``--points``)."""
        if not math.isfinite(threshold):
            raise ConfigError("--threshold", f"must be a finite number, got {threshold!r}")
        check_executor(jobs, dask)
        raw = read_toml(resolve(experiment))
        base = from_dict(raw, list(overrides))
        unit = unit_of(param)
        if count is not None and count < 2:
            raise ConfigError("--points", f"must be >= 2, got {count}")
        if span:
            low, _, high = span.partition(":")
            values = (parse_value(param, low.strip(), unit), parse_value(param, high.strip(), unit))
            if all(isinstance(v, (int, float)) for v in values) and values[0] >= values[1]:
                raise ConfigError("--range", f"needs LO < HI, got {span!r}")
        else:
            axes = [parse_axis(t) for t in (base.sweep.grid if base.sweep else [])]
            values = next((a.values for a in axes if a.key == param), ())
            if not values:
                raise ConfigError("--range", f"give --range LO:HI ({param} is not swept in the [sweep] table)")
        low, high = min(values), max(values)
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and low < high):
            raise ConfigError("--range", f"needs two numbers, low < high, got {low!r} and {high!r}")
        integer = isinstance(low, int) and isinstance(high, int)
        scan = scan_points(low, high, count or SCAN_POINTS, integer) if span or count else sorted(set(values))
        width = parse_value(param, tol, unit) if tol else (high - low) / 64
        if not (isinstance(width, (int, float)) and width > 0):
            raise ConfigError("--tol", f"must be > 0, got {tol!r}")
        step = max(width, 1) if integer else width
        halvings = max(0, math.ceil(math.log2((high - low) / step)))
        if halvings > MAX_EVALUATIONS:
            raise ConfigError("--tol", f"too fine: {halvings} halvings, more than {MAX_EVALUATIONS}")
        axis = Axis(param, tuple(scan), unit, f"{param}={low!r}:{high!r}")
        arm_axis = next((a for a in with_arms(base, [], arms)), None)
        names: list[str | None] = list(arm_axis.values) if arm_axis else [None]
        out = output_folder(out or Path("results") / f"{base.experiment.name}-critical")
        searches = []
        for name in names:
            fixed = [] if name is None else [Axis(ARM, (name,), None, f"{ARM}={name}")]
            study = study_of(raw, base, overrides, [axis, *fixed], False, seeds, seed)
            check_runs(len(scan) + halvings * (len(scan) - 1), study.seeds)  # every bracket bisected at worst
            at = {} if name is None else {ARM: name}
            check(study, [Point(0, {param: low, **at}), Point(1, {param: high, **at})])
            known = metric_names(study, at)
            if metric not in known:
                raise ConfigError("--metric", f"unknown metric '{metric}'" + did_you_mean(metric, known))
            where = out if name is None else out / name
            searches.append(cls(study, metric, threshold, scan, width, where, jobs, dask, name))
        return searches

    def run(self, say: Callable[[str], None]) -> Scan:
        """Scan, then bisect every bracket, in the locked folder, saying one line per evaluation;
        on an interrupt, the Interrupted says how many runs the folder keeps."""
        self.out.mkdir(parents=True, exist_ok=True)
        with locked(self.out):
            with deferred():  # sweep.json whole
                store = open_store(self.out, self.study, kind="critical")
            try:
                return self._search(store, say)
            except Interrupted as exc:
                exc.kept = f"{len(store.rows)} runs kept in {self.out}; run the same command to resume"
                raise

    def _search(self, store: SweepStore, say: Callable[[str], None]) -> Scan:
        integer = isinstance(self.low, int) and isinstance(self.high, int)
        at = {} if self.arm is None else {ARM: self.arm}
        evaluated: list[float] = []
        with executor(self.jobs, self.dask) as run_all:

            def means(xs: list[float]) -> list[float]:
                pts = [Point(len(evaluated) + i, {self.param: x, **at}) for i, x in enumerate(xs)]
                evaluated.extend(xs)
                check(self.study, pts)
                todo = [t for p in pts for t in tasks(self.study, p)]
                execute(run_all, store, pending(store, todo), lambda row: None)
                values = []
                for x in xs:
                    value, n, failed = self._mean(store, x)
                    note = f", {failed} failed" if failed else ""
                    where = f"{self._label()}{self.param} = {show(x, self.unit)}"
                    say(f"  {where}: mean {self.metric} {value:.6g} ({n} runs{note})")
                    values.append(value)
                return values

            return crossings(means, self.scan, self.threshold, self.tol, integer)

    def clocks(self) -> str:
        """For a duration parameter, the index clocks that quantise its effect ("" otherwise)."""
        if self.unit != DURATION:
            return ""
        config = point_config(self.study.raw, self.study.overrides, {} if self.arm is None else {ARM: self.arm})
        every = [f"{name} publishes every {show(ix.interval, DURATION)}" for name, ix in config.index.items()]
        return ", ".join(every)

    def _label(self) -> str:
        return "" if self.arm is None else f"arm {self.arm}: "

    def _mean(self, store: SweepStore, x: float) -> tuple[float, int, int]:
        """Mean of the metric at ``x`` over this study's replicates; (mean, runs used, runs failed)."""
        rows = [r for r in store.rows if r[self.param] == cell(x) and int(r["replicate"]) < self.study.seeds]
        ok = [float(r[self.metric]) for r in rows if not r["error"] and r.get(self.metric, "") != ""]
        return (sum(ok) / len(ok) if ok else math.nan), len(ok), len(rows) - len(ok)

    def report(self, scan: Scan) -> list[str]:
        """The result: a line saying how many crossings, then one per crossing with its bracket."""
        u, what = self.unit, f"mean {self.metric}"
        span = f"{show(self.low, u)}–{show(self.high, u)}"
        if not scan.brackets:
            ys = [y for _, y in scan.points if not math.isnan(y)]
            seen = f"{min(ys):.6g}–{max(ys):.6g}" if ys else "no successful runs"
            return [
                f"{self._label()}{what} does not cross {self.threshold:g} at any of the {len(scan.points)} scan "
                f"values of {self.param} in {span} (its range there: {seen}); widen --range or add --points"
            ]
        n = len(scan.brackets)
        times = "once" if n == 1 else f"{n} times"
        shape = "monotone over the scan" if scan.monotone else "NOT monotone over the scan (it rises and falls)"
        if n > 1:
            shape += "; a single bisection of the whole range would have found one of these by chance"
        lines = [f"{self._label()}critical {self.param}: {what} crosses {self.threshold:g} {times} in {span}; {shape}"]
        clocks = self.clocks()
        if clocks and not scan.monotone:
            lines.append(
                f"  note: {clocks}; a {self.param} that shifts events across a publication moves the "
                "cascade by a whole interval, so the metric can step and saw with that period"
            )
        for b in scan.brackets:
            direction = "rising" if b.rising else "falling"
            lines.append(
                f"  ≈ {show(b.estimate, u)} ({direction}): between {show(b.low, u)} ({b.f_low:.6g}) "
                f"and {show(b.high, u)} ({b.f_high:.6g})"
            )
        lines.append(
            f"{scan.evaluations} evaluations ({len(scan.points)} scanned, {scan.evaluations - len(scan.points)} "
            f"bisecting) × {self.study.seeds} seeds; runs in {self.out}"
        )
        return lines


def metric_names(study: Study, values: dict[str, Any]) -> list[str]:
    """The metric columns a run of this study at ``values`` produces, from a world built and run for no time."""
    from sim.engine.world import World

    config = point_config(study.raw, [*study.overrides, f"experiment.duration={TINY}"], values)
    return list(flatten(World(config).run().summary))
