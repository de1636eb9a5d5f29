"""The search behind ``perpsim critical``: bisection over one parameter, each step a sweep point.

Each evaluation runs the point's seeds like a sweep does (same seeds, same rows, streamed
into the folder's sweep.csv, resumed when re-run) and takes the mean of the metric over the
runs that did not fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.config import from_dict, read_toml
from sim.experiments import resolve
from sim.interrupts import Interrupted, deferred
from sim.limits import check_runs
from sim.locks import locked
from sim.paths import output_folder
from sim.schema import ConfigError, did_you_mean
from sim.sweep import Study, check, execute, flatten, open_store, pending, study_of, tasks
from sim.sweep_critical import Bracket, NoCrossing, bisect
from sim.sweep_exec import check_executor, executor
from sim.sweep_grid import Axis, Point, parse_axis, parse_value, show, unit_of
from sim.sweep_store import SweepStore, cell

MAX_EVALUATIONS = 52  # both ends, then halvings down to 2^-50 of the range
TINY = "1e-9"  # a duration that builds a world and runs nothing, to learn its metric names


@dataclass
class Search:
    """A bisection of ``param`` over [low, high] for ``mean(metric) == threshold``."""

    study: Study
    metric: str
    threshold: float
    low: float
    high: float
    tol: float
    out: Path
    jobs: int = 1
    dask: str | None = None

    @property
    def param(self) -> str:
        return self.study.axes[0].key

    @property
    def unit(self) -> str | None:
        return self.study.axes[0].unit

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
    ) -> Search:
        """Check everything (arguments, range, keys, metric name, the folder) before any run."""
        if not math.isfinite(threshold):
            raise ConfigError("--threshold", f"must be a finite number, got {threshold!r}")
        check_executor(jobs, dask)
        raw = read_toml(resolve(experiment))
        base = from_dict(raw, list(overrides))
        unit = unit_of(param)
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
        width = parse_value(param, tol, unit) if tol else (high - low) / 64
        if not (isinstance(width, (int, float)) and width > 0):
            raise ConfigError("--tol", f"must be > 0, got {tol!r}")
        axis = Axis(param, (low, high), unit, f"{param}={low!r}:{high!r}")
        study = study_of(raw, base, overrides, [axis], False, seeds, seed)
        step = max(width, 1) if isinstance(low, int) and isinstance(high, int) else width
        evaluations = 2 + max(0, math.ceil(math.log2((high - low) / step)))
        if evaluations > MAX_EVALUATIONS:
            raise ConfigError("--tol", f"too fine: {evaluations} evaluations, more than {MAX_EVALUATIONS}")
        check_runs(evaluations, study.seeds)
        check(study, [Point(0, {param: low}), Point(1, {param: high})])
        out = output_folder(out or Path("results") / f"{study.name}-critical")
        known = metric_names(study)
        if metric not in known:
            raise ConfigError("--metric", f"unknown metric '{metric}'" + did_you_mean(metric, known))
        return cls(study, metric, threshold, low, high, width, out, jobs, dask)

    def run(self, say: Callable[[str], None]) -> Bracket:
        """Bisect in the locked folder, saying one line per evaluation; NoCrossing if the ends are on one side;
        on an interrupt, the Interrupted says how many runs the folder keeps."""
        self.out.mkdir(parents=True, exist_ok=True)
        with locked(self.out):
            with deferred():  # sweep.json whole
                store = open_store(self.out, self.study, kind="critical")
            try:
                return self._bisect(store, say)
            except Interrupted as exc:
                exc.kept = f"{len(store.rows)} runs kept in {self.out}; run the same command to resume"
                raise

    def _bisect(self, store: SweepStore, say: Callable[[str], None]) -> Bracket:
        integer = isinstance(self.low, int) and isinstance(self.high, int)
        evaluated: list[float] = []
        with executor(self.jobs, self.dask) as run_all:

            def mean_at(x: float) -> float:
                point = Point(len(evaluated), {self.param: x})
                evaluated.append(x)
                check(self.study, [point])
                execute(run_all, store, pending(store, tasks(self.study, point)), lambda row: None)
                value, n, failed = self._mean(store, x)
                note = f", {failed} failed" if failed else ""
                say(f"  {self.param} = {show(x, self.unit)}: mean {self.metric} {value:.6g} ({n} runs{note})")
                return value

            return bisect(mean_at, self.low, self.high, self.threshold, self.tol, integer)

    def _mean(self, store: SweepStore, x: float) -> tuple[float, int, int]:
        """Mean of the metric at ``x`` over this study's replicates; (mean, runs used, runs failed)."""
        rows = [r for r in store.rows if r[self.param] == cell(x) and int(r["replicate"]) < self.study.seeds]
        ok = [float(r[self.metric]) for r in rows if not r["error"] and r.get(self.metric, "") != ""]
        return (sum(ok) / len(ok) if ok else math.nan), len(ok), len(rows) - len(ok)

    def report(self, b: Bracket) -> str:
        """The result in one line: the interpolated crossing and its bracket."""
        u = self.unit
        return (
            f"critical {self.param} ≈ {show(b.estimate, u)}: mean {self.metric} crosses {self.threshold:g} "
            f"between {show(b.low, u)} ({b.f_low:.6g}) and {show(b.high, u)} ({b.f_high:.6g}); "
            f"{len(b.evaluations)} evaluations × {self.study.seeds} seeds; runs in {self.out}"
        )

    def no_crossing(self, exc: NoCrossing) -> str:
        """Why the search could not start, in one line."""
        (lo, f_lo), (hi, f_hi) = exc.low, exc.high
        return (
            f"mean {self.metric} does not cross {self.threshold:g} between {show(lo, self.unit)} ({f_lo:.6g}) "
            f"and {show(hi, self.unit)} ({f_hi:.6g}); widen --range"
        )


def metric_names(study: Study) -> list[str]:
    """The metric columns a run of this study produces, from a world built and run for no time."""
    from sim.world import World

    config = from_dict(study.raw, [*study.overrides, f"experiment.duration={TINY}"])
    return list(flatten(World(config).run().summary))
