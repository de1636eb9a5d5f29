"""Order flow: orders delivered to and processed by a spot venue per second, and SimPy overhead.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_orderflow``. The world is
``benchmarks/orderflow.toml``: one spot venue, 1,000 noise traders (processes/order_flow.py)
sending limit, cancel and market orders over a link with 5–50 ms latency, two market makers
re-quoting ladders around the mid, 6.5 simulated hours. Prints and returns (``main()``):

- orders per second: the messages the venue's matching engine processed (limit, cancel and
  market orders and quote replacements), per second of simulation wall time (building the
  world and summarising the trace aside);
- messages per second: every message sent over a link (orders and market data);
- events per second (SimPy events scheduled), and their ratio to a bare ``env.timeout`` loop
  measured in the same process.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.bench_rocket import bare_simpy_rate
from sim import api
from sim.engine.world import World

CONFIG = Path(__file__).with_name("orderflow.toml")


def run(overrides: list[str] = ()) -> dict[str, float]:
    """One run of the order-flow world; its counts and wall time."""
    world = World(api.load(str(CONFIG), overrides=list(overrides)))
    result = world.run()
    crowd = world.by_section["order_flow"]["crowd"]
    return {
        "sim_wall_s": world.wall_time,
        "orders": world.by_section["spot"]["spot"].engine.processed,
        "messages": sum(channel.sent for channel in world.network.channels()),
        "events": int(result.summary["events_processed"]),
        "records": len(result.trace),
        **{f"crowd_{kind}": n for kind, n in crowd.sent.items()},
    }


def main(overrides: list[str] = ()) -> dict[str, float]:
    """Figures of one run (with ``--set``-style ``overrides``); printed and returned."""
    f = run(overrides)
    bare = statistics.median(bare_simpy_rate() for _ in range(3))
    wall = f["sim_wall_s"]
    f |= {
        "orders_per_s": f["orders"] / wall,
        "messages_per_s": f["messages"] / wall,
        "events_per_s": f["events"] / wall,
        "bare_simpy_events_per_s": bare,
        "ratio_to_bare_simpy": f["events"] / wall / bare,
    }
    print(
        f"orderflow: {f['orders']:,} orders ({f['crowd_limit']:,} limit, {f['crowd_cancel']:,} cancel, "
        f"{f['crowd_market']:,} market from the crowd) in {wall:.2f} s = {f['orders_per_s']:,.0f} orders/s "
        f"(target >= 250,000); {f['messages_per_s']:,.0f} messages/s with market data; "
        f"{f['events_per_s']:,.0f} events/s = {f['ratio_to_bare_simpy']:.3f} x bare SimPy ({bare:,.0f}/s)"
    )
    return f


if __name__ == "__main__":
    main()
