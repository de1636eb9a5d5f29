"""Fuzzing the loader: random mutations of the rocket experiment never escape as anything but ConfigError.

A mutation deletes a key, replaces a value with junk of any TOML type (or None, as a raw
dict from the Python API may hold), inserts a junk key, or applies a junk ``--set``; the
loader (sim.core.config.from_dict, then the graph checks every run does before it starts) must
either accept the result or reject it with a one-line ConfigError.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.config import read_toml
from sim.core.errors import ConfigError
from sim.engine.config import from_dict, topology

ROCKET = read_toml(Path(__file__).resolve().parents[3] / "runs" / "rocket.toml")


def paths(node, prefix=()) -> list[tuple]:
    """Every key path (dict keys and list indices) into a raw experiment."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        out.append((*prefix, key))
        out += paths(value, (*prefix, key))
    return out


PATHS = paths(ROCKET)


def at(raw, path):
    """The value at ``path``, or None if an earlier mutation removed or replaced what leads to it."""
    for key in path:
        try:
            raw = raw[key]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**30, -(10**30), 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["250ms", "-5ms", "2%", "1e30", "nan", "inf", "spot", "perp", "index", "", "0s", "50bp"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
tables = [p for p in [(), *PATHS] if isinstance(at(ROCKET, p), dict)]


@st.composite
def mutations(draw) -> tuple[dict, list[str]]:
    raw = copy.deepcopy(ROCKET)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "replace", "insert"]))
        if op == "insert":
            table = at(raw, draw(st.sampled_from(tables)))
            if isinstance(table, dict):
                table[draw(st.text(min_size=1, max_size=10))] = draw(junk)
            continue
        path = draw(st.sampled_from(PATHS))
        parent = at(raw, path[:-1])
        if not isinstance(parent, dict | list) or at(raw, path) is None:
            continue
        if op == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(junk)
    overrides = []
    if draw(st.booleans()):
        key = ".".join(str(k) for k in draw(st.sampled_from(PATHS)))
        overrides.append(f"{key}={draw(st.text(max_size=12))}")
    return raw, overrides


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_a_mutated_experiment_loads_or_fails_with_a_config_error(case):
    raw, overrides = case
    with contextlib.suppress(ConfigError):
        topology(from_dict(raw, overrides))
