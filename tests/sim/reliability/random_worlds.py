"""Hypothesis strategies for small random worlds, built as raw (TOML-shaped) dicts.

1–3 spot venues, 1–2 perp venues of any style (binance, hyperliquid, dydx; half with the
unwinder of their fund or vault) each with its own index (mean or median) over a random subset of the spot
venues, long or short populations with counterparties, market makers, liquidity providers,
noise, order-flow crowds of poor traders (their resting orders hold most of what they own),
igniters up or down on spot or perp venues, and constant or uniform latencies on every link a
node needs.
"""

from __future__ import annotations

from hypothesis import strategies as st

MIDS = {10.0: 0.001, 2.0: 0.0001, 50.0: 0.01}  # opening mid -> tick


def pct(lo: float, hi: float) -> st.SearchStrategy[str]:
    """A fraction written in percent, on a 0.1% grid (readable when shrunk)."""
    return st.integers(round(lo * 1000), round(hi * 1000)).map(lambda n: f"{n / 10:g}%")


def ms(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda n: f"{n}ms")


latency = st.one_of(
    ms(0, 200),
    st.tuples(st.integers(0, 100), st.integers(0, 150)).map(
        lambda t: {"model": "uniform", "low": f"{t[0]}ms", "high": f"{t[0] + t[1]}ms"}
    ),
)


def depth(notional: tuple[int, int], range_: tuple[float, float]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "notional": st.integers(*notional).map(lambda n: n * 1000),
            "range": pct(*range_),
            "shape": st.sampled_from(["flat", "linear", "exponential"]),
            "extent": pct(0.3, 0.9),
            "step": pct(0.002, 0.01),
        }
    )


def opens(raw: dict) -> bool:
    """Whether the world opens: its populations are ones the venue would hold (a population drawn
    far below the mid at high leverage has a counterparty underwater from t = 0, which the
    engine refuses, as it should)."""

    from sim.core.errors import ConfigError
    from sim.engine.config import from_dict
    from sim.engine.world import World

    try:
        World(from_dict(raw))._open()
    except ConfigError:
        return False
    return True


def valid_worlds() -> st.SearchStrategy[dict]:
    """``worlds`` that open (see ``opens``): the rare refused draw is left out."""
    return worlds().filter(opens)


