"""Experiment files: TOML → typed, validated dataclasses, with dotted overrides.

Every section is a table of components keyed by id (``[spot.spot]``, ``[perp.perp]``,
``[link.hedge]``), so any value can be overridden on the command line with
``--set link.hedge.latency=300ms``. See README.md for the format.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import datafiles, tomlwrite
from sim.schema import ConfigError, a_or_an, choice, did_you_mean, dump, duration, fraction, load, table


def require(ok: bool, key: str, problem: str) -> None:
    """Raise ConfigError(key, problem) unless ``ok``."""
    if not ok:
        raise ConfigError(key, problem)


def _positive(value: float, key: str) -> None:
    require(value > 0, key, f"must be > 0, got {value!r}")


def _non_negative(value: float, key: str) -> None:
    require(value >= 0, key, f"must be >= 0, got {value!r}")


@dataclass
class ExperimentSection:
    name: str
    description: str = ""
    seed: int = 1
    duration: float = duration(300.0)
    asset: str = "RKT"
    quote: str = "USDT"

    def check(self, key: str) -> None:
        _positive(self.duration, f"{key}.duration")
        require(self.seed >= 0, f"{key}.seed", f"must be >= 0, got {self.seed}")


@dataclass
class Depth:
    """A depth profile: ``notional`` per side within ±``range`` of mid (MECHANICS.md §7)."""

    notional: float
    range: float = fraction(0.02)
    shape: str = choice("flat", "flat", "linear", "exponential")
    extent: float = fraction(0.10)
    step: float = fraction(0.001)
    scale: float = fraction(0.01)

    def check(self, key: str) -> None:
        _positive(self.notional, f"{key}.notional")
        require(self.notional < 1e13, f"{key}.notional", f"absurdly large: {self.notional!r} (must be < 1e13)")
        _positive(self.range, f"{key}.range")
        require(self.range <= self.extent < 1, f"{key}.extent", f"must be in [range, 1), got {self.extent!r}")
        _positive(self.step, f"{key}.step")
        require(self.step <= self.extent, f"{key}.step", f"must be <= extent, got {self.step!r}")
        _positive(self.scale, f"{key}.scale")


@dataclass
class Book:
    """Initial resting liquidity on a venue, owned by one account: synthetic ``asks``/``bids``
    profiles, or a depth-profile CSV file (``profile``, see sim/datafiles.py)."""

    mid: float
    owner: str = "holders"
    asks: Depth | None = None
    bids: Depth | None = None
    profile: str | None = None

    def check(self, key: str) -> None:
        _positive(self.mid, f"{key}.mid")
        if self.profile is not None:
            require(self.asks is None and self.bids is None, f"{key}.profile", "give either profile or asks/bids")
        else:
            require(self.asks is not None or self.bids is not None, key, "needs asks, bids or profile")


@dataclass
class Spot:
    tick: float = 0.001
    throughput: float = 0.0
    taker_fee: float = fraction(0.0)
    publish: str = choice("last", "last", "mid")
    book: Book | None = None
    depth_interval: float = duration(0.0)  # sample ±depth_range depth every so often (0 = never)
    depth_range: float = fraction(0.02)
    record_limits: bool = False  # also record limit orders and cancels (a crowd may send millions)

    def check(self, key: str) -> None:
        _positive(self.tick, f"{key}.tick")
        _non_negative(self.throughput, f"{key}.throughput")
        require(0 <= self.taker_fee < 0.1, f"{key}.taker_fee", f"must be in [0, 10%), got {self.taker_fee!r}")
        require(self.book is not None, f"{key}.book", "a spot venue needs an initial book")
        if self.book.profile is not None:
            datafiles.profile_ladders(self.book.profile, f"{key}.book.profile", self.book.mid, self.tick)
        _non_negative(self.depth_interval, f"{key}.depth_interval")
        _positive(self.depth_range, f"{key}.depth_range")


@dataclass
class Index:
    sources: dict[str, float]
    interval: float = duration(1.0)
    stale_after: float = duration(300.0)
    outlier: float = fraction(0.05)
    attribution_memory: float = duration(10.0)
    method: str = choice("mean", "mean", "median")  # mean: Binance's weighted mean; median: Hyperliquid's

    def check(self, key: str) -> None:
        require(bool(self.sources), f"{key}.sources", "an index needs at least one source")
        _non_negative(self.attribution_memory, f"{key}.attribution_memory")
        for name, w in self.sources.items():
            _positive(w, f"{key}.sources.{name}")
        _positive(self.interval, f"{key}.interval")
        _positive(self.stale_after, f"{key}.stale_after")
        _positive(self.outlier, f"{key}.outlier")


@dataclass
class Distribution:
    """Liquidation prices: ``uniform`` (random), ``even`` (evenly spaced) in [low, high]."""

    low: float
    high: float
    dist: str = choice("even", "even", "uniform")

    def check(self, key: str) -> None:
        _positive(self.low, f"{key}.low")
        require(self.high >= self.low, f"{key}.high", f"must be >= low, got {self.high!r}")


@dataclass
class Counterparty:
    """The opposite side of a population, entered at the same prices at low leverage."""

    owner: str
    leverage: float = 2.0
    count: int = 100

    def check(self, key: str) -> None:
        _positive(self.leverage, f"{key}.leverage")
        require(self.count >= 1, f"{key}.count", f"must be >= 1, got {self.count}")


@dataclass
class Population:
    """Leveraged traders held as arrays in the perp venue's position book: ``count`` positions
    of a total size with liquidation prices drawn from ``liq_price``, or, from a liquidation-map
    CSV file (``map``, see sim/datafiles.py), ``count`` positions per row of the population's side."""

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
            _positive(size, size_key)
            require(size < 1e13, size_key, f"absurdly large: {size!r} (must be < 1e13)")
        else:
            for name in ("quantity", "notional", "liq_price"):
                require(getattr(self, name) is None, f"{key}.{name}", "not with map (the map gives sizes and prices)")
        require(
            (self.leverage is None) != (self.entry_price is None), key, "give exactly one of leverage or entry_price"
        )
        if self.leverage is not None:
            _positive(self.leverage, f"{key}.leverage")
        if self.entry_price is not None:
            _positive(self.entry_price, f"{key}.entry_price")
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
class Perp:
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

    def check(self, key: str) -> None:
        _positive(self.tick, f"{key}.tick")
        _non_negative(self.throughput, f"{key}.throughput")
        _non_negative(self.engine_interval, f"{key}.engine_interval")
        require(
            0 <= self.liquidation_fee < 0.5,
            f"{key}.liquidation_fee",
            f"must be in [0, 50%), got {self.liquidation_fee!r}",
        )
        _non_negative(self.insurance_fund, f"{key}.insurance_fund")
        _non_negative(self.vault_capital, f"{key}.vault_capital")
        require(
            0 < self.backstop_ratio <= 1, f"{key}.backstop_ratio", f"must be in (0, 1], got {self.backstop_ratio!r}"
        )
        _positive(self.slice_notional, f"{key}.slice_notional")
        require(
            0 < self.slice_fraction <= 1, f"{key}.slice_fraction", f"must be in (0, 1], got {self.slice_fraction!r}"
        )
        _non_negative(self.cooldown, f"{key}.cooldown")
        if self.liquidation_slippage is not None:
            require(
                0 < self.liquidation_slippage < 1,
                f"{key}.liquidation_slippage",
                f"must be in (0, 100%), got {self.liquidation_slippage!r}",
            )
        _positive(self.smmr, f"{key}.smmr")
        _positive(self.bankruptcy_adjustment, f"{key}.bankruptcy_adjustment")
        require(0 < self.mmr < 1, f"{key}.mmr", f"must be in (0, 1), got {self.mmr!r}")
        _positive(self.funding_interval, f"{key}.funding_interval")
        _positive(self.premium_interval, f"{key}.premium_interval")
        _positive(self.basis_interval, f"{key}.basis_interval")
        require(
            self.premium_interval <= self.funding_interval,
            f"{key}.premium_interval",
            "must be <= funding_interval",
        )
        _positive(self.impact_notional, f"{key}.impact_notional")
        _non_negative(self.funding_clamp, f"{key}.funding_clamp")
        if self.funding_cap is not None:
            _positive(self.funding_cap, f"{key}.funding_cap")
        for i, row in enumerate(self.tiers or []):
            require(len(row) == 3, f"{key}.tiers[{i}]", "expected [notional_cap, mmr, max_leverage]")
            require(0 < row[1] < 1, f"{key}.tiers[{i}]", f"mmr must be in (0, 1), got {row[1]!r}")


