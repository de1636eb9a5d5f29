"""Wall time and event rate of the flagship run, against a bare SimPy timeout loop.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_rocket``. Prints and returns
(``main()``) the median wall time of the rocket run (building the world, simulating and
summarising the trace; plots aside), its simulation time alone (``World.wall_time``: opening
the books and positions, then SimPy's run), its SimPy events per second of simulation time,
and the ratio of that rate to a bare ``env.timeout`` loop measured in the same process (the
limit to approach: SimPy itself).
"""

from __future__ import annotations

import statistics
import time

import simpy

from sim import api
from sim.engine.world import World

REPEATS = 5
BARE_EVENTS = 500_000


def bare_simpy_rate(n: int = BARE_EVENTS) -> float:
    """Events per second of one process yielding ``n`` zero-work timeouts."""

    def loop(env: simpy.Environment):
        for _ in range(n):
            yield env.timeout(1.0)

    env = simpy.Environment()
    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - start)


def rocket_run(name: str = "rocket") -> tuple[float, float, int]:
    """(total wall seconds, simulation wall seconds, events processed) of one run."""
    config = api.load(name)
    start = time.perf_counter()
    world = World(config)
    result = world.run()
    return time.perf_counter() - start, world.wall_time, int(result.summary["events_processed"])


def main() -> dict[str, float]:
    runs = [rocket_run() for _ in range(REPEATS)]
    wall = statistics.median(w for w, _, _ in runs)
    sim = statistics.median(s for _, s, _ in runs)
    events = runs[0][2]
    bare = statistics.median(bare_simpy_rate() for _ in range(3))
    figures = {
        "rocket_wall_s": wall,
        "rocket_sim_s": sim,
        "rocket_events": events,
        "rocket_events_per_s": events / sim,
        "bare_simpy_events_per_s": bare,
        "ratio_to_bare_simpy": events / sim / bare,
    }
    print(
        f"rocket: {wall:.3f} s wall ({sim:.3f} s simulating) for {events} events = {events / sim:,.0f} events/s; "
        f"bare SimPy {bare:,.0f} events/s; ratio {events / sim / bare:.3f}"
    )
    return figures


if __name__ == "__main__":
    main()
