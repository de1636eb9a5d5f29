"""Experiment files, the generic part: TOML → typed, validated dataclasses, with dotted overrides.

The experiment, link, arm and sweep sections live here; each node kind's settings live with its
process (processes/), and sim/engine/config.py makes the whole ``Config`` from the node-kind
registry. Every section is a table of components keyed by id (``[spot.spot]``, ``[perp.perp]``,
``[link.hedge]``), so any value can be overridden on the command line with
``--set link.hedge.latency=300ms``. See README.md for the format.
"""

from __future__ import annotations

import copy
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sim.core import datafiles, tomlwrite
from sim.core.errors import ConfigError
from sim.core.schema import choice, did_you_mean, dump, duration


def require(ok: bool, key: str, problem: str) -> None:
    """Raise ConfigError(key, problem) unless ``ok``."""
    if not ok:
        raise ConfigError(key, problem)


def require_positive(value: float, key: str) -> None:
    require(value > 0, key, f"must be > 0, got {value!r}")


def require_non_negative(value: float, key: str) -> None:
    require(value >= 0, key, f"must be >= 0, got {value!r}")


@dataclass
class ExperimentSection:
    name: str
    description: str = ""
    seed: int = 1
    duration: float = duration(300.0)
    asset: str = "RKT"
    quote: str = "USDT"

    def check(self, key: str) -> None:
        require_positive(self.duration, f"{key}.duration")
        require(self.seed >= 0, f"{key}.seed", f"must be >= 0, got {self.seed}")


@dataclass
class Sweep:
    """A parameter study for ``perpsim sweep`` (``perpsim run`` ignores it): grid axes written
    like ``--grid`` ("link.hedge.latency=0ms:2s:100ms"), seeds per point, lists zipped or crossed."""

    grid: list[str]
    seeds: int = 1
    zip: bool = False

    def check(self, key: str) -> None:
        require(bool(self.grid), f"{key}.grid", "needs at least one axis")
        require(self.seeds >= 1, f"{key}.seeds", f"must be >= 1, got {self.seeds}")


@dataclass
class Latency:
    """A link's latency model: constant, uniform, lognormal or empirical samples."""

    model: str = choice("constant", "constant", "uniform", "lognormal", "empirical")
    value: float = duration(0.0)
    low: float = duration(0.0)
    high: float = duration(0.0)
    median: float = duration(0.0)
    sigma: float = 0.5
    samples: list[float] = field(default_factory=list, metadata={"unit": "duration"})

    @classmethod
    def coerce(cls, value: Any, key: str) -> Latency:
        """A bare duration ("50ms") is a constant latency."""
        from sim.core.schema import convert

        latency = cls(model="constant", value=convert(float, value, key, {"unit": "duration"}))
        latency.check(key)
        return latency

    def check(self, key: str) -> None:
        for name in ("value", "low", "high", "median"):
            v = getattr(self, name)
            require(
                v >= 0,
                f"{key}.{name}" if self.model != "constant" or name != "value" else key,
                f"latency must be >= 0, got {v!r}",
            )
        if self.model == "uniform":
            require(self.high >= self.low, f"{key}.high", "must be >= low")
        if self.model == "lognormal":
            require_positive(self.median, f"{key}.median")
            require_non_negative(self.sigma, f"{key}.sigma")
        if self.model == "empirical":
            require(bool(self.samples), f"{key}.samples", "needs at least one sample")
            require(all(s >= 0 for s in self.samples), f"{key}.samples", "latency must be >= 0")

    def mean(self) -> float:
        """The expected delay (seconds), for labels and reports."""
        if self.model == "constant":
            return self.value
        if self.model == "uniform":
            return (self.low + self.high) / 2
        if self.model == "lognormal":
            return self.median * math.exp(self.sigma**2 / 2)
        return sum(self.samples) / len(self.samples)

    def describe(self) -> str:
        """A short label: "50ms", "U(10ms,50ms)", "LN(20ms,σ=0.5)" or "emp(mean 30ms)"."""
        ms = lambda x: f"{x * 1e3:g}ms"  # noqa: E731
        if self.model == "constant":
            return ms(self.value)
        if self.model == "uniform":
            return f"U({ms(self.low)},{ms(self.high)})"
        if self.model == "lognormal":
            return f"LN({ms(self.median)},σ={self.sigma:g})"
        return f"emp(mean {ms(self.mean())})"


