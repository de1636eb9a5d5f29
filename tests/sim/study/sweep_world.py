"""A small, fast world for sweep tests: a $150k spot buy into 40 shorts, with retail noise so seeds matter."""

from __future__ import annotations

from pathlib import Path

SMALL_TOML = """
[experiment]
name = "tiny"
seed = 5
duration = "12s"

[spot.spot]
tick = 0.001
[spot.spot.book]
mid = 10.0
asks = { notional = 180_000, range = "10%", shape = "linear", extent = "90%", step = "0.5%" }
bids = { notional = 100_000, range = "10%", extent = "50%", step = "0.5%" }

[index.index]
sources = { spot = 1.0 }
interval = "1s"

[perp.perp]
index = "index"
insurance_fund = 100_000

[perp.perp.populations.shorts]
count = 40
notional = 1_500_000
leverage = 10
liq_price = { low = 10.8, high = 13.0 }
counterparty = { owner = "longs", count = 10 }

[market_maker.mm]
perp = "perp"
hedge = { spot = 1.0 }
quotes = { notional = 300_000, range = "2%", extent = "20%", step = "0.5%" }
capital = 20_000_000
margin = 5_000_000

[igniter.whale]
venue = "spot"
notional = 150_000
start = "2s"
duration = "3s"
slices = 3

[noise.retail]
venue = "spot"
rate = 2.0
notional = 2_000

[link.whale]
src = "whale"
dst = "spot"
kind = "order"
latency = "20ms"
[link.retail]
src = "retail"
dst = "spot"
kind = "order"
latency = { model = "uniform", low = "10ms", high = "60ms" }
[link.spot-index]
src = "spot"
dst = "index"
kind = "md"
latency = "50ms"
[link.index-perp]
src = "index"
dst = "perp"
kind = "index"
latency = "30ms"
[link.mm-perp]
src = "mm"
dst = "perp"
kind = "order"
latency = "5ms"
[link.perp-mm]
src = "perp"
dst = "mm"
kind = "fill"
latency = "5ms"
[link.hedge]
src = "mm"
dst = "spot"
kind = "hedge"
latency = "150ms"
[link.spot-mm]
src = "spot"
dst = "mm"
kind = "md"
latency = "40ms"
"""


def write_tiny(folder: Path, sweep: str = "") -> Path:
    """Write the tiny experiment (with an optional ``[sweep]`` table) and return its path."""
    path = Path(folder) / "tiny.toml"
    path.write_text(SMALL_TOML + sweep)
    return path
