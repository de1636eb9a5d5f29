"""Sweep grids: ``key=v1,v2,...`` and ``key=lo:hi:step`` axes, with units, crossed or zipped.

A value is read with the unit of its config field: durations in seconds ("250ms", "2s" or a
number), fractions ("2%", "50bp" or a number), anything else as a TOML value. A range
includes ``hi`` when it lies on the grid of steps. The axis ``arm=a,b`` runs an experiment's
``[arms]`` (by name); it is crossed with the others even when they are zipped.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import tomllib
import types
import typing
import zlib
from dataclasses import dataclass
from typing import Any

from sim.core.config import Latency
from sim.core.errors import ConfigError
from sim.core.schema import did_you_mean
from sim.core.units import parse_duration, parse_fraction
from sim.engine.config import ExperimentConfig

MAX_POINTS = 100_000
DURATION, FRACTION = "duration", "fraction"
ARM = "arm"  # the axis over an experiment's [arms]: not a config key, the arm's whole config


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its dotted key, its values (seconds for durations) and unit."""

    key: str
    values: tuple[Any, ...]
    unit: str | None = None  # DURATION, FRACTION or None
    text: str = ""  # as written, e.g. "link.hedge.latency=0ms:2s:100ms"


@dataclass(frozen=True)
class Point:
    """One grid point: its index in the grid and a value per swept key."""

    index: int
    values: dict[str, Any]

    @property
    def key(self) -> str:
        """A canonical text of the values, independent of grid order (seeds derive from it); without
        the arm, so that every arm of a point runs with the same seeds, as ``perpsim run`` does."""
        return ";".join(f"{k}={v!r}" for k, v in sorted(self.values.items()) if k != ARM)

    @property
    def crc(self) -> int:
        return zlib.crc32(self.key.encode())

    def overrides(self) -> list[str]:
        """The ``--set`` texts of the values (the arm is not one: see sim.study.sweep.point_config)."""
        return [override(k, v) for k, v in self.values.items() if k != ARM]


def unit_of(key: str) -> str | None:
    """The unit of a dotted config key (DURATION, FRACTION or None), read from the schema;
    ConfigError if a part of it names no field of the schema."""
    tp: Any = ExperimentConfig
    meta: typing.Mapping[str, Any] = {}
    parts = key.split(".")
    while parts:
        tp = _unwrap(tp)
        if typing.get_origin(tp) is dict:
            parts.pop(0)
            tp = typing.get_args(tp)[1]
        elif dataclasses.is_dataclass(tp):
            fields = {f.name: f for f in dataclasses.fields(tp)}
            name = parts.pop(0)
            field = fields.get(name)
            if field is None:
                raise ConfigError(key, "unknown key" + did_you_mean(name, fields))
            meta, tp = field.metadata, typing.get_type_hints(tp)[field.name]
        else:
            return None
    if _unwrap(tp) is Latency:
        return DURATION
    return meta.get("unit")


def _unwrap(tp: Any) -> Any:
    """``X | None`` → X."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(tp) if a is not type(None))
    return tp


def parse_axis(text: str) -> Axis:
    """An axis from ``key=v1,v2,...`` or ``key=lo:hi:step``; ConfigError naming the key."""
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise ConfigError(text, "a grid axis must look like dotted.key=v1,v2,... or dotted.key=lo:hi:step")
    if key == ARM:
        return Axis(ARM, tuple(v.strip() for v in spec.split(",")), None, text)
    unit = unit_of(key)
    values = (
        _range(key, spec, unit) if ":" in spec else tuple(parse_value(key, v.strip(), unit) for v in spec.split(","))
    )
    if len(set(map(repr, values))) != len(values):
        raise ConfigError(key, f"repeated values in {spec!r}")
    return Axis(key, values, unit, text)


def parse_value(key: str, raw: str, unit: str | None) -> Any:
    """One value of ``key`` as written on the command line, in its unit."""
    try:
        if unit == DURATION:
            return parse_duration(raw)
        if unit == FRACTION:
            return parse_fraction(raw)
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None
    if not raw:
        raise ConfigError(key, "empty value")
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _range(key: str, spec: str, unit: str | None) -> tuple[Any, ...]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise ConfigError(key, f"a range must look like lo:hi:step, got {spec!r}")
    lo, hi, step = (parse_value(key, p.strip(), unit) for p in parts)
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (lo, hi, step)):
        raise ConfigError(key, f"a range needs numbers, got {spec!r}")
    if not step > 0:
        raise ConfigError(key, f"the step of {spec!r} must be > 0")
    if hi < lo:
        raise ConfigError(key, f"the range {spec!r} ends below its start")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > MAX_POINTS:
        raise ConfigError(key, f"the range {spec!r} has {n:,} values (at most {MAX_POINTS:,})")
    if all(isinstance(x, int) for x in (lo, hi, step)):
        return tuple(lo + i * step for i in range(n))
    return tuple(float(f"{lo + i * step:.12g}") for i in range(n))


def points(axes: list[Axis], zipped: bool = False) -> list[Point]:
    """The grid's points: the Cartesian product of the axes, or their values paired when zipped."""
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise ConfigError(next(k for k in keys if keys.count(k) > 1), "swept twice")
    arms = [a for a in axes if a.key == ARM]
    if zipped and arms and len(axes) > 1:
        pairs = points([a for a in axes if a.key != ARM], zipped=True)
        combos = [{**p.values, ARM: arm} for p in pairs for arm in arms[0].values]
        return [Point(i, values) for i, values in enumerate(combos)]
    if zipped:
        lengths = {a.key: len(a.values) for a in axes}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{k} has {n}" for k, n in lengths.items())
            raise ConfigError("--zip", f"zipped axes need the same number of values ({listed})")
        combos = zip(*(a.values for a in axes), strict=True)
    else:
        if math.prod(len(a.values) for a in axes) > MAX_POINTS:
            raise ConfigError("--grid", f"more than {MAX_POINTS:,} points")
        combos = itertools.product(*(a.values for a in axes))
    return [Point(i, dict(zip(keys, combo, strict=True))) for i, combo in enumerate(combos)]


def show(value: Any, unit: str | None) -> str:
    """A value for people: "250ms", "1.5s", "2%", "0.5"."""
    if unit == DURATION:
        return f"{value * 1000:.4g}ms" if abs(value) < 1 else f"{value:.4g}s"
    if unit == FRACTION:
        return f"{value * 100:.4g}%"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def override(key: str, value: Any) -> str:
    """The ``--set`` text setting ``key`` to ``value``."""
    if isinstance(value, bool):
        return f"{key}={'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"{key}={value!r}"
    return f"{key}={json.dumps(value)}"