@st.composite
def worlds(draw) -> dict:
    """A raw experiment dict for sim.core.config.from_dict."""
    raw: dict = {
        "experiment": {
            "name": "random",
            "seed": draw(st.integers(0, 1000)),
            "duration": draw(st.sampled_from(["20s", "30s", "40s"])),
        },
        "spot": {},
        "index": {},
        "perp": {},
        "unwinder": {},
        "market_maker": {},
        "liquidity": {},
        "igniter": {},
        "noise": {},
        "order_flow": {},
        "link": {},
    }

    def link(src: str, dst: str, kind: str) -> None:
        raw["link"][f"{src}-{dst}"] = {"src": src, "dst": dst, "kind": kind, "latency": draw(latency)}

    mid = draw(st.sampled_from(list(MIDS)))
    spots = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    for s in spots:
        raw["spot"][s] = {
            "tick": MIDS[mid],
            "throughput": draw(st.sampled_from([0, 0, 50, 500])),
            "taker_fee": draw(st.sampled_from([0, "0.1%"])),
            "publish": draw(st.sampled_from(["last", "mid"])),
            "book": {
                "mid": mid,
                "owner": f"holders-{s}",
                "asks": draw(depth((50, 500), (0.02, 0.1))),
                "bids": draw(depth((50, 500), (0.02, 0.1))),
            },
        }
        if draw(st.booleans()):
            raw["liquidity"][f"lp-{s}"] = {
                "venue": s,
                "quotes": draw(depth((5, 50), (0.01, 0.02))),
                "capital": 100_000,
                "tokens": 10_000 / mid,
            }
            link(f"lp-{s}", s, "order")
            link(s, f"lp-{s}", "md")
        if draw(st.booleans()):
            raw["noise"][f"noise-{s}"] = {"venue": s, "rate": draw(st.sampled_from([0.5, 2.0])), "notional": 2_000}
            link(f"noise-{s}", s, "order")
        if draw(st.booleans()):
            capital = draw(st.sampled_from([2_000, 20_000]))
            raw["order_flow"][f"crowd-{s}"] = {
                "venue": s,
                "traders": draw(st.integers(1, 8)),
                "rate": draw(st.sampled_from([0.2, 0.5])),
                "lifetime": draw(st.sampled_from(["1s", "10s"])),
                "notional": draw(st.sampled_from([500, 3_000])),
                "capital": capital,
                "tokens": capital / mid,
            }
            link(f"crowd-{s}", s, "order")
            link(s, f"crowd-{s}", "md")

    perps = [f"p{k}" for k in range(draw(st.integers(1, 2)))]
    for k, perp in enumerate(perps):
        index = f"i{k}"
        sources = draw(st.lists(st.sampled_from(spots), min_size=1, unique=True))
        raw["index"][index] = {
            "sources": {s: draw(st.integers(1, 3)) for s in sources},
            "interval": draw(st.sampled_from(["500ms", "1s", "2s"])),
            "method": draw(st.sampled_from(["mean", "median"])),
        }
        for s in sources:
            link(s, index, "md")
        link(index, perp, "index")
        funding = draw(st.sampled_from(["8h", "10s", "15s"]))
        raw["perp"][perp] = {
            "index": index,
            "style": draw(st.sampled_from(["binance", "hyperliquid", "dydx"])),
            "vault_capital": draw(st.sampled_from([0, 20_000, 300_000])),
            "slice_notional": draw(st.sampled_from([20_000, 100_000])),
            "cooldown": draw(st.sampled_from(["2s", "30s"])),
            "partial": draw(st.booleans()),
            "tick": MIDS[mid],
            "mark": draw(st.sampled_from(["binance", "hyperliquid"])),
            "mmr": draw(pct(0.005, 0.05)),
            "liquidation_fee": draw(pct(0.0, 0.02)),
            "insurance_fund": draw(st.sampled_from([0, 50_000, 500_000])),
            "adl": draw(st.sampled_from(["binance", "hyperliquid"])),
            "engine_interval": draw(st.sampled_from(["0s", "0s", "250ms", "2s"])),
            "throughput": draw(st.sampled_from([0, 0, 100])),
            "funding_interval": funding,
            "premium_interval": "1s" if funding != "8h" else "5s",
            "populations": {},
        }
        for j in range(draw(st.integers(1, 2))):
            side = draw(st.sampled_from(["short", "long"]))
            near, far = draw(st.integers(1, 8)) / 100, draw(st.integers(0, 20)) / 100
            band = (
                (mid * (1 + near), mid * (1 + near + far))
                if side == "short"
                else (mid * (1 - near - far), mid * (1 - near))
            )
            raw["perp"][perp]["populations"][f"pop{k}{j}"] = {
                "side": side,
                "count": draw(st.integers(1, 60)),
                "notional": draw(st.integers(1, 50)) * 100_000,
                "leverage": draw(st.sampled_from([3, 5, 10, 20])),
                "liq_price": {
                    "low": round(band[0], 4),
                    "high": round(band[1], 4),
                    "dist": draw(st.sampled_from(["even", "uniform"])),
                },
                "counterparty": {"owner": f"cp{k}{j}", "leverage": draw(st.sampled_from([1, 2, 3])), "count": 5},
            }
        if draw(st.booleans()):  # the fund's or vault's unwinder on half the perps
            unwinder = f"fund{k}"
            raw["unwinder"][unwinder] = {
                "perp": perp,
                "interval": draw(st.sampled_from(["250ms", "1s"])),
                "slice": draw(st.sampled_from([5_000, 50_000])),
            }
            link(unwinder, perp, "order")
            link(perp, unwinder, "fill")
        if draw(st.integers(0, 3)):  # a market maker on 3 perps in 4
            mm = f"mm{k}"
            hedge = draw(st.lists(st.sampled_from(spots), min_size=1, unique=True))
            reference = draw(st.sampled_from(spots))
            raw["market_maker"][mm] = {
                "perp": perp,
                "hedge": {s: 1.0 for s in hedge},
                "reference": reference,
                "quotes": draw(depth((100, 2000), (0.01, 0.03))),
                "half_spread": draw(pct(0.0, 0.003)),
                "refresh": draw(st.sampled_from(["500ms", "1s"])),
                "hedge_ratio": draw(st.sampled_from([0.0, 0.5, 1.0])),
                "capital": 30_000_000,
                "margin": draw(st.sampled_from([1_000_000, 10_000_000])),
            }
            link(mm, perp, "order")
            link(perp, mm, "fill")
            for s in hedge:
                link(mm, s, "hedge")
            if f"{reference}-{mm}" not in raw["link"]:
                link(reference, mm, "md")

    for n in range(draw(st.integers(1, 2))):
        venue = draw(st.sampled_from(spots + perps))
        raw["igniter"][f"ig{n}"] = {
            "venue": venue,
            "side": draw(st.sampled_from(["buy", "sell"])),
            "notional": draw(st.integers(1, 40)) * 50_000,
            "start": f"{draw(st.integers(1, 10))}s",
            "duration": f"{draw(st.integers(0, 10))}s",
            "slices": draw(st.integers(1, 10)),
        }
        link(f"ig{n}", venue, "order")
    return {section: table for section, table in raw.items() if table}
