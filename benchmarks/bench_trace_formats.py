"""events.csv against events.parquet: write time, size and read time, at 1,000 / 100,000 / 1,000,000 shorts.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_trace_formats``. Each size runs in its
own subprocess (``--child N``): the rocket with ``perp.perp.populations.shorts.count=N`` (as in
``bench_scale``), then, on its trace, ``write_csv`` and ``write_parquet``
(the project's writers), the files' sizes, and reading each back with the project's readers
(``read_events``, ``read_parquet``) and with pandas (``read_csv``, ``read_parquet``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.sizes import command_line, in_fresh_interpreter

SIZES = (1_000, 100_000, 1_000_000)


def _timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def child(n: int) -> dict[str, float]:
    """One size in this process; the figures as a dict."""
    import pandas as pd
    import pyarrow.parquet  # noqa: F401 - imported before timing, as in a run that writes both

    from sim import api
    from sim.core.trace import read_events, write_csv
    from sim.core.trace_parquet import read_parquet, write_parquet

    run_s, result = _timed(api.run, api.load("rocket", overrides=[f"perp.perp.populations.shorts.count={n}"]))
    with tempfile.TemporaryDirectory() as tmp:
        csv, parquet = Path(tmp) / "events.csv", Path(tmp) / "events.parquet"
        csv_write_s, _ = _timed(write_csv, result.trace, csv)
        parquet_write_s, _ = _timed(write_parquet, result.trace, parquet)
        figures = {
            "positions": n,
            "records": len(result.trace),
            "run_s": run_s,
            "csv_write_s": csv_write_s,
            "parquet_write_s": parquet_write_s,
            "csv_mb": csv.stat().st_size / 1e6,
            "parquet_mb": parquet.stat().st_size / 1e6,
            "csv_read_s": _timed(read_events, csv)[0],
            "parquet_read_s": _timed(read_parquet, parquet)[0],
            "pandas_csv_read_s": _timed(pd.read_csv, csv)[0],
            "pandas_parquet_read_s": _timed(pd.read_parquet, parquet)[0],
        }
    return figures


def measure(n: int) -> dict[str, float]:
    """``child(n)`` in a fresh interpreter."""
    return in_fresh_interpreter("benchmarks.bench_trace_formats", n)


def main(sizes: tuple[int, ...] = SIZES) -> dict[int, dict[str, float]]:
    """Figures per size, printed and returned."""
    figures = {}
    for n in sizes:
        f = figures[n] = measure(n)
        print(
            f"trace {n:>9,} shorts, {f['records']:>9,} records (run {f['run_s']:.1f} s): "
            f"write csv {f['csv_write_s']:6.2f} s / parquet {f['parquet_write_s']:6.2f} s, "
            f"size {f['csv_mb']:7.1f} / {f['parquet_mb']:6.1f} MB, "
            f"read (perpsim) {f['csv_read_s']:6.2f} / {f['parquet_read_s']:5.2f} s, "
            f"read (pandas) {f['pandas_csv_read_s']:5.2f} / {f['pandas_parquet_read_s']:5.2f} s"
        )
    return figures


if __name__ == "__main__":
    command_line(__doc__, SIZES, child, main)
