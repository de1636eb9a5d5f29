"""The small world with constant latencies (tests/worlds.py), fresh for each test."""

from __future__ import annotations

import pytest

from tests import worlds


@pytest.fixture
def small_raw() -> dict:
    """The raw (TOML-shaped) small world; tests may change it."""
    return worlds.small_raw()
