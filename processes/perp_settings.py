"""A perp venue's settings: its style and the rules it picks, its margin tiers and its populations
of leveraged traders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.core import datafiles
from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import choice, duration, fraction, table

if TYPE_CHECKING:
    from sim.market.clearing import ClearingRules
    from sim.market.margin import MarginTiers


@dataclass
class Distribution:
    """Liquidation prices: ``uniform`` (random), ``even`` (evenly spaced) in [low, high]."""

    low: float
    high: float
    dist: str = choice("even", "even", "uniform")

    def check(self, key: str) -> None:
        require_positive(self.low, f"{key}.low")
        require(self.high >= self.low, f"{key}.high", f"must be >= low, got {self.high!r}")


@dataclass
class Counterparty:
    """The opposite side of a population, entered at the same prices at low leverage."""

    owner: str
    leverage: float = 2.0
    count: int = 100

    def check(self, key: str) -> None:
        require_positive(self.leverage, f"{key}.leverage")
        require(self.count >= 1, f"{key}.count", f"must be >= 1, got {self.count}")


@dataclass
class Population:
    """Leveraged traders held as arrays in the perp venue's position book: ``count`` positions
    of a total size with liquidation prices drawn from ``liq_price``, or, from a liquidation-map
    CSV file (``map``, see sim/core/datafiles.py), ``count`` positions per row of the population's side."""

    side: str = choice("short", "short", "long")
    owner: str = ""
    count: int = 1000
    quantity: float | None = None
    notional: float | None = None
    leverage: float | None = None
    entry_price: float | None = None
    liq_price: Distribution | None = None
    counterparty: Counterparty | None = None
    map: str | None = None

    def check(self, key: str) -> None:
        require(self.count >= 1, f"{key}.count", f"must be >= 1, got {self.count}")
        require(self.count <= 10_000_000, f"{key}.count", f"absurdly large: {self.count} (must be <= 10,000,000)")
        if self.map is None:
            require((self.quantity is None) != (self.notional is None), key, "give exactly one of quantity or notional")
            size = self.quantity if self.quantity is not None else self.notional
            size_key = f"{key}.{'quantity' if self.quantity is not None else 'notional'}"
            require_positive(size, size_key)
            require(size < 1e13, size_key, f"absurdly large: {size!r} (must be < 1e13)")
        else:
            for name in ("quantity", "notional", "liq_price"):
                require(getattr(self, name) is None, f"{key}.{name}", "not with map (the map gives sizes and prices)")
        require(
            (self.leverage is None) != (self.entry_price is None), key, "give exactly one of leverage or entry_price"
        )
        if self.leverage is not None:
            require_positive(self.leverage, f"{key}.leverage")
        if self.entry_price is not None:
            require_positive(self.entry_price, f"{key}.entry_price")
        if self.map is not None:
            datafiles.liquidation_levels(self.map, f"{key}.map", self.side)
        else:
            require(self.liq_price is not None, f"{key}.liq_price", "missing required key")


# Per venue style, the defaults its published rules give (docs/MECHANICS.md §2, §3, §5); "auto"
# in a Perp field means "the style's".
STYLE_DEFAULTS: dict[str, dict[str, Any]] = {
    "binance": {"mark": "binance", "adl": "binance", "adl_price": "bankruptcy", "funding_interval": 8 * 3600.0},
    "hyperliquid": {"mark": "hyperliquid", "adl": "hyperliquid", "adl_price": "mark", "funding_interval": 3600.0},
    "dydx": {"mark": "binance", "adl": "binance", "adl_price": "bankruptcy", "funding_interval": 3600.0},
}


HYPERLIQUID_FUNDING_CAP = 0.04  # per hour (MECHANICS.md §3)


