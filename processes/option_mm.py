"""The token-loan + call-option market maker of seed 004.

The project lends ``loan`` tokens and grants a European call on them at ``strike`` × the
opening price. The market maker quotes both sides of the spot book like a liquidity
provider, but shrinks its size and widens its spread while it is losing money (marked to
the mid, against what it was given). At expiry, if the mid is above the strike it exercises
(pays strike × loan to the project and keeps the tokens); otherwise it returns the loan,
paying cash at the mid for tokens it no longer holds. ``option`` and ``exercise`` records
carry what the project's implicit cost is computed from (sim.analysis.metrics).
"""

from __future__ import annotations

from processes.context import Context
from processes.liquidity import LiquidityProvider
from processes.option_mm_settings import OptionMarketMakerSettings
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE


class OptionMarketMaker(LiquidityProvider):
    def __init__(
        self, ctx: Context, name: str, cfg: OptionMarketMakerSettings, tick: float, opening_price: float
    ) -> None:
        super().__init__(ctx, name, cfg, tick)
        self.project = ctx.ledger.account(cfg.project)
        self.strike = cfg.strike * opening_price
        self.opening_price = opening_price

    def start(self) -> None:
        cfg, ledger = self.cfg, self.ctx.ledger
        ledger.endow(self.project, ASSET, cfg.loan)
        ledger.transfer(self.project, self.account, ASSET, cfg.loan)
        self.ctx.trace.record(
            self.ctx.env.now,
            Kind.OPTION,
            self.name,
            -1,
            cfg.project,
            0,
            self.strike,
            cfg.loan,
            info=f"spot={self.opening_price!r} expiry={cfg.expiry!r} "
            f"iv={cfg.implied_vol!r} iv_low={cfg.vol_low!r} iv_high={cfg.vol_high!r}",
        )
        super().start()
        self.ctx.env.process(self._expire())

    def _quote(self) -> None:
        losing = self._pnl() < 0
        self.size_scale = self.cfg.shrink if losing else 1.0
        self.spread_scale = self.cfg.widen if losing else 1.0
        super()._quote()

    def _pnl(self) -> float:
        """Cash and tokens marked to the mid, against the capital and the loan it started with."""
        ledger, cfg = self.ctx.ledger, self.cfg
        cash = ledger.balance(self.account, QUOTE) - cfg.capital
        tokens = ledger.balance(self.account, ASSET) - cfg.tokens - cfg.loan
        return cash + tokens * self.price

    def _expire(self):
        yield self.ctx.env.timeout(self.cfg.expiry)
        ledger, cfg, price = self.ctx.ledger, self.cfg, self.price
        if price > self.strike:  # exercise: buy the loaned tokens at the strike
            ledger.transfer(self.account, self.project, QUOTE, self.strike * cfg.loan)
            value = (price - self.strike) * cfg.loan
        else:  # return the loan, paying at the mid for what is no longer held
            tokens = min(cfg.loan, max(ledger.balance(self.account, ASSET), 0.0))
            ledger.transfer(self.account, self.project, ASSET, tokens)
            ledger.transfer(self.account, self.project, QUOTE, (cfg.loan - tokens) * price)
            value = 0.0
        self.ctx.trace.record(
            self.ctx.env.now,
            Kind.EXERCISE,
            self.name,
            -1,
            cfg.project,
            0,
            price,
            cfg.loan,
            value,
            info="exercised" if value else "returned",
        )
