"""Cost of "liquidatable at mark M" and of a position update in PositionBook.

Run: ``.venv/bin/python benchmarks/bench_positions.py``. Prints and returns (``main()``) the
best-of-15 mean time of ``liquidatable(SHORT, M)`` on books of 1,000 / 100,000 / 1,000,000 shorts
(liquidation prices spread over 11–15 as in seed 000, M chosen so that 10 are liquidatable,
with a few market-maker records in the unsorted buffer), the 1M / 1k ratio (target <= 2),
and at 1M the cost of a trade: on a few hot market-maker records, and on random population
records (which includes the amortised merges of the buffer into the sorted index).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sim.market.margin import MarginTiers, wallet_for_liquidation_price
from sim.market.positions import PositionBook
from sim.market.sides import BUY, SELL, SHORT

SIZES = (1_000, 100_000, 1_000_000)
HITS = 10
ENTRY = 10.0


def _book(n: int, seed: int = 0) -> PositionBook:
    """``n`` shorts opened at 10 with liquidation prices uniform in 11–15, plus 4 market makers."""
    rng = np.random.default_rng(seed)
    tiers = MarginTiers.altcoin_50x()
    qty = rng.uniform(10, 2_000, n)
    wallet = wallet_for_liquidation_price(SHORT, qty, ENTRY, rng.uniform(11, 15, n), tiers)
    book = PositionBook(tiers, capacity=n + 16)
    book.open_many(rng.integers(0, n, n), SHORT, qty, ENTRY, wallet)
    for owner in range(4):
        book.trade(book.open_flat(-1 - owner, 1e6), SELL, 1_000, ENTRY)
    return book


def _best_seconds(call: Callable[[], object], repeats: int = 15, number: int = 200) -> float:
    """Best of ``repeats`` mean times over ``number`` calls (as timeit: robust to load)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def _trade_cost(book: PositionBook, pids: np.ndarray, n_trades: int = 20_000) -> float:
    """Mean seconds per trade cycling over ``pids`` (small buys then sells, all reduce/add)."""
    t0 = time.perf_counter()
    for i in range(n_trades):
        book.trade(int(pids[i % pids.size]), BUY if (i // pids.size) % 2 else SELL, 1.0, ENTRY)
    return (time.perf_counter() - t0) / n_trades


def main() -> dict[str, float]:
    """Timings in seconds keyed by name, plus ``ratio_1M_1k``; printed and returned."""
    out: dict[str, float] = {}
    books = {}
    for n in SIZES:
        book = books[n] = _book(n)
        mark = float(np.sort(book.liq_price[:n])[HITS - 1])
        assert book.liquidatable(SHORT, mark).size >= HITS
        out[f"liquidatable_{n}"] = _best_seconds(lambda b=book, m=mark: b.liquidatable(SHORT, m))
    out["ratio_1M_1k"] = out["liquidatable_1000000"] / out["liquidatable_1000"]
    big = books[SIZES[-1]]
    makers = big.pids(SHORT)[-4:]
    out["trade_hot_1M"] = _trade_cost(big, makers)
    rng = np.random.default_rng(1)
    out["trade_random_1M"] = _trade_cost(big, rng.choice(SIZES[-1], 5_000, replace=False))
    for key, value in out.items():
        print(f"{key:>24}: {value:.3g}" if key.startswith("ratio") else f"{key:>24}: {value * 1e6:8.1f} µs")
    print(f"ratio 1M/1k = {out['ratio_1M_1k']:.2f} (target <= 2)")
    return out


if __name__ == "__main__":
    main()