LINK_KINDS = ("order", "fill", "hedge", "md", "index", "oracle")


@dataclass
class Link:
    src: str
    dst: str
    kind: str = choice("order", *LINK_KINDS)
    latency: Latency = field(default_factory=Latency)


@dataclass
class Arm:
    """One way to run an experiment: the arm-specific components it enables, and overrides."""

    description: str = ""
    enable: list[str] = field(default_factory=list)
    set: list[str] = field(default_factory=list)


class Config:
    """A whole experiment, as resolved from its file and overrides: the sections every
    experiment has, typed here, and one table of nodes (id → settings) per registered node
    kind, such as ``config.perp["perp"]``.

    The dataclass itself is made from the node-kind registry by sim/engine/config.py
    (``config_class``), which knows every kind's settings class; this base is what code below
    the engine annotates with. To a type checker a node section is a ``dict[str, Any]``.
    """

    experiment: ExperimentSection
    link: dict[str, Link]
    arms: dict[str, Arm]
    sweep: Sweep | None
    kinds: ClassVar[tuple[Any, ...]]  # the registry it was made from (sim/engine/registry.py's NodeKind)
    node_sections: ClassVar[tuple[str, ...]]  # the sections whose entries are nodes, in registry order

    if TYPE_CHECKING:

        def __getattr__(self, section: str) -> dict[str, Any]: ...


def node_kinds(config: Config) -> dict[str, str]:
    """Every node id with its kind (the section it is declared in), in registry order."""
    return {node: section for section in config.node_sections for node in getattr(config, section)}


# ----------------------------------------------------------------------------- loading


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` → (["a", "b", "c"], value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ConfigError(text, "an override must look like dotted.key=value")
    path, _, raw = text.partition("=")
    keys = [k for k in path.strip().split(".")]
    if not all(keys):
        raise ConfigError(path, "an override key must be a dotted path like link.hedge.latency")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return keys, value


def apply_override(raw: dict[str, Any], keys: list[str], value: Any) -> None:
    """Set ``raw[k0][k1]...`` = value; the parent tables must exist (a typo is an error)."""
    node = raw
    for depth, k in enumerate(keys[:-1]):
        if k in node and not isinstance(node[k], dict):
            raise ConfigError(".".join(keys[: depth + 1]), "is a value, not a table")
        if not isinstance(node.get(k), dict):
            where = ".".join(keys[: depth + 1])
            raise ConfigError(
                where, "no such table" + did_you_mean(k, [n for n, v in node.items() if isinstance(v, dict)])
            )
        node = node[k]
    node[keys[-1]] = value


def with_overrides(raw: dict[str, Any], overrides: list[str] = ()) -> dict[str, Any]:
    """A copy of a raw TOML mapping with ``--set`` overrides applied (``raw`` is not changed)."""
    raw = copy.deepcopy(raw)
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(raw, keys, value)
    return raw


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, its data paths anchored to its folder (sim/core/datafiles.py); a syntax
    error becomes a ConfigError naming the file and line."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("", f"{path}: no such experiment file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError("", f"{path}: not UTF-8 text (byte {exc.start})") from None
    datafiles.anchor(raw, Path(path).parent)
    return raw


def to_toml(config: Config) -> str:
    """The fully resolved config as TOML text (numbers in seconds and fractions)."""
    return tomlwrite.dumps(dump(config))


def config_hash(config: Config) -> str:
    """A short, stable hash of the resolved config (seed included)."""
    return hashlib.sha256(to_toml(config).encode()).hexdigest()[:16]
