"""The rocket with 1,000 / 100,000 / 1,000,000 short positions: wall time, peak memory, mark-update cost.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_scale``. Each size runs in its own
subprocess (``--child N``), as ``perpsim run rocket --set perp.perp.populations.shorts.count=N
--no-plots`` does: build and run the world, then write its results folder (events.csv and,
with pyarrow, events.parquet: see bench_trace_formats for each alone). The
child reports the simulation wall time, the time to write the folder, its peak resident memory
(``VmHWM``; ``ru_maxrss`` would include the parent's, inherited across fork and exec) and the
median cost of a mark update that crosses no position (the perp venue's
``_on_index``: mark price, ``mark`` record and liquidation check; the liquidations a crossing
update triggers are per-position work and are excluded). The population keeps its $10M notional,
so at a million positions each is $10; the squeeze liquidates most of them, each through its
venue style's waterfall.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.sizes import command_line, in_fresh_interpreter

SIZES = (1_000, 100_000, 1_000_000)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM (Linux), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int) -> dict[str, float]:
    """One run at ``n`` positions in this process; the figures as a dict."""
    from processes.perp_venue import PerpVenue
    from sim import api

    quiet: list[float] = []
    on_index = PerpVenue._on_index

    def timed(self: PerpVenue, msg) -> None:
        before = len(self.ctx.trace)
        start = time.perf_counter()
        on_index(self, msg)
        elapsed = time.perf_counter() - start
        if len(self.ctx.trace) == before + 1:  # only its mark record: nothing crossed
            quiet.append(elapsed)

    PerpVenue._on_index = timed
    config = api.load("rocket", overrides=[f"perp.perp.populations.shorts.count={n}"])
    start = time.perf_counter()
    result = api.run(config)
    run_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        api.save(result, Path(tmp) / "run", plots=False)
        write_s = time.perf_counter() - start
    return {
        "positions": n,
        "run_s": run_s,
        "write_s": write_s,
        "peak_mb": peak_rss_mb(),
        "liquidations": int(result.summary["liquidations"]),
        "events": int(result.summary["events_processed"]),
        "quiet_marks": len(quiet),
        "mark_update_us": statistics.median(quiet) * 1e6 if quiet else float("nan"),
    }


def measure(n: int) -> dict[str, float]:
    """Run ``child(n)`` in a fresh interpreter (so that peak memory is its own)."""
    return in_fresh_interpreter("benchmarks.bench_scale", n)


def main(sizes: tuple[int, ...] = SIZES) -> dict[int, dict[str, float]]:
    """Figures per size, printed and returned (with the mark-update cost ratio largest / smallest)."""
    figures = {}
    for n in sizes:
        f = figures[n] = measure(n)
        print(
            f"scale {n:>9,} shorts: run {f['run_s']:7.2f} s + write {f['write_s']:6.2f} s, "
            f"peak {f['peak_mb']:7.0f} MB, {f['liquidations']:,} liquidations, "
            f"mark update {f['mark_update_us']:6.1f} µs (median of {f['quiet_marks']})"
        )
    ratio = figures[sizes[-1]]["mark_update_us"] / figures[sizes[0]]["mark_update_us"]
    print(f"mark update cost {sizes[-1]:,} / {sizes[0]:,} = {ratio:.2f} (target <= 2)")
    return figures


if __name__ == "__main__":
    command_line(__doc__, SIZES, child, main)