@dataclass
class Unwinder:
    """What a perp venue's waterfall took over, unwound as a participant: the insurance fund's
    inventory on a binance or dydx perp, the liquidator vault's on a hyperliquid one. It sends
    ``slice`` of notional every ``interval`` to the venue's book, its orders and fills crossing
    its links like any other's."""

    perp: str
    interval: float = duration(1.0)
    slice: float = 50_000.0

    def check(self, key: str) -> None:
        _positive(self.interval, f"{key}.interval")
        _positive(self.slice, f"{key}.slice")


@dataclass
class MarketMaker:
    """Quotes a perp book around a spot reference and hedges each fill on spot."""

    perp: str
    hedge: dict[str, float]
    reference: str = ""
    quotes: Depth = field(default_factory=lambda: Depth(notional=100_000.0))
    half_spread: float = fraction(0.001)
    refresh: float = duration(1.0)
    hedge_ratio: float = 1.0
    inventory_limit: float | None = None  # tokens of perp position; None = no limit
    skew: float = fraction(0.0)  # quotes shift by -skew × position / skew_scale (a short MM quotes higher)
    skew_scale: float = 100_000.0  # tokens
    capital: float = 10_000_000.0
    tokens: float = 0.0
    margin: float = 2_000_000.0

    def check(self, key: str) -> None:
        require(bool(self.hedge), f"{key}.hedge", "needs at least one spot venue to hedge on")
        for name, w in self.hedge.items():
            _positive(w, f"{key}.hedge.{name}")
        _non_negative(self.half_spread, f"{key}.half_spread")
        _positive(self.refresh, f"{key}.refresh")
        require(0 <= self.hedge_ratio <= 2, f"{key}.hedge_ratio", f"must be in [0, 2], got {self.hedge_ratio!r}")
        if self.inventory_limit is not None:
            _positive(self.inventory_limit, f"{key}.inventory_limit")
        require(0 <= self.skew < 0.5, f"{key}.skew", f"must be in [0, 50%), got {self.skew!r}")
        _positive(self.skew_scale, f"{key}.skew_scale")
        _positive(self.margin, f"{key}.margin")
        require(self.capital >= self.margin, f"{key}.capital", "must be >= margin")
        _non_negative(self.tokens, f"{key}.tokens")


