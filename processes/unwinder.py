"""A perp venue's insurance fund or liquidator vault as a participant that unwinds what it took.

When the venue's waterfall moves a position to the fund (Binance ``takeover``) or the vault
(Hyperliquid ``backstop``), the venue tells this node over its fill link (a ``Takeover``
message). From then on, while it holds something, every ``interval`` the node sends one
market order over its order link closing up to ``slice`` of notional (at the last mark it
heard of) of what it holds, recorded as an ``unwind`` record at this node whose cause is the
oldest takeover not yet unwound, so the cascade tree shows which liquidation each piece of
the fund's later, forced flow descends from, and over which links it travelled. Its fills
come back as FillReports and reduce the oldest takeovers first.
"""

from __future__ import annotations

from collections import deque

from processes.context import Context
from processes.messages import FillReport, Order, PerpData, Takeover
from processes.unwinder_settings import UnwinderSettings
from sim.core.trace import Kind
from sim.market.sides import DUST


class Unwinder:
    def __init__(self, ctx: Context, name: str, cfg: UnwinderSettings, holds: str) -> None:
        """``holds``: ``insurance`` (the perp's fund) or ``vault`` (its liquidator vault)."""
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(f"{cfg.perp}:{holds}")
        self.out = ctx.network.channel(name, cfg.perp)
        self.lots: deque[list] = deque()  # [takeover record id, signed qty still held], oldest first
        self.price = 0.0  # the last mark or fill price heard of; 0.0 until then
        self._wake = ctx.env.event()  # triggered by a takeover while the node is idle

    @property
    def held(self) -> float:
        """Signed quantity held (long > 0)."""
        return sum(q for _, q in self.lots)

    def start(self) -> None:
        self.ctx.env.process(self._run())

    def receive(self, msg: Takeover | FillReport | PerpData) -> None:
        if isinstance(msg, Takeover):
            self.price = msg.price
            self._add(msg.cause, msg.side * msg.qty)
            if not self._wake.triggered:
                self._wake.succeed()
        elif isinstance(msg, FillReport):
            self.price = msg.price
            self._add(-1, msg.side * msg.qty)
        elif isinstance(msg, PerpData):
            self.price = msg.mark

    def _add(self, cause: int, signed: float) -> None:
        """Net a signed quantity against the lots, oldest first; a remainder opens a new lot."""
        while self.lots and abs(signed) > DUST and (self.lots[0][1] > 0) != (signed > 0):
            lot = self.lots[0]
            if abs(lot[1]) > abs(signed) + DUST:
                lot[1] += signed
                return
            signed += lot[1]
            self.lots.popleft()
        if abs(signed) > DUST and cause >= 0:
            self.lots.append([cause, signed])

    def _run(self):
        """Idle until a takeover arrives; then every ``interval``, while something is held, send
        one unwind order."""
        env, cfg = self.ctx.env, self.cfg
        while True:
            if abs(self.held) <= DUST:
                self._wake = env.event()
                yield self._wake
            yield env.timeout(cfg.interval)
            held = self.held
            if abs(held) <= DUST or self.price <= 0:
                continue
            qty = min(abs(held), cfg.slice / self.price)
            side = -1 if held > 0 else 1
            trace, names = self.ctx.trace, self.ctx.ledger.names
            rid = trace.record(
                env.now,
                Kind.UNWIND,
                self.name,
                self.lots[0][0],
                names[self.account],
                side,
                self.price,
                qty,
                qty * self.price,
            )
            self.out.send(Order(rid, self.account, side, qty=qty))
