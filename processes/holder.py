"""Seed 004's reverse leg: a token holder earns funding without selling.

It posts its tokens as collateral on a lending pool, borrows USDT at ``target_ltv``, posts
the USDT as margin on a perp venue and shorts ``hedge`` × its tokens there (one ``clip`` per
check, so as not to crush a thin perp book), collecting
funding while the perp trades rich, no further than its posted margin backs at the target
LTV. Every ``check_interval`` it rebalances: with free cash it repays what puts the LTV back
at target if it is above, or tops up its perp margin otherwise; when the
LTV leaves target ± band it withdraws perp margin (LTV too high: the price fell, the short
gained) or borrows more (LTV too low: the price rose, the short needs margin). It can be
liquidated on either side: on the perp when the price rallies faster than it tops up, on
the pool when the price falls faster than it repays. Decisions are ``holder`` records.
"""

from __future__ import annotations

from processes.context import Context
from processes.holder_settings import HolderSettings
from processes.messages import FillReport, LoanUpdate, MarginTransfer, Order, PerpData, PoolRequest
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.sides import SELL

_MIN_CASH = 1.0  # USDT not worth a message


class Holder:
    def __init__(self, ctx: Context, name: str, cfg: HolderSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.pool_out = ctx.network.channel(name, cfg.pool)
        self.perp_out = ctx.network.channel(name, cfg.perp)
        self.loan: LoanUpdate | None = None
        self.price: float | None = None  # the token's latest price (pool or perp index); None: none yet
        self.cause = -1
        self.short = 0.0  # perp short, from fill reports (tokens)
        self.margin = 0.0  # USDT posted on the perp less withdrawn (as sent)

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, ASSET, self.cfg.tokens)
        self.ctx.env.process(self._run())

    def receive(self, msg: LoanUpdate | PerpData | FillReport) -> None:
        if isinstance(msg, LoanUpdate):
            self.loan = msg
            if msg.price is not None:
                self.price = msg.price
        elif isinstance(msg, PerpData):
            self.price, self.cause = msg.index, msg.cause
        elif isinstance(msg, FillReport):
            self.short -= msg.side * msg.qty

    def _run(self):
        env, cfg = self.ctx.env, self.cfg
        yield env.timeout(cfg.start)
        rid = self._record("deposit tokens", cfg.tokens)
        self.pool_out.send(PoolRequest(rid, self.account, "deposit", ASSET, cfg.tokens, self.name))
        while True:
            yield env.timeout(cfg.check_interval)
            self._rebalance()

    def ltv(self) -> float | None:
        """Debt over collateral value at the latest price; None before the first loan update and
        price, or with no collateral."""
        loan = self.loan
        if loan is None or self.price is None:
            return None
        collateral = loan.collateral[QUOTE] + loan.collateral[ASSET] * self.price
        debt = loan.debt[QUOTE] + loan.debt[ASSET] * self.price
        return debt / collateral if collateral else None

    def _rebalance(self) -> None:
        cfg, ledger = self.cfg, self.ctx.ledger
        ltv = self.ltv()
        if ltv is None:
            return
        value = self.loan.collateral[ASSET] * self.price
        cash = ledger.balance(self.account, QUOTE)
        excess = (ltv - cfg.target_ltv) * value if self.loan.debt[QUOTE] > 0 else 0.0
        if cash > _MIN_CASH:
            if excess > _MIN_CASH:  # repay what puts the LTV back at target, post the rest next check
                rid = self._record("repay", min(cash, excess))
                self.pool_out.send(PoolRequest(rid, self.account, "repay", QUOTE, min(cash, excess), self.name))
            else:
                rid = self._record("post margin", cash)
                self.perp_out.send(MarginTransfer(rid, self.account, cash))
                self.margin += cash
        elif ltv > cfg.target_ltv + cfg.band:
            rid = self._record("withdraw margin", excess)
            self.perp_out.send(MarginTransfer(rid, self.account, -excess))
            self.margin -= excess
        elif ltv < cfg.target_ltv - cfg.band and value > 0:
            amount = (cfg.target_ltv - ltv) * value
            rid = self._record("borrow", amount)
            self.pool_out.send(PoolRequest(rid, self.account, "borrow", QUOTE, amount, self.name))
        self._extend_short()

    def _extend_short(self) -> None:
        """Sell up to one clip more perp until the short reaches ``hedge`` × the tokens posted, and
        no further than the margin posted backs at the target LTV (a short of q tokens is backed by
        target_ltv · q · price), so that no clip goes out on margin still to come (the last check's
        fills have long been reported: checks are minutes apart)."""
        backed = self.margin / (self.cfg.target_ltv * self.price)
        missing = min(self.cfg.hedge * self.loan.collateral[ASSET], backed) - self.short
        if self.loan.debt[QUOTE] > 0 and missing > 0:
            qty = min(missing, self.cfg.clip)
            rid = self._record("short perp", qty * self.price)
            self.perp_out.send(Order(rid, self.account, SELL, qty=qty))

    def _record(self, what: str, amount: float) -> int:
        return self.ctx.trace.record(
            self.ctx.env.now,
            Kind.HOLDER,
            self.name,
            self.cause,
            self.name,
            price=self.price,
            notional=amount,
            info=what,
        )