@dataclass
class Liquidity:
    """A spot liquidity provider that re-quotes a ladder around the last price."""

    venue: str
    quotes: Depth
    half_spread: float = fraction(0.002)
    refresh: float = duration(2.0)
    capital: float = 1_000_000.0
    tokens: float = 100_000.0

    def check(self, key: str) -> None:
        _non_negative(self.half_spread, f"{key}.half_spread")
        _positive(self.refresh, f"{key}.refresh")
        _non_negative(self.capital, f"{key}.capital")
        _non_negative(self.tokens, f"{key}.tokens")


@dataclass
class OptionMarketMaker(Liquidity):
    """The usual token-loan + call-option market-making contract (seed 004): the project lends
    ``loan`` tokens and grants a call on them at ``strike`` × the opening price, expiring at ``expiry``."""

    project: str = "project"
    loan: float = 100_000.0
    strike: float = 1.25
    expiry: float = duration(30 * 86400.0)
    shrink: float = 0.5  # size multiplier while the market maker is losing
    widen: float = 2.0  # spread multiplier while it is losing
    # the volatility a counterparty prices the call at when signing (that of the market without
    # the market maker), and a band around it; sim.playbook values the premium at all three
    implied_vol: float = fraction(1.0)
    vol_low: float = fraction(0.5)
    vol_high: float = fraction(1.5)

    def check(self, key: str) -> None:
        super().check(key)
        _positive(self.loan, f"{key}.loan")
        require(self.loan < 1e13, f"{key}.loan", f"absurdly large: {self.loan!r} (must be < 1e13)")
        _positive(self.strike, f"{key}.strike")
        _positive(self.expiry, f"{key}.expiry")
        require(0 < self.shrink <= 1, f"{key}.shrink", f"must be in (0, 1], got {self.shrink!r}")
        require(self.widen >= 1, f"{key}.widen", f"must be >= 1, got {self.widen!r}")
        require(
            0 < self.vol_low <= self.implied_vol <= self.vol_high < 10,
            f"{key}.implied_vol",
            f"must satisfy 0 < vol_low <= implied_vol <= vol_high < 1000%, got {self.vol_low!r}, "
            f"{self.implied_vol!r}, {self.vol_high!r}",
        )


