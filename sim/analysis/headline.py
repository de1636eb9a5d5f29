"""The one line ``perpsim run`` prints about a run, in words.

It names the cascade's direction (the ignition's: a squeeze buys, a crash sells) and the spot
price extreme in that direction: the peak in a squeeze, the trough in a crash.
"""

from __future__ import annotations


def headline(name: str, summary: dict) -> str:
    """``name: a squeeze: 1500 liquidations in 5 waves, spot peaked at $15.06, amplification 93.3x, ...``."""
    squeeze = summary["cascade_direction"] == "buy"
    venues = list(summary["peak_price"])
    extremes = summary["peak_price"] if squeeze else {v: summary["min_price"].get(v) for v in venues}
    traded = {v: p for v, p in extremes.items() if p is not None}
    verb = "peaked" if squeeze else "bottomed"
    if not traded:
        price = "no spot trades"
    elif len(traded) == 1:
        price = f"spot {verb} at {_dollars(next(iter(traded.values())))}"
    else:
        price = f"spot {verb} at " + ", ".join(f"{_dollars(p)} on {v}" for v, p in traded.items())
    count, waves = summary["liquidations"], summary["waves"]
    liquidations = (
        "no liquidations"
        if not count
        else f"{count} liquidation{'s' if count != 1 else ''} in {waves} wave{'s' if waves != 1 else ''}"
    )
    amplification = summary["amplification"]
    forced = "no ignition" if amplification is None else f"amplification {amplification:.1f}x"
    return (
        f"{name}: a {'squeeze' if squeeze else 'crash'} ({'buying' if squeeze else 'selling'} ignition): "
        f"{liquidations}, {price}, {forced}, "
        f"{summary['events_processed']} events in {summary['wall_time_s']:.2f} s"
    )


def _dollars(price: float) -> str:
    return f"${price:,.2f}" if price >= 0.1 else f"${price:.4g}"
