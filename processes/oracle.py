"""A Chainlink-style push oracle (MECHANICS.md §1, §6): a lending pool's price feed.

It listens to one spot venue's MarketData (over an ``md`` link) and publishes the latest
price as a PriceUpdate on its ``oracle`` links when the price has moved more than
``deviation`` from the last published price (at once, on the update that crossed the band),
or when ``heartbeat`` has passed since the last publication (one SimPy clock, which waits
for the first publication). The on-chain delay is the latency of the ``oracle`` links.

Each publication is an ``oracle`` record (``info``: first, deviation or heartbeat) whose
contributors are the source updates since the previous publication, each with its share of the
price move (sim/market/attribution.py); its cause is the one that took the price where it was published.
"""

from __future__ import annotations

from processes.context import Context
from processes.messages import MarketData, PriceUpdate
from processes.oracle_settings import OracleSettings
from sim.core.trace import Kind
from sim.market.attribution import MoveWindow


class PushOracle:
    def __init__(self, ctx: Context, name: str, cfg: OracleSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.out = ctx.out_channels(name, "oracle")
        self.latest: float | None = None  # the source's latest price; None: none yet
        self.window = MoveWindow({cfg.source: 1.0})
        # the last published price, its time (None before the first) and the number of publications
        self.published: float | None = None
        self.published_at: float | None = None
        self.publications = 0
        self._first = ctx.env.event()

    def start(self) -> None:
        self.ctx.env.process(self._heartbeat())

    def receive(self, msg: MarketData) -> None:
        if msg.price is None:  # a venue publishing its mid with one side of the book empty
            return
        self.latest = msg.price
        self.window.update(msg.venue, msg.price, msg.cause, self.ctx.env.now)
        if self.publications == 0:
            self._publish("first")
        elif abs(msg.price - self.published) > self.cfg.deviation * self.published:
            self._publish("deviation")

    def _publish(self, reason: str) -> None:
        env, trace = self.ctx.env, self.ctx.trace
        shares, cause = self.window.close()
        rid = trace.record(env.now, Kind.ORACLE, self.name, cause, price=self.latest, info=reason)
        trace.contributors.add(rid, shares)
        self.published, self.published_at = self.latest, env.now
        self.publications += 1
        for channel in self.out:
            channel.send(PriceUpdate(rid, self.name, self.latest))
        if not self._first.triggered:
            self._first.succeed()

    def _heartbeat(self):
        """Publish ``heartbeat`` after the last publication, unless another one came first."""
        env = self.ctx.env
        yield self._first
        while True:
            seen = self.publications
            yield env.timeout(self.published_at + self.cfg.heartbeat - env.now)
            if self.publications == seen:
                self._publish("heartbeat")
