"""The experiment's ``Config``, made from the node-kind registry: its class, loading, checks, topology.

``config_class`` makes the dataclass with ``dataclasses.make_dataclass``: experiment, one
``dict[str, <Kind>Settings]`` table per registered kind in registry order, link, arms, sweep.
Its instances keep ``config.perp["perp"]`` working and are ``sim.core.config.Config`` to code
(and type checkers) that do not know the registry; a new kind needs no field written here.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from sim.core.config import Arm, Config, ExperimentSection, Link, Sweep, node_kinds, require, with_overrides
from sim.core.errors import ConfigError
from sim.core.schema import a_or_an, did_you_mean, dump, load, table
from sim.engine.registry import REGISTRY, NodeKind
from topology.graph import build_graph

if TYPE_CHECKING:
    import networkx as nx


@functools.cache
def config_class(kinds: tuple[NodeKind, ...] = REGISTRY) -> type[Config]:
    """The Config dataclass of an experiment made of nodes of ``kinds`` (one class per registry)."""
    fields: list[Any] = [("experiment", ExperimentSection)]
    fields += [(kind.section, dict[str, kind.settings], table(dict)) for kind in kinds]
    fields += [
        ("link", dict[str, Link], table(dict)),
        ("arms", dict[str, Arm], table(dict)),
        ("sweep", Sweep | None, dataclasses.field(default=None)),
    ]
    namespace = {"kinds": kinds, "node_sections": tuple(kind.section for kind in kinds), "check": _check}
    cls = dataclasses.make_dataclass("ExperimentConfig", fields, bases=(Config,), namespace=namespace)
    cls.__module__ = __name__  # the registry's class pickles as sim.engine.config.ExperimentConfig
    return cls


def _check(config: Config, key: str) -> None:
    """A loaded config's cross-checks: node ids unique across sections, the world not empty,
    references, arms and links naming existing nodes, and each kind's own rule."""
    seen: dict[str, str] = {}
    for section in config.node_sections:
        for node in getattr(config, section):
            require(node not in seen, f"{section}.{node}", f"duplicate id (already used in {seen.get(node)})")
            seen[node] = section
    require(bool(seen), "", "an empty world: give at least one node (a [spot.ID] or [perp.ID] venue, ...)")
    _check_refs(config, seen)
    for kind in config.kinds:
        if kind.check is not None:
            kind.check(getattr(config, kind.section))


def _check_refs(config: Config, seen: dict[str, str]) -> None:
    def ref(key: str, name: str, *allowed: str) -> None:
        if seen.get(name) not in allowed:
            known = [n for n, s in seen.items() if s in allowed]
            raise ConfigError(key, f"'{name}' is not {a_or_an(' or '.join(allowed))} id" + did_you_mean(name, known))

    for kind in config.kinds:
        for cid, comp in getattr(config, kind.section).items():
            for name, allowed in kind.references:
                value = getattr(comp, name)
                targets = value if isinstance(value, dict) else [value] if value else []
                for target in targets:
                    suffix = f".{target}" if isinstance(value, dict) else ""
                    ref(f"{kind.section}.{cid}.{name}{suffix}", target, *allowed)
    for aid, arm in config.arms.items():
        for i, comp in enumerate(arm.enable):
            if comp not in seen:
                raise ConfigError(f"arms.{aid}.enable[{i}]", f"unknown component '{comp}'" + did_you_mean(comp, seen))
    for lid, link in config.link.items():
        for end in ("src", "dst"):
            name = getattr(link, end)
            if name not in seen:
                raise ConfigError(f"link.{lid}.{end}", f"unknown node '{name}'" + did_you_mean(name, seen))


ExperimentConfig = config_class(REGISTRY)  # the experiment files' Config


def from_dict(raw: dict[str, Any], overrides: list[str] = (), kinds: tuple[NodeKind, ...] = REGISTRY) -> Config:
    """Build a validated Config of ``kinds`` from a raw TOML mapping and ``--set`` overrides
    (``raw`` is not changed)."""
    return load(config_class(kinds), with_overrides(raw, overrides))


def validated(config: Config) -> Config:
    """``config`` checked as a file is (for one built or edited in Python): a fresh, validated copy."""
    return load(type(config), dump(config))


def topology(config: Config) -> nx.DiGraph:
    """The experiment's validated topology graph: its nodes, its links and what each node needs of them."""
    needs = [
        need
        for kind in config.kinds
        for node, settings in getattr(config, kind.section).items()
        for need in kind.needs(settings, node)
    ]
    return build_graph(node_kinds(config), config.link, needs)