@dataclass
class Igniter:
    """An exogenous programme of market orders: ``notional`` in ``slices`` over ``duration``, on a
    spot venue or on a perp (there, sized in contracts at the perp's opening price, on margin equal
    to the notional: 1x leverage)."""

    venue: str
    notional: float
    side: str = choice("buy", "buy", "sell")
    start: float = duration(10.0)
    duration: float = duration(20.0)
    slices: int = 10

    def check(self, key: str) -> None:
        _positive(self.notional, f"{key}.notional")
        require(self.notional < 1e13, f"{key}.notional", f"absurdly large: {self.notional!r} (must be < 1e13)")
        _non_negative(self.start, f"{key}.start")
        _non_negative(self.duration, f"{key}.duration")
        require(self.slices >= 1, f"{key}.slices", f"must be >= 1, got {self.slices}")


@dataclass
class Noise:
    """Poisson market orders on a spot or perp venue, lognormal notional, buys with probability
    ``buy_share`` (on a perp, ``capital`` is posted as margin)."""

    venue: str
    rate: float = 1.0
    notional: float = 1_000.0
    sigma: float = 1.0
    buy_share: float = 0.5
    capital: float = 10_000_000.0
    tokens: float = 1_000_000.0

    def check(self, key: str) -> None:
        _positive(self.rate, f"{key}.rate")
        _positive(self.notional, f"{key}.notional")
        _non_negative(self.sigma, f"{key}.sigma")
        require(0 <= self.buy_share <= 1, f"{key}.buy_share", f"must be in [0, 1], got {self.buy_share!r}")


@dataclass
class ProfitTaker:
    """Spot holders who sell into a rally: while the price they see is ``threshold`` above
    ``fair`` (default: the venue's opening mid), they release ``rate`` of notional per second
    from ``tokens`` and offer it as asks ``offset`` above that price."""

    venue: str
    tokens: float
    rate: float
    threshold: float = fraction(0.1)
    fair: float | None = None
    offset: float = fraction(0.001)
    interval: float = duration(0.25)
    ramp: float = duration(0.0)

    def check(self, key: str) -> None:
        _positive(self.tokens, f"{key}.tokens")
        _positive(self.rate, f"{key}.rate")
        _non_negative(self.threshold, f"{key}.threshold")
        if self.fair is not None:
            _positive(self.fair, f"{key}.fair")
        _non_negative(self.offset, f"{key}.offset")
        _positive(self.interval, f"{key}.interval")
        _non_negative(self.ramp, f"{key}.ramp")


@dataclass
class OrderFlow:
    """A crowd of ``traders`` noise traders on one spot venue (processes/order_flow.py): new orders
    at ``rate`` per trader per second, limit orders with probability ``limit_share`` (else market
    orders), priced up to ``depth`` on the passive side of the mid or ``cross`` through it, each
    cancelled after an exponential ``lifetime``; lognormal sizes of mean ``notional``."""

    venue: str
    traders: int = 1000
    rate: float = 0.1
    limit_share: float = fraction(0.7)
    lifetime: float = duration(30.0)
    notional: float = 1_000.0
    sigma: float = 1.0
    buy_share: float = fraction(0.5)
    depth: float = fraction(0.01)
    cross: float = fraction(0.001)
    capital: float = 1_000_000.0  # per trader
    tokens: float = 100_000.0  # per trader

    def check(self, key: str) -> None:
        require(1 <= self.traders <= 1_000_000, f"{key}.traders", f"must be in [1, 1,000,000], got {self.traders}")
        _positive(self.rate, f"{key}.rate")
        require(0 <= self.limit_share <= 1, f"{key}.limit_share", f"must be in [0, 1], got {self.limit_share!r}")
        _positive(self.lifetime, f"{key}.lifetime")
        _positive(self.notional, f"{key}.notional")
        _non_negative(self.sigma, f"{key}.sigma")
        require(0 <= self.buy_share <= 1, f"{key}.buy_share", f"must be in [0, 1], got {self.buy_share!r}")
        require(0 <= self.depth < 1, f"{key}.depth", f"must be in [0, 1), got {self.depth!r}")
        require(0 <= self.cross < 1, f"{key}.cross", f"must be in [0, 1), got {self.cross!r}")
        _non_negative(self.capital, f"{key}.capital")
        _non_negative(self.tokens, f"{key}.tokens")


