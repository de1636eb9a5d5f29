"""Generic, typed loading of TOML tables into dataclasses with one-line errors.

A field's type drives the conversion: ``float``/``int``/``str``/``bool``, ``X | None``,
nested dataclasses, ``dict[str, Dataclass]`` (tables keyed by id) and lists. Field metadata
``unit="duration"`` or ``unit="fraction"`` accepts "250ms" / "2%" strings, and
``choices=(...)`` restricts a string. Errors are ``ConfigError`` naming the dotted key, also
the ValueError a dataclass raises when built (mechanics dataclasses such as
sim.market.depth.DepthProfile check their own rules; the message's first word names the field).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from typing import Any

from sim.core.errors import ConfigError
from sim.core.units import parse_duration, parse_fraction


def duration(default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    """A field holding seconds, written in files as "250ms", "3s", "8h" or a number."""
    return dataclasses.field(default=default, metadata={"unit": "duration", **kw})


def fraction(default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    """A field holding a fraction, written as 0.02, "2%" or "50bp"."""
    return dataclasses.field(default=default, metadata={"unit": "fraction", **kw})


def choice(default: Any, *choices: str) -> Any:
    """A string field restricted to ``choices``."""
    return dataclasses.field(default=default, metadata={"choices": choices})


def table(factory: Any) -> Any:
    """A field holding a nested table or mapping, defaulting to ``factory()``."""
    return dataclasses.field(default_factory=factory)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _type_name(tp: Any) -> str:
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {float: "a number", int: "an integer", str: "a string", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def a_or_an(word: str) -> str:
    """``word`` with its indefinite article: "an index", "a perp"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load(cls: type, raw: Any, key: str = "") -> Any:
    """Build dataclass ``cls`` from a TOML table ``raw``; ConfigError on any problem."""
    if not isinstance(raw, dict):
        raise ConfigError(key, f"expected a table, got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for name in raw:
        if name not in fields:
            raise ConfigError(_join(key, name), "unknown key" + did_you_mean(name, fields))
    values = {}
    for name, field in fields.items():
        sub = _join(key, name)
        if name in raw:
            values[name] = convert(hints[name], raw[name], sub, field.metadata)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(sub, "missing required key")
    try:
        obj = cls(**values)
    except ValueError as exc:  # a mechanics dataclass's own rules ("<field> must be ...")
        name, _, problem = str(exc).partition(" ")
        if name in fields:
            raise ConfigError(_join(key, name), problem) from None
        raise ConfigError(key, str(exc)) from None
    check = getattr(obj, "check", None)
    if check is not None:
        check(key)
    return obj


def convert(tp: Any, value: Any, key: str, meta: typing.Mapping[str, Any] | None = None) -> Any:
    """Convert one TOML value to type ``tp`` (see the module docstring)."""
    meta = meta or {}
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        if len(options) == 1:
            return convert(options[0], value, key, meta)
        for option in options:  # e.g. Latency | str: the first that fits
            try:
                return convert(option, value, key, meta)
            except ConfigError:
                continue
        raise ConfigError(key, f"expected one of {', '.join(map(_type_name, options))}, got {value!r}")
    if origin is dict:
        _, vtype = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(key, f"expected a table, got {value!r}")
        return {str(k): convert(vtype, v, _join(key, str(k)), meta) for k, v in value.items()}
    if origin is list:
        (etype,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(key, f"expected a list, got {value!r}")
        return [convert(etype, v, f"{key}[{i}]", meta) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        coerce = getattr(tp, "coerce", None)
        if coerce is not None and not isinstance(value, dict):
            return coerce(value, key)
        return load(tp, value, key)
    unit = meta.get("unit")
    try:
        if unit == "duration":
            return parse_duration(value)
        if unit == "fraction":
            return parse_fraction(value)
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(key, f"expected a finite number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"expected a string, got {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ConfigError(
                key, f"expected one of {', '.join(map(repr, choices))}, got {value!r}" + did_you_mean(value, choices)
            )
        return value
    raise TypeError(f"unsupported config type {tp!r} at {key}")  # a schema bug, not bad input


def dump(obj: Any) -> Any:
    """The plain TOML-able form of a loaded config (None values left out)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: dump(getattr(obj, f.name)) for f in dataclasses.fields(obj) if getattr(obj, f.name) is not None}
    if isinstance(obj, dict):
        return {k: dump(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [dump(v) for v in obj]
    return obj
