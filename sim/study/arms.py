"""Arms: one experiment file run several ways (e.g. seed 004's three market-making designs).

``[arms.NAME]`` tables list the arm-specific components each arm ``enable``s and the
overrides it ``set``s. A component named in any arm's ``enable`` exists only in the arms
that enable it; links touching a component an arm leaves out are dropped with it. Every arm
runs with the same seed, so the arms differ only by what they enable and set.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.core.config import Config
from sim.core.errors import ConfigError
from sim.core.schema import did_you_mean
from sim.engine.config import ExperimentConfig, from_dict


def arm_configs(raw: dict[str, Any], overrides: list[str] = ()) -> dict[str, Config]:
    """The validated Config of every arm of a raw experiment (empty if it declares no arms)."""
    base = from_dict(raw, list(overrides))  # validates the whole file, arms included
    return {name: _arm(raw, base, name, overrides) for name in base.arms}


def arm_config(raw: dict[str, Any], name: str, overrides: list[str] = ()) -> Config:
    """The validated Config of arm ``name``; ConfigError naming ``--arm`` if there is no such arm."""
    base = from_dict(raw, list(overrides))
    if name not in base.arms:
        known = list(base.arms)
        listing = f"its arms: {', '.join(known)}" if known else "it has no [arms]"
        raise ConfigError("--arm", f"no arm '{name}' in {base.experiment.name} ({listing})" + did_you_mean(name, known))
    return _arm(raw, base, name, overrides)


def no_arms(config: Config) -> Config:
    """``config`` itself, or ConfigError if it declares arms: built whole it would be a world with
    every arm's components at once, which is none of them."""
    if config.arms:
        raise ConfigError(
            "--arm",
            f"{config.experiment.name} has arms ({', '.join(config.arms)}): "
            "choose one (--arm NAME; arm=NAME from Python)",
        )
    return config


def _arm(raw: dict[str, Any], base: Config, name: str, overrides: list[str]) -> Config:
    """Arm ``name`` of ``base`` (loaded from ``raw``): its components, its ``set``, then ``overrides``."""
    arm = base.arms[name]
    specific = {comp for a in base.arms.values() for comp in a.enable}
    arm_raw = _without(raw, specific - set(arm.enable))
    arm_raw["experiment"] = {
        **arm_raw.get("experiment", {}),
        "name": f"{base.experiment.name}:{name}",
        "description": arm.description or base.experiment.description,
    }
    return from_dict(arm_raw, [*arm.set, *overrides])


def _without(raw: dict[str, Any], components: set[str]) -> dict[str, Any]:
    """A copy of ``raw`` without ``components``, the links touching them, or the arms table."""
    out = copy.deepcopy(raw)
    out.pop("arms", None)
    for section in ExperimentConfig.node_sections:
        for comp in components & set(out.get(section, {})):
            del out[section][comp]
    links = out.get("link", {})
    for lid in [lid for lid, link in links.items() if link.get("src") in components or link.get("dst") in components]:
        del links[lid]
    return out