@dataclass
class Sweep:
    """A parameter study for ``perpsim sweep`` (``perpsim run`` ignores it): grid axes written
    like ``--grid`` ("link.hedge.latency=0ms:2s:100ms"), seeds per point, lists zipped or crossed."""

    grid: list[str]
    seeds: int = 1
    zip: bool = False

    def check(self, key: str) -> None:
        require(bool(self.grid), f"{key}.grid", "needs at least one axis")
        require(self.seeds >= 1, f"{key}.seeds", f"must be >= 1, got {self.seeds}")


@dataclass
class BasisTrader:
    """Shorts the perp and buys the same quantity of spot while annualised funding is high."""

    perp: str
    spot: str
    enter_above: float = fraction(0.20)  # annualised funding rate
    exit_below: float = fraction(0.05)
    capital: float = 1_000_000.0
    clip: float = 20_000.0  # notional per step
    cooldown: float = duration(600.0)  # least time between two steps
    leverage: float = 2.0  # perp notional per unit of perp margin

    def check(self, key: str) -> None:
        require(self.exit_below <= self.enter_above, f"{key}.exit_below", "must be <= enter_above")
        _positive(self.capital, f"{key}.capital")
        require(self.capital < 1e13, f"{key}.capital", f"absurdly large: {self.capital!r} (must be < 1e13)")
        _positive(self.clip, f"{key}.clip")
        _non_negative(self.cooldown, f"{key}.cooldown")
        _positive(self.leverage, f"{key}.leverage")


@dataclass
class Rate:
    """A utilisation-kinked yearly borrow rate (MECHANICS.md §6; sim.market.lending.RateModel)."""

    base: float = fraction(0.0)
    slope1: float = fraction(0.04)
    slope2: float = fraction(0.75)
    optimal: float = fraction(0.8)

    def check(self, key: str) -> None:
        for name in ("base", "slope1", "slope2"):
            _non_negative(getattr(self, name), f"{key}.{name}")
        require(0 < self.optimal < 1, f"{key}.optimal", f"must be in (0, 1), got {self.optimal!r}")


@dataclass
class Reserve:
    """One asset of a lending pool (MECHANICS.md §6; sim.market.lending.ReserveParams): its
    risk parameters as collateral, its borrow rate, and ``supply`` lent at t = 0 by ``supplier``."""

    ltv: float = fraction(0.6)
    liquidation_threshold: float = fraction(0.7)
    liquidation_bonus: float = fraction(1.05)
    close_factor: float = fraction(0.5)
    full_close_hf: float = 0.95
    small_position: float = 0.0
    rate: Rate = field(default_factory=Rate)
    supply: float = 0.0
    supplier: str = "suppliers"
    # of the supply, lent at t = 0 to ``borrower`` (the pool's other borrowers), against twice as
    # much of this asset posted as collateral: it sets the utilisation, and so the rate, others see
    borrowed: float = 0.0
    borrower: str = "other_borrowers"

    def check(self, key: str) -> None:
        require(0 <= self.ltv < 1, f"{key}.ltv", f"must be in [0, 1), got {self.ltv!r}")
        require(
            self.ltv <= self.liquidation_threshold < 1,
            f"{key}.liquidation_threshold",
            f"must be in [ltv, 1), got {self.liquidation_threshold!r}",
        )
        require(
            self.liquidation_bonus >= 1 and self.liquidation_bonus * self.liquidation_threshold <= 1,
            f"{key}.liquidation_bonus",
            f"must be >= 1 and at most 1 / liquidation_threshold, got {self.liquidation_bonus!r}",
        )
        require(0 < self.close_factor <= 1, f"{key}.close_factor", f"must be in (0, 1], got {self.close_factor!r}")
        require(0 < self.full_close_hf <= 1, f"{key}.full_close_hf", f"must be in (0, 1], got {self.full_close_hf!r}")
        _non_negative(self.small_position, f"{key}.small_position")
        _non_negative(self.supply, f"{key}.supply")
        require(self.supply < 1e13, f"{key}.supply", f"absurdly large: {self.supply!r} (must be < 1e13)")
        require(bool(self.supplier), f"{key}.supplier", "needs an account name")
        require(
            0 <= self.borrowed <= self.supply,
            f"{key}.borrowed",
            f"must be in [0, supply = {self.supply!r}], got {self.borrowed!r}",
        )


@dataclass
class Lending:
    """An Aave-like lending pool (MECHANICS.md §6) of the quote currency and the token,
    priced by the push oracle ``oracle``."""

    oracle: str
    quote: Reserve = field(default_factory=Reserve)
    token: Reserve = field(default_factory=Reserve)


