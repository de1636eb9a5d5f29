"""Arms: one experiment file run several ways (e.g. seed 004's three market-making designs).

``[arms.NAME]`` tables list the arm-specific components each arm ``enable``s and the
overrides it ``set``s. A component named in any arm's ``enable`` exists only in the arms
that enable it; links touching a component an arm leaves out are dropped with it. Every arm
runs with the same seed, so the arms differ only by what they enable and set.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.config import Config, from_dict, node_sections


def arm_configs(raw: dict[str, Any], overrides: list[str] = ()) -> dict[str, Config]:
    """The validated Config of every arm of a raw experiment (empty if it declares no arms)."""
    base = from_dict(raw, list(overrides))  # validates the whole file, arms included
    if not base.arms:
        return {}
    specific = {comp for arm in base.arms.values() for comp in arm.enable}
    configs = {}
    for name, arm in base.arms.items():
        leave_out = specific - set(arm.enable)
        arm_raw = _without(raw, leave_out)
        arm_raw["experiment"] = {
            **arm_raw.get("experiment", {}),
            "name": f"{base.experiment.name}:{name}",
            "description": arm.description or base.experiment.description,
        }
        configs[name] = from_dict(arm_raw, [*arm.set, *overrides])
    return configs


def _without(raw: dict[str, Any], components: set[str]) -> dict[str, Any]:
    """A copy of ``raw`` without ``components``, the links touching them, or the arms table."""
    out = copy.deepcopy(raw)
    out.pop("arms", None)
    for section in node_sections():
        for comp in components & set(out.get(section, {})):
            del out[section][comp]
    links = out.get("link", {})
    for lid in [lid for lid, link in links.items() if link.get("src") in components or link.get("dst") in components]:
        del links[lid]
    return out
