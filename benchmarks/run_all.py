"""Run every benchmark and write benchmarks/RESULTS.md with the machine's description.

Run from the repo root: ``make bench`` or ``.venv/bin/python -m benchmarks.run_all``.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import simpy

from benchmarks import bench_orderbook, bench_positions, bench_rocket

RESULTS = Path(__file__).with_name("RESULTS.md")


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


def main() -> None:
    book_rate = bench_orderbook.main()
    positions = bench_positions.main()
    rocket = bench_rocket.main()
    rows = [
        ("order book: mixed limit/cancel/market ops per second (target ≥ 200,000)", f"{book_rate:,.0f}"),
        *(
            (f"position book: liquidatable at M, {n:,} positions", f"{positions[f'liquidatable_{n}'] * 1e6:.1f} µs")
            for n in bench_positions.SIZES
        ),
        ("position book: 1M / 1k cost ratio (target ≤ 2)", f"{positions['ratio_1M_1k']:.2f}"),
        ("position book: trade on a hot record at 1M positions", f"{positions['trade_hot_1M'] * 1e6:.1f} µs"),
        (
            "position book: trade on a random record at 1M (merges amortised)",
            f"{positions['trade_random_1M'] * 1e6:.1f} µs",
        ),
        ("rocket: simulation wall time (180 s simulated)", f"{rocket['rocket_wall_s']:.3f} s"),
        ("rocket: SimPy events processed per second", f"{rocket['rocket_events_per_s']:,.0f}"),
        ("bare SimPy timeout loop, events per second", f"{rocket['bare_simpy_events_per_s']:,.0f}"),
        ("rocket events/s ÷ bare SimPy events/s", f"{rocket['ratio_to_bare_simpy']:.3f}"),
    ]
    text = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on: {machine()}.",
        f"Command: `make bench` (`{Path(sys.executable).name} -m benchmarks.run_all`).",
        "",
        "| benchmark | figure |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
    ]
    RESULTS.write_text("\n".join(text))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