@dataclass
class Oracle:
    """A Chainlink-style push oracle (MECHANICS.md §1): publishes ``source``'s price when it moves
    more than ``deviation`` from the last publication, or ``heartbeat`` after it."""

    source: str
    deviation: float = fraction(0.005)
    heartbeat: float = duration(3600.0)

    def check(self, key: str) -> None:
        _positive(self.deviation, f"{key}.deviation")
        _positive(self.heartbeat, f"{key}.heartbeat")


@dataclass
class Liquidator:
    """Repays unhealthy loans on ``pool``, seizes their collateral and sells seized tokens on
    ``venue`` (MECHANICS.md §6); ``capital`` and ``tokens`` pay the debts."""

    pool: str
    venue: str
    capital: float = 1_000_000.0
    tokens: float = 0.0

    def check(self, key: str) -> None:
        _non_negative(self.capital, f"{key}.capital")
        _non_negative(self.tokens, f"{key}.tokens")


@dataclass
class Holder:
    """Seed 004's reverse leg: holders post tokens, borrow USDT at a target LTV, and post it as
    margin for a perp short of their tokens, earning funding without selling."""

    pool: str
    perp: str
    tokens: float = 100_000.0
    target_ltv: float = fraction(0.6)
    band: float = fraction(0.1)  # rebalance when the LTV leaves target ± band
    hedge: float = 1.0  # perp short per token posted
    clip: float = 20_000.0  # largest perp sell per check (tokens): the short is built gradually
    start: float = duration(60.0)
    check_interval: float = duration(600.0)

    def check(self, key: str) -> None:
        _positive(self.tokens, f"{key}.tokens")
        require(self.tokens < 1e13, f"{key}.tokens", f"absurdly large: {self.tokens!r} (must be < 1e13)")
        require(0 < self.target_ltv < 1, f"{key}.target_ltv", f"must be in (0, 1), got {self.target_ltv!r}")
        require(0 < self.band < self.target_ltv, f"{key}.band", f"must be in (0, target_ltv), got {self.band!r}")
        require(0 <= self.hedge <= 2, f"{key}.hedge", f"must be in [0, 2], got {self.hedge!r}")
        _positive(self.clip, f"{key}.clip")
        _non_negative(self.start, f"{key}.start")
        _positive(self.check_interval, f"{key}.check_interval")


@dataclass
class Forward:
    """Seed 004's forward leg: post USDT, borrow tokens and sell them at once; after ``hold``,
    buy them back and repay (never, if ``hold`` is 0)."""

    pool: str
    spot: str
    capital: float = 100_000.0
    ltv: float = fraction(0.5)  # of the collateral value borrowed in tokens
    start: float = duration(60.0)
    hold: float = duration(0.0)

    def check(self, key: str) -> None:
        _positive(self.capital, f"{key}.capital")
        require(self.capital < 1e13, f"{key}.capital", f"absurdly large: {self.capital!r} (must be < 1e13)")
        require(0 < self.ltv < 1, f"{key}.ltv", f"must be in (0, 1), got {self.ltv!r}")
        _non_negative(self.start, f"{key}.start")
        _non_negative(self.hold, f"{key}.hold")


@dataclass
class QuotingBorrower(Liquidity):
    """Seed 004's forward leg quoting instead of selling: post ``collateral`` USDT, borrow tokens
    worth ``ltv`` of it, and quote them against ``capital`` USDT as a liquidity provider does."""

    pool: str = ""
    collateral: float = 100_000.0
    ltv: float = fraction(0.5)
    start: float = duration(60.0)
    tokens: float = 0.0

    def check(self, key: str) -> None:
        super().check(key)
        require(bool(self.pool), f"{key}.pool", "needs a lending pool")
        _positive(self.collateral, f"{key}.collateral")
        require(self.collateral < 1e13, f"{key}.collateral", f"absurdly large: {self.collateral!r} (must be < 1e13)")
        require(0 < self.ltv < 1, f"{key}.ltv", f"must be in (0, 1), got {self.ltv!r}")
        _non_negative(self.start, f"{key}.start")