@dataclass
class PerpSettings:
    """A perp venue. ``style`` (binance, hyperliquid, dydx) picks its liquidation waterfall and the
    defaults of ``mark``, ``adl``, ``adl_price``, ``funding_interval`` and ``funding_cap``
    (docs/MECHANICS.md §5); every one of them can be set on its own."""

    index: str
    style: str = choice("binance", "binance", "hyperliquid", "dydx")
    tick: float = 0.001
    mark: str = choice("auto", "auto", "binance", "hyperliquid")
    throughput: float = 0.0
    engine_interval: float = duration(0.0)
    liquidation_fee: float = fraction(0.015)  # dydx only: fee on the filled notional, capped by the margin left
    insurance_fund: float = 0.0
    vault_capital: float = 0.0  # hyperliquid: the liquidator vault's capital (backstop liquidations)
    adl: str = choice("auto", "auto", "binance", "hyperliquid")
    adl_price: str = choice("auto", "auto", "bankruptcy", "mark")
    partial: bool = True  # binance: partial liquidation down to a lower tier
    backstop_ratio: float = fraction(2.0 / 3.0)  # hyperliquid: backstop below this × maintenance margin
    slice_notional: float = 100_000.0  # hyperliquid: positions above it are liquidated in slices
    slice_fraction: float = fraction(0.2)
    cooldown: float = duration(30.0)
    liquidation_slippage: float | None = fraction(None)  # hyperliquid: bound of its market orders (None: none)
    smmr: float = 1.5  # dydx: spread-to-maintenance-margin ratio of the fillable price
    bankruptcy_adjustment: float = 1.0  # dydx
    mmr: float = fraction(0.01)
    tiers: list[list[float]] | None = None
    funding_interval: float | None = duration(None)  # None: the style's (8 h binance, 1 h hyperliquid/dydx)
    premium_interval: float = duration(5.0)
    basis_interval: float = duration(1.0)  # Binance P2 samples (perp mid − index) every second
    impact_notional: float = 4_000.0
    interest_rate: float = fraction(0.0001)  # per 8 h (MECHANICS.md §3)
    funding_clamp: float = fraction(0.0005)  # per 8 h
    funding_cap: float | None = fraction(None)  # per interval; None: 0.75 × mmr, or 4%/h on hyperliquid
    populations: dict[str, Population] = table(dict)

    def __post_init__(self) -> None:
        """Resolve "auto" and None to the style's defaults."""
        defaults = STYLE_DEFAULTS.get(self.style, STYLE_DEFAULTS["binance"])
        for name in ("mark", "adl", "adl_price"):
            if getattr(self, name) == "auto":
                setattr(self, name, defaults[name])
        if self.funding_interval is None:
            self.funding_interval = defaults["funding_interval"]
        if self.funding_cap is None and self.style == "hyperliquid":
            self.funding_cap = HYPERLIQUID_FUNDING_CAP * self.funding_interval / 3600.0

    def clearing_rules(self) -> ClearingRules:
        """The venue's liquidation waterfall rules (sim/market/clearing.py): its style and their
        parameters, which a file writes at the perp's top level beside the rest."""
        from sim.market.clearing import ClearingRules  # here: loading a config needs no numpy

        return ClearingRules(
            style=self.style,
            fee_rate=self.liquidation_fee,
            partial=self.partial,
            backstop_ratio=self.backstop_ratio,
            slice_notional=self.slice_notional,
            slice_fraction=self.slice_fraction,
            cooldown=self.cooldown,
            slippage=self.liquidation_slippage,
            smmr=self.smmr,
            bankruptcy_adjustment=self.bankruptcy_adjustment,
            adl_price=self.adl_price,
        )

    def margin_tiers(self) -> MarginTiers:
        """The venue's maintenance-margin ladder: explicit tiers, else a flat MMR.

        The one conversion left between a file and the mechanics: a file writes ``tiers`` as
        rows [notional_cap, mmr, max_leverage] (or only ``mmr``), MarginTiers holds columns;
        a MarginTiers field would change the file format."""
        from sim.market.margin import MarginTiers  # here: loading a config needs no numpy

        if self.tiers:
            return MarginTiers.from_rows([tuple(row) for row in self.tiers])
        return MarginTiers.flat(self.mmr)

    def check(self, key: str) -> None:
        require_positive(self.tick, f"{key}.tick")
        require_non_negative(self.throughput, f"{key}.throughput")
        require_non_negative(self.engine_interval, f"{key}.engine_interval")
        require(
            0 <= self.liquidation_fee < 0.5,
            f"{key}.liquidation_fee",
            f"must be in [0, 50%), got {self.liquidation_fee!r}",
        )
        require_non_negative(self.insurance_fund, f"{key}.insurance_fund")
        require_non_negative(self.vault_capital, f"{key}.vault_capital")
        require(
            0 < self.backstop_ratio <= 1, f"{key}.backstop_ratio", f"must be in (0, 1], got {self.backstop_ratio!r}"
        )
        require_positive(self.slice_notional, f"{key}.slice_notional")
        require(
            0 < self.slice_fraction <= 1, f"{key}.slice_fraction", f"must be in (0, 1], got {self.slice_fraction!r}"
        )
        require_non_negative(self.cooldown, f"{key}.cooldown")
        if self.liquidation_slippage is not None:
            require(
                0 < self.liquidation_slippage < 1,
                f"{key}.liquidation_slippage",
                f"must be in (0, 100%), got {self.liquidation_slippage!r}",
            )
        require_positive(self.smmr, f"{key}.smmr")
        require_positive(self.bankruptcy_adjustment, f"{key}.bankruptcy_adjustment")
        require(0 < self.mmr < 1, f"{key}.mmr", f"must be in (0, 1), got {self.mmr!r}")
        require_positive(self.funding_interval, f"{key}.funding_interval")
        require_positive(self.premium_interval, f"{key}.premium_interval")
        require_positive(self.basis_interval, f"{key}.basis_interval")
        require(
            self.premium_interval <= self.funding_interval,
            f"{key}.premium_interval",
            "must be <= funding_interval",
        )
        require_positive(self.impact_notional, f"{key}.impact_notional")
        require_non_negative(self.funding_clamp, f"{key}.funding_clamp")
        if self.funding_cap is not None:
            require_positive(self.funding_cap, f"{key}.funding_cap")
        for i, row in enumerate(self.tiers or []):
            require(len(row) == 3, f"{key}.tiers[{i}]", "expected [notional_cap, mmr, max_leverage]")
            require(0 < row[1] < 1, f"{key}.tiers[{i}]", f"mmr must be in (0, 1), got {row[1]!r}")
