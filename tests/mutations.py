"""Mutations of a raw (TOML-shaped) experiment dict, for the bad-input tests: each returns a
function that changes the dict in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Mutation = Callable[[dict], None]


def _parent(raw: dict, path: str) -> tuple[dict, str]:
    """The table holding the dotted ``path``'s last key, and that key."""
    *parents, leaf = path.split(".")
    for key in parents:
        raw = raw[key]
    return raw, leaf


def put(path: str, value: Any) -> Mutation:
    """A mutation setting raw[a][b]...[z] = value."""

    def mutate(raw: dict) -> None:
        table, leaf = _parent(raw, path)
        table[leaf] = value

    return mutate


def drop(path: str) -> Mutation:
    """A mutation deleting raw[a][b]...[z]."""

    def mutate(raw: dict) -> None:
        table, leaf = _parent(raw, path)
        del table[leaf]

    return mutate


def both(*mutations: Mutation) -> Mutation:
    """The mutations applied in turn."""

    def mutate(raw: dict) -> None:
        for m in mutations:
            m(raw)

    return mutate