@dataclass
class Latency:
    """A link's latency model: constant, uniform, lognormal or empirical samples."""

    model: str = choice("constant", "constant", "uniform", "lognormal", "empirical")
    value: float = duration(0.0)
    low: float = duration(0.0)
    high: float = duration(0.0)
    median: float = duration(0.0)
    sigma: float = 0.5
    samples: list[float] = field(default_factory=list, metadata={"unit": "duration"})

    @classmethod
    def coerce(cls, value: Any, key: str) -> Latency:
        """A bare duration ("50ms") is a constant latency."""
        from sim.schema import convert

        latency = cls(model="constant", value=convert(float, value, key, {"unit": "duration"}))
        latency.check(key)
        return latency

    def check(self, key: str) -> None:
        for name in ("value", "low", "high", "median"):
            v = getattr(self, name)
            require(
                v >= 0,
                f"{key}.{name}" if self.model != "constant" or name != "value" else key,
                f"latency must be >= 0, got {v!r}",
            )
        if self.model == "uniform":
            require(self.high >= self.low, f"{key}.high", "must be >= low")
        if self.model == "lognormal":
            _positive(self.median, f"{key}.median")
            _non_negative(self.sigma, f"{key}.sigma")
        if self.model == "empirical":
            require(bool(self.samples), f"{key}.samples", "needs at least one sample")
            require(all(s >= 0 for s in self.samples), f"{key}.samples", "latency must be >= 0")


LINK_KINDS = ("order", "fill", "hedge", "md", "index", "oracle")


@dataclass
class Link:
    src: str
    dst: str
    kind: str = choice("order", *LINK_KINDS)
    latency: Latency = field(default_factory=Latency)


@dataclass
class Arm:
    """One way to run an experiment: the arm-specific components it enables, and overrides."""

    description: str = ""
    enable: list[str] = field(default_factory=list)
    set: list[str] = field(default_factory=list)


@dataclass
class Config:
    """A whole experiment, as resolved from its file and overrides."""

    experiment: ExperimentSection
    spot: dict[str, Spot] = table(dict)
    index: dict[str, Index] = table(dict)
    perp: dict[str, Perp] = table(dict)
    market_maker: dict[str, MarketMaker] = table(dict)
    liquidity: dict[str, Liquidity] = table(dict)
    igniter: dict[str, Igniter] = table(dict)
    noise: dict[str, Noise] = table(dict)
    basis: dict[str, BasisTrader] = table(dict)
    option_mm: dict[str, OptionMarketMaker] = table(dict)
    oracle: dict[str, Oracle] = table(dict)
    lending: dict[str, Lending] = table(dict)
    liquidator: dict[str, Liquidator] = table(dict)
    holder: dict[str, Holder] = table(dict)
    forward: dict[str, Forward] = table(dict)
    quoting_borrower: dict[str, QuotingBorrower] = table(dict)
    link: dict[str, Link] = table(dict)
    arms: dict[str, Arm] = table(dict)
    profit_taker: dict[str, ProfitTaker] = table(dict)
    order_flow: dict[str, OrderFlow] = table(dict)
    unwinder: dict[str, Unwinder] = table(dict)
    sweep: Sweep | None = None

    def check(self, key: str) -> None:
        seen: dict[str, str] = {}
        for section in node_sections():
            for node in getattr(self, section):
                require(node not in seen, f"{section}.{node}", f"duplicate id (already used in {seen.get(node)})")
                seen[node] = section
        require(bool(seen), "", "an empty world: give at least one node (a [spot.ID] or [perp.ID] venue, ...)")
        self._check_refs(seen)
        self._check_unwinders()

    def _check_unwinders(self) -> None:
        """At most one unwinder per perp."""
        owner: dict[str, str] = {}
        for uid, unwinder in self.unwinder.items():
            require(
                unwinder.perp not in owner,
                f"unwinder.{uid}.perp",
                f"'{unwinder.perp}' already has an unwinder ('{owner.get(unwinder.perp)}')",
            )
            owner[unwinder.perp] = uid

    def _check_refs(self, seen: dict[str, str]) -> None:
        def ref(key: str, name: str, *allowed: str) -> None:
            if seen.get(name) not in allowed:
                known = [n for n, s in seen.items() if s in allowed]
                raise ConfigError(
                    key, f"'{name}' is not {a_or_an(' or '.join(allowed))} id" + did_you_mean(name, known)
                )

        for section, fields in REFERENCES.items():
            for cid, comp in getattr(self, section).items():
                for name, allowed in fields:
                    value = getattr(comp, name)
                    targets = value if isinstance(value, dict) else [value] if value else []
                    for target in targets:
                        suffix = f".{target}" if isinstance(value, dict) else ""
                        ref(f"{section}.{cid}.{name}{suffix}", target, *allowed)
        for aid, arm in self.arms.items():
            for i, comp in enumerate(arm.enable):
                if comp not in seen:
                    raise ConfigError(
                        f"arms.{aid}.enable[{i}]", f"unknown component '{comp}'" + did_you_mean(comp, seen)
                    )
        for lid, link in self.link.items():
            for end in ("src", "dst"):
                name = getattr(link, end)
                if name not in seen:
                    raise ConfigError(f"link.{lid}.{end}", f"unknown node '{name}'" + did_you_mean(name, seen))


