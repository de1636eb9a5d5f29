"""Parameter sweeps: every point of a grid × seeds, run on any executor, streamed into sweep.csv.

A run's seed comes from ``SeedSequence(sweep seed, spawn_key=(crc32(point), replicate))``,
where the point is the text of its parameter values, so it does not depend on the worker,
the order, or the rest of the grid. A results folder holds ``sweep.json`` (what was swept)
and ``sweep.csv`` (see sim/study/store.py); re-running the same sweep into it runs only the
rows that are missing. An experiment with ``[arms]`` is swept arm by arm: the arm is an axis
(``arm``, last, every arm unless ``--arm`` names some), never the whole file built at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.config import Config, config_hash, read_toml
from sim.core.errors import ConfigError
from sim.core.interrupts import deferred
from sim.core.paths import writing
from sim.engine.config import from_dict
from sim.study.arms import arm_config, no_arms
from sim.study.experiments import resolve, seed_override
from sim.study.grid import ARM, Axis, Point, parse_axis, points
from sim.study.limits import check_memory, check_runs
from sim.study.store import SweepStore
from sim.study.workers import Run

TABLE, MANIFEST = "sweep.csv", "sweep.json"
NOT_METRICS = ("experiment", "seed", "config_hash", "wall_time_s")
TINY = "1e-9"  # a duration that builds a world and runs nothing, to learn its metric names


@dataclass(frozen=True)
class Study:
    """What to sweep: an experiment (its raw TOML and ``--set`` overrides), axes and seeds."""

    name: str
    raw: dict[str, Any]
    overrides: tuple[str, ...]
    axes: tuple[Axis, ...]
    zipped: bool = False
    seeds: int = 1
    base_seed: int = 1

    @property
    def params(self) -> list[str]:
        return [a.key for a in self.axes]

    def points(self) -> list[Point]:
        return points(list(self.axes), self.zipped)


@dataclass(frozen=True)
class Task:
    """One run: a point, a replicate, its seed, and what it needs to build its world."""

    point: int
    replicate: int
    seed: int
    values: dict[str, Any]
    raw: dict[str, Any]
    overrides: tuple[str, ...]


@dataclass
class Manifest:
    """``sweep.json``: what a results folder holds, checked when a sweep resumes into it."""

    kind: str
    experiment: str
    config_hash: str
    base_seed: int
    overrides: list[str]
    grid: list[str]
    params: list[str]
    units: dict[str, str | None]
    zip: bool
    seeds: int = field(default=1, compare=False)

    @classmethod
    def of(cls, study: Study, kind: str = "sweep") -> Manifest:
        base = from_dict(study.raw, list(study.overrides))
        return cls(
            kind,
            study.name,
            config_hash(base),
            study.base_seed,
            list(study.overrides),
            [a.text for a in study.axes],
            study.params,
            {a.key: a.unit for a in study.axes},
            study.zipped,
            study.seeds,
        )


def load_study(
    experiment: str,
    grid: list[str] = (),
    zipped: bool | None = None,
    seeds: int | None = None,
    seed: int | None = None,
    overrides: list[str] = (),
    arms: Sequence[str] = (),
) -> Study:
    """A study from an experiment file, its ``[sweep]`` table, and command-line values (which win);
    ``arms`` are the ``--arm`` names (default: every arm of an experiment that has arms)."""
    raw = read_toml(resolve(experiment))
    base = from_dict(raw, list(overrides))
    table = base.sweep
    texts = list(grid) or (table.grid if table else [])
    if not texts:
        raise ConfigError("--grid", f"nothing to sweep: give --grid KEY=VALUES or a [sweep] table in {experiment}")
    zipped = zipped if zipped is not None else bool(table and table.zip and not grid)
    axes = with_arms(base, [parse_axis(t) for t in texts], arms)
    study = study_of(raw, base, overrides, axes, zipped, seeds, seed)
    pts = study.points()
    check_runs(len(pts), study.seeds)
    check(study, pts)
    return study


def study_of(
    raw: dict[str, Any],
    base: Config,
    overrides: Iterable[str],
    axes: Iterable[Axis],
    zipped: bool,
    seeds: int | None,
    seed: int | None,
) -> Study:
    """The Study of experiment ``base`` (loaded from ``raw``): ``--seeds`` checked first, then
    ``axes`` taken; seeds and base seed default to the ``[sweep]`` table's and the experiment's."""
    if seeds is not None and seeds < 1:
        raise ConfigError("--seeds", f"must be >= 1, got {seeds}")
    return Study(
        name=base.experiment.name,
        raw=raw,
        overrides=tuple(overrides),
        axes=tuple(axes),
        zipped=zipped,
        seeds=seeds or (base.sweep.seeds if base.sweep else 1),
        base_seed=base.experiment.seed if seed is None else seed,
    )


def with_arms(base: Config, axes: list[Axis], arms: Sequence[str]) -> list[Axis]:
    """``axes``, with an arm axis last when experiment ``base`` has arms and none is swept: the
    ``arms`` named, or all of them. ConfigError for ``arms`` given twice or without [arms]."""
    swept = any(a.key == ARM for a in axes)
    if arms and swept:
        raise ConfigError("--arm", f"the arms are already swept by --grid {ARM}=...; give them one way")
    if arms and not base.arms:
        raise ConfigError("--arm", f"{base.experiment.name} has no [arms]")
    if swept or not base.arms:
        return axes
    names = tuple(dict.fromkeys(arms or base.arms))
    return [*axes, Axis(ARM, names, None, f"{ARM}={','.join(names)}")]


def point_config(
    raw: dict[str, Any], overrides: Sequence[str], values: dict[str, Any], seed: int | None = None
) -> Config:
    """The config of one point: its arm's, when it names one, with ``overrides``, its values and
    ``seed`` set. ConfigError for an experiment with arms and no arm named (see sim.study.arms.no_arms)."""
    sets = [*overrides, *Point(0, values).overrides(), *seed_override(seed)]
    if ARM in values:
        return arm_config(raw, values[ARM], sets)
    return no_arms(from_dict(raw, sets))


def check(study: Study, pts: Iterable[Point]) -> None:
    """Build every point's config, so that a bad key or value (or a run too big for memory) fails before any run."""
    for point in pts:
        check_memory(point_config(study.raw, study.overrides, point.values))


