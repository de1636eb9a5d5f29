"""CSV inputs of an experiment: liquidation maps for populations, depth profiles for books.

- A liquidation map (``[perp.X.populations.P] map``) has the columns ``price,side,notional``:
  a liquidation price level, the side of the positions liquidated there (``long``/``short``)
  and their notional in quote currency, the form liquidation heat maps take.
- A depth profile (``[spot.X.book] profile``) has the columns ``distance,bid,ask``: distance
  from mid as a fraction (0.004 = 0.4%), and the bid and ask size at that distance in
  tokens, the form of an order-book snapshot taken relative to its mid.

Columns may come in any order; blank lines and lines starting with ``#`` are skipped.

A path is absolute or relative: to the experiment file's folder (``anchor`` rewrites such a
path when the file is read), else to the current folder, else to the repository root. A bad
file raises ConfigError naming the key, the file, the line and the problem.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core.errors import ConfigError
from sim.market.orderbook import TickGrid
from sim.market.sides import BUY, LONG, SELL, SHORT

if TYPE_CHECKING:
    import numpy as np

REPO = Path(__file__).resolve().parents[2]
MAP_COLUMNS = ("price", "side", "notional")
PROFILE_COLUMNS = ("distance", "bid", "ask")
SIDES = {"long": LONG, "short": SHORT}


@dataclass(frozen=True)
class Ladders:
    """A book's opening levels, (price, qty) best first, per side."""

    asks: list[tuple[float, float]]
    bids: list[tuple[float, float]]


def anchor(raw: dict[str, Any], folder: Path) -> None:
    """Rewrite in place the data paths of a raw experiment that are relative to its ``folder``:
    relative to the repository root when inside it, else absolute, so a resolved config names
    the same files wherever it is saved."""
    for table, name in _path_slots(raw):
        text = table[name]
        if isinstance(text, str) and not Path(text).is_absolute() and (folder / text).is_file():
            path = (folder / text).resolve()
            table[name] = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)


def _path_slots(raw: dict[str, Any]) -> Iterator[tuple[dict, str]]:
    """(table, key) of every data path in a raw experiment: population maps and book profiles."""
    for perp in _tables(raw.get("perp")):
        for pop in _tables(perp.get("populations")):
            if "map" in pop:
                yield pop, "map"
    for spot in _tables(raw.get("spot")):
        book = spot.get("book")
        if isinstance(book, dict) and "profile" in book:
            yield book, "profile"


def _tables(value: Any) -> list[dict]:
    return [v for v in value.values() if isinstance(v, dict)] if isinstance(value, dict) else []


def resolve(text: str, key: str) -> Path:
    """The file a data path names (see the module docstring)."""
    path = Path(text)
    for candidate in (path,) if path.is_absolute() else (Path.cwd() / path, REPO / path):
        if candidate.is_file():
            return candidate
    raise ConfigError(key, f"{text}: no such file")


def _rows(text: str, key: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) of a CSV file's data rows, its header checked."""
    path = resolve(text, key)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(key, f"{text}: cannot read: {exc}") from None
    header: list[str] | None = None
    for number, fields in enumerate(csv.reader(lines), start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = fields
            for name in header:
                if name not in columns:
                    raise ConfigError(
                        key, f"{text}, line {number}: unknown column '{name}' (expected {', '.join(columns)})"
                    )
            for name in columns:
                if name not in header:
                    raise ConfigError(key, f"{text}, line {number}: missing column '{name}'")
            continue
        if len(fields) != len(header):
            raise ConfigError(key, f"{text}, line {number}: expected {len(header)} values, got {len(fields)}")
        yield number, dict(zip(header, fields, strict=True))
    if header is None:
        raise ConfigError(key, f"{text}: empty file (expected a header: {','.join(columns)})")


def _number(text: str, key: str, line: int, row: dict[str, str], column: str, positive: bool) -> float:
    """A finite number (> 0, or >= 0 unless ``positive``) from ``row[column]``."""
    value = row[column]
    try:
        x = float(value)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise ConfigError(key, f"{text}, line {line}: {column} must be a number, got '{value}'")
    if positive and not x > 0:
        raise ConfigError(key, f"{text}, line {line}: {column} must be > 0, got {value}")
    if not x >= 0:
        raise ConfigError(key, f"{text}, line {line}: {column} must be >= 0, got {value}")
    return x


def liquidation_levels(text: str, key: str, side: str) -> tuple[np.ndarray, np.ndarray]:
    """A liquidation map's levels on ``side`` ("long"/"short"): prices ascending and notionals."""
    import numpy as np  # here: sim.core.config imports this module, and loading a config needs no numpy

    levels: list[tuple[float, float]] = []
    for line, row in _rows(text, key, MAP_COLUMNS):
        price = _number(text, key, line, row, "price", positive=True)
        notional = _number(text, key, line, row, "notional", positive=True)
        if row["side"] not in SIDES:
            raise ConfigError(key, f"{text}, line {line}: side must be 'long' or 'short', got '{row['side']}'")
        if row["side"] == side:
            levels.append((price, notional))
    if not levels:
        raise ConfigError(key, f"{text}: no '{side}' rows")
    levels.sort(key=lambda level: level[0])
    return np.array([p for p, _ in levels]), np.array([n for _, n in levels])


def profile_ladders(text: str, key: str, mid: float, tick: float) -> Ladders:
    """A book's levels from a depth-profile file: each row's sizes at mid × (1 ∓ distance),
    on the nearest tick; every level at least one tick from mid."""
    grid = TickGrid(tick)
    centre = round(mid / tick)
    ladders = Ladders([], [])
    previous = 0.0
    for line, row in _rows(text, key, PROFILE_COLUMNS):
        distance = _number(text, key, line, row, "distance", positive=True)
        bid = _number(text, key, line, row, "bid", positive=False)
        ask = _number(text, key, line, row, "ask", positive=False)
        where = f"{text}, line {line}"
        if distance >= 1:
            raise ConfigError(key, f"{where}: distance must be < 1 (a fraction of mid), got {row['distance']}")
        if distance <= previous:
            raise ConfigError(key, f"{where}: distances must increase, got {row['distance']} after {previous!r}")
        previous = distance
        for side, size, levels in ((SELL, ask, ladders.asks), (BUY, bid, ladders.bids)):
            if size == 0:
                continue
            ticks = round(mid * (1 - side * distance) / tick)
            if ticks == centre:
                raise ConfigError(key, f"{where}: distance {row['distance']} rounds to mid's tick (tick {tick!r})")
            if ticks < 1:
                raise ConfigError(key, f"{where}: distance {row['distance']} puts the bid at a price <= 0")
            levels.append((grid.price(ticks), size))
    if not (ladders.asks or ladders.bids):
        raise ConfigError(key, f"{text}: no liquidity (every bid and ask size is 0)")
    return ladders
