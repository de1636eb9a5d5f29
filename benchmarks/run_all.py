"""Run every benchmark and write the figures with the machine's description to results/benchmarks/RESULTS.md,
or, with ``--update``, to the tracked benchmarks/RESULTS.md.

Run from the repo root: ``make bench`` or ``.venv/bin/python -m benchmarks.run_all [--update]``
(a few minutes: the million-position run is most of it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import simpy

from benchmarks import (
    bench_ceiling,
    bench_orderbook,
    bench_orderflow,
    bench_positions,
    bench_rocket,
    bench_scale,
    bench_sweep,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
LOCAL = Path("results") / "benchmarks" / "RESULTS.md"


def destination(update: bool) -> Path:
    """Where the figures go: the tracked RESULTS.md only when asked, else results/ (not tracked)."""
    return RESULTS if update else LOCAL


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, "
        f"simpy {simpy.__version__}; {platform.system()} {platform.release()}"
    )


def load() -> str:
    """The 1/5/15-minute load averages: other jobs on the cores slow every figure down."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def table(rows: list[tuple[str, str, str]]) -> list[str]:
    return ["| figure | value | command |", "| --- | --- | --- |", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the tracked benchmarks/RESULTS.md")
    out = destination(parser.parse_args(argv).update)
    load_before = load()
    book_rate = bench_orderbook.main()
    positions = bench_positions.main()
    rocket = bench_rocket.main()
    flow = bench_orderflow.main()
    ceiling = bench_ceiling.main()
    scale = bench_scale.main()
    sweep = bench_sweep.main()
    small, big = bench_scale.SIZES[0], bench_scale.SIZES[-1]
    py = "python -m benchmarks"
    rows = [
        (
            "**(a)** rocket: SimPy events per second of simulation ÷ bare SimPy timeout loop (target ≥ 0.5)",
            f"{rocket['ratio_to_bare_simpy']:.3f} ({rocket['rocket_events_per_s']:,.0f} ÷ "
            f"{rocket['bare_simpy_events_per_s']:,.0f})",
            f"`{py}.bench_rocket`",
        ),
        (
            "**(a)** order flow: SimPy events per second ÷ bare SimPy timeout loop (target ≥ 0.5)",
            f"{flow['ratio_to_bare_simpy']:.3f} ({flow['events_per_s']:,.0f} ÷ {flow['bare_simpy_events_per_s']:,.0f})",
            f"`{py}.bench_orderflow`",
        ),
        (
            "**(b)** order flow: orders delivered to and processed by the venue per second (target ≥ 250,000)",
            f"{flow['orders_per_s']:,.0f} ({flow['orders']:,} in {flow['sim_wall_s']:.1f} s)",
            f"`{py}.bench_orderflow`",
        ),
        (
            "ceiling for (b): the order flow's arrivals and 5–50 ms link alone, orders per second of CPU time",
            f"{ceiling['links_orders_per_s']:,.0f}",
            f"`{py}.bench_ceiling`",
        ),
        (
            "ceiling for (b): arrivals, link and the order book (no ledger, holds, market data, trace)",
            f"{ceiling['links_book_orders_per_s']:,.0f}",
            f"`{py}.bench_ceiling`",
        ),
        (
            "order flow: all messages per second (orders and market data)",
            f"{flow['messages_per_s']:,.0f}",
            f"`{py}.bench_orderflow`",
        ),
        *(
            (
                f"**(c)** rocket with {n:,} shorts: run + write events.csv, peak memory (target < 2 GB at 1M)",
                f"{f['run_s']:.2f} s + {f['write_s']:.2f} s, {f['peak_mb']:,.0f} MB",
                f"`{py}.bench_scale`",
            )
            for n, f in scale.items()
        ),
        *(
            (
                f"**(c)** mark update crossing nothing, {n:,} shorts",
                f"{f['mark_update_us']:.1f} µs",
                f"`{py}.bench_scale`",
            )
            for n, f in scale.items()
        ),
        (
            f"**(c)** mark update cost {big:,} ÷ {small:,} (target ≤ 2)",
            f"{scale[big]['mark_update_us'] / scale[small]['mark_update_us']:.2f}",
            f"`{py}.bench_scale`",
        ),
        (
            f"**(d)** {bench_sweep.RUNS}-run rocket sweep, runs per second: serial / `--jobs 2`",
            f"{sweep['jobs_1_runs_per_s']:.2f} / {sweep['jobs_2_runs_per_s']:.2f}",
            f"`{py}.bench_sweep`",
        ),
        (
            "rocket: wall time (build, simulate, summarise; 180 s simulated)",
            f"{rocket['rocket_wall_s']:.3f} s",
            f"`{py}.bench_rocket`",
        ),
        (
            "order book: mixed limit/cancel/market operations per second",
            f"{book_rate:,.0f}",
            f"`{py}.bench_orderbook`",
        ),
        *(
            (
                f"position book: liquidatable at M, {n:,} positions",
                f"{positions[f'liquidatable_{n}'] * 1e6:.1f} µs",
                f"`{py}.bench_positions`",
            )
            for n in bench_positions.SIZES
        ),
        (
            "position book: trade on a hot / random record at 1M positions",
            f"{positions['trade_hot_1M'] * 1e6:.1f} / {positions['trade_random_1M'] * 1e6:.1f} µs",
            f"`{py}.bench_positions`",
        ),
    ]
    text = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on: {machine()}.",
        f"Load average before / after: {load_before} / {load()} (other jobs on the two cores slow every figure).",
        f"Command: `make bench` (`{Path(sys.executable).name} -m benchmarks.run_all`).",
        "",
        *table(rows),
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(text))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