# What each section's fields may name: (field, allowed node kinds); a dict field names its keys.
REFERENCES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "perp": (("index", ("index",)),),
    "index": (("sources", ("spot",)),),
    "market_maker": (("perp", ("perp",)), ("hedge", ("spot",)), ("reference", ("spot",))),
    "liquidity": (("venue", ("spot",)),),
    "option_mm": (("venue", ("spot",)),),
    "igniter": (("venue", ("spot", "perp")),),
    "profit_taker": (("venue", ("spot",)),),
    "order_flow": (("venue", ("spot",)),),
    "noise": (("venue", ("spot", "perp")),),
    "oracle": (("source", ("spot",)),),
    "lending": (("oracle", ("oracle",)),),
    "liquidator": (("pool", ("lending",)), ("venue", ("spot",))),
    "basis": (("perp", ("perp",)), ("spot", ("spot",))),
    "holder": (("pool", ("lending",)), ("perp", ("perp",))),
    "forward": (("pool", ("lending",)), ("spot", ("spot",))),
    "quoting_borrower": (("pool", ("lending",)), ("venue", ("spot",))),
    "unwinder": (("perp", ("perp",)),),
}

NOT_NODES = ("experiment", "link", "sweep", "arms")


def node_sections() -> tuple[str, ...]:
    """The Config sections whose entries are nodes of the topology, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(Config) if f.name not in NOT_NODES)


def node_kinds(config: Config) -> dict[str, str]:
    """Every node id with its kind (spot, perp, index, market_maker, liquidity, igniter, noise, profit_taker)."""
    kinds = {}
    for section in node_sections():
        for node in getattr(config, section):
            kinds[node] = section
    return kinds


# ----------------------------------------------------------------------------- loading


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` → (["a", "b", "c"], value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ConfigError(text, "an override must look like dotted.key=value")
    path, _, raw = text.partition("=")
    keys = [k for k in path.strip().split(".")]
    if not all(keys):
        raise ConfigError(path, "an override key must be a dotted path like link.hedge.latency")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return keys, value


def apply_override(raw: dict[str, Any], keys: list[str], value: Any) -> None:
    """Set ``raw[k0][k1]...`` = value; the parent tables must exist (a typo is an error)."""
    node = raw
    for depth, k in enumerate(keys[:-1]):
        if k in node and not isinstance(node[k], dict):
            raise ConfigError(".".join(keys[: depth + 1]), "is a value, not a table")
        if not isinstance(node.get(k), dict):
            where = ".".join(keys[: depth + 1])
            raise ConfigError(
                where, "no such table" + did_you_mean(k, [n for n, v in node.items() if isinstance(v, dict)])
            )
        node = node[k]
    node[keys[-1]] = value


def from_dict(raw: dict[str, Any], overrides: list[str] = ()) -> Config:
    """Build a validated Config from a raw TOML mapping and ``--set`` overrides (``raw`` is not changed)."""
    raw = copy.deepcopy(raw)
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(raw, keys, value)
    return load(Config, raw)


def validated(config: Config) -> Config:
    """``config`` checked as a file is (for one built or edited in Python): a fresh, validated copy."""
    return load(Config, dump(config))


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, its data paths anchored to its folder (sim/datafiles.py); a syntax
    error becomes a ConfigError naming the file and line."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("", f"{path}: no such experiment file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError("", f"{path}: not UTF-8 text (byte {exc.start})") from None
    datafiles.anchor(raw, Path(path).parent)
    return raw


def to_toml(config: Config) -> str:
    """The fully resolved config as TOML text (numbers in seconds and fractions)."""
    return tomlwrite.dumps(dump(config))


def config_hash(config: Config) -> str:
    """A short, stable hash of the resolved config (seed included)."""
    return hashlib.sha256(to_toml(config).encode()).hexdigest()[:16]