def run_seed(base_seed: int, point: Point, replicate: int) -> int:
    """The seed of one run, from the sweep seed, the point's values and the replicate number."""
    seq = np.random.SeedSequence(base_seed, spawn_key=(point.crc, replicate))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def tasks(study: Study, point: Point) -> list[Task]:
    """The runs of one point, one per replicate."""
    return [
        Task(point.index, r, run_seed(study.base_seed, point, r), point.values, study.raw, study.overrides)
        for r in range(study.seeds)
    ]


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Summary metrics as flat columns: ``{"peak_price": {"spot": 16.6}}`` → ``{"peak_price.spot": 16.6}``."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        if not prefix and key in NOT_METRICS:
            continue
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif not isinstance(value, (list, tuple)):  # series are not metrics
            flat[f"{prefix}{key}"] = value
    return flat


def run_task(task: Task) -> dict[str, Any]:
    """Run one world and return its table row; an exception becomes the row's ``error``."""
    from sim.engine.world import World

    row: dict[str, Any] = {"point": task.point, "replicate": task.replicate, "seed": task.seed, **task.values}
    started = time.perf_counter()
    try:
        config = point_config(task.raw, task.overrides, task.values, task.seed)
        result = World(config).run()
        metrics = flatten(result.summary)
        if ARM in task.values:  # an arm of seed 004's playbook: its figures too
            from sim.analysis.playbook import run_metrics

            metrics.update(flatten(run_metrics(result), "playbook."))
        error = ""
    except Exception as exc:  # a failed run is a row, not a lost sweep
        metrics, error = {}, " ".join(f"{type(exc).__name__}: {exc}".split())
    return {**row, "wall_s": round(time.perf_counter() - started, 4), "error": error, **metrics}


def open_store(out: Path, study: Study, kind: str = "sweep") -> SweepStore:
    """The table in ``out``, created with its manifest, or reopened if it holds the same study."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{out} is a file, not a folder")
    manifest = Manifest.of(study, kind)
    path = out / MANIFEST
    if path.exists():
        old = Manifest(**json.loads(path.read_text()))
        if old != manifest:
            differs = [k for k, v in asdict(manifest).items() if k != "seeds" and asdict(old)[k] != v]
            raise ConfigError(
                "--out", f"{out} holds a different {old.kind} ({', '.join(differs)} differ); use another --out"
            )
        manifest.seeds = max(manifest.seeds, old.seeds)
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return SweepStore(out / TABLE, study.params)


def pending(store: SweepStore, todo: list[Task]) -> list[Task]:
    """The tasks whose rows are not in the table yet."""
    done = store.done()
    return [t for t in todo if store.key(t.values, t.replicate) not in done]


def execute(run: Run, store: SweepStore, todo: list[Task], on_row: Callable[[dict], None]) -> None:
    """Run ``todo`` and append each row to the table as it finishes (an interrupt waits for the row and its count)."""
    for row in run(run_task, todo):
        with deferred(), writing(store.path):
            store.append(row)
            on_row(row)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a sweep folder."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ConfigError(str(folder), f"not a sweep folder (no {MANIFEST})")
    return Manifest(**json.loads(path.read_text()))
