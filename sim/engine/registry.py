"""The node-kind registry: every kind of node an experiment can declare, in one place.

A ``NodeKind`` names its config section and settings class, which ids its settings may name,
the links it needs, how one node is built and how it opens at t = 0. sim/engine/config.py makes
``Config`` from the registry and sim/engine/world.py builds, opens and starts every node through it,
in registry order: that order decides the trace, keep it.

Adding a kind: its settings dataclass (processes/<kind>_settings.py) and its process (its
module under processes/), then one ``NodeKind`` appended to ``REGISTRY``
(tests/sim/engine/test_registry.py adds one in a test).

A kind's settings are imported here, its process only when a node is built: loading a config
(``perpsim list``/``show``) needs neither numpy, SimPy nor networkx (tests/sim/test_api.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from processes.basis_settings import BasisTraderSettings
from processes.forward_settings import ForwardSettings
from processes.holder_settings import HolderSettings
from processes.igniter_settings import IgniterSettings
from processes.index_settings import IndexSettings
from processes.lending_settings import LendingSettings
from processes.liquidator_settings import LiquidatorSettings
from processes.liquidity_settings import LiquiditySettings
from processes.market_maker_settings import MarketMakerSettings
from processes.noise_settings import NoiseSettings
from processes.option_mm_settings import OptionMarketMakerSettings
from processes.oracle_settings import OracleSettings
from processes.order_flow_settings import OrderFlowSettings
from processes.perp_settings import PerpSettings
from processes.profit_taker_settings import ProfitTakerSettings
from processes.quoting_borrower_settings import QuotingBorrowerSettings
from processes.spot_settings import SpotSettings
from processes.unwinder_settings import UnwinderSettings
from sim.core.config import Config, require
from sim.core.ledger import Ledger
from sim.market.assets import ASSET, QUOTE
from topology.graph import NeededLink, OnlyFrom, Requirement

if TYPE_CHECKING:
    import numpy as np

    from processes.context import Context
    from processes.market_maker import MarketMaker
    from processes.perp_venue import PerpVenue
    from processes.spot_venue import SpotVenue


class Site(Protocol):
    """What opening a node may use of its world (sim/engine/world.py's World)."""

    config: Config
    ledger: Ledger
    by_section: dict[str, dict[str, Any]]

    def rng_for(self, name: str) -> np.random.Generator: ...


Build = Callable[["Context", str, Any, Config], Any]  # (ctx, id, settings, config) -> node
Needs = Callable[[Any, str], Sequence[Requirement]]  # (settings, id) -> the links it needs
Open = Callable[[Site, str, Any, Any], None]  # (world, id, node, settings): its state at t = 0


def no_links(settings: Any, node: str) -> Sequence[Requirement]:
    return ()


@dataclass(frozen=True)
class NodeKind:
    """One kind of node: its ``[section.ID]`` tables load into ``settings``; ``references``
    lists (field, allowed kinds) its settings may name (a dict field names its keys); ``needs``
    gives the links one node needs; ``build`` makes the node. At t = 0 ``open`` (if any) sets
    its state, then, if ``starts``, its ``start()`` starts its processes. ``check`` is a rule
    across all nodes of the kind (id → settings)."""

    section: str
    settings: type
    build: Build
    references: tuple[tuple[str, tuple[str, ...]], ...] = ()
    needs: Needs = no_links
    open: Open | None = None
    starts: bool = True
    check: Callable[[dict[str, Any]], None] | None = None


# ----------------------------------------------------------------------------- what builders look up


def _tick(config: Config, venue: str) -> float:
    return config.spot[venue].tick


def _opening(config: Config, venue: str) -> float:
    return config.spot[venue].book.mid


def _perp_opening(config: Config, perp: str) -> float:
    """A perp's opening price: its index's first source's opening mid."""
    return _opening(config, next(iter(config.index[config.perp[perp].index].sources)))


def _venue_opening(config: Config, venue: str) -> float:
    """The opening price of a spot or perp venue."""
    return _perp_opening(config, venue) if venue in config.perp else _opening(config, venue)


def _holds(config: Config, perp: str) -> str:
    """What a perp's waterfall hands over: its liquidator vault on hyperliquid, else its fund."""
    return "vault" if config.perp[perp].style == "hyperliquid" else "insurance"


def _unwinder_of(config: Config, perp: str) -> str | None:
    return next((u for u, w in config.unwinder.items() if w.perp == perp), None)


# ----------------------------------------------------------------------------- opening at t = 0


def _open_spot(site: Site, name: str, node: SpotVenue, settings: SpotSettings) -> None:
    node.open()


def _open_perp(site: Site, name: str, node: PerpVenue, settings: PerpSettings) -> None:
    """Each population drawn as cohorts and checked against the opening price; then the venue opens."""
    from sim.engine.populations import build_cohorts, check_cohorts

    tiers = settings.margin_tiers()
    opening = _perp_opening(site.config, name)
    cohorts = []
    for pop_id, pop in settings.populations.items():
        built = build_cohorts(pop_id, pop, tiers, site.rng_for(f"population:{name}:{pop_id}"))
        check_cohorts(f"perp.{name}.populations.{pop_id}", pop, built, tiers, opening)
        cohorts += built
    node.open(cohorts)


def _open_market_maker(site: Site, name: str, node: MarketMaker, settings: MarketMakerSettings) -> None:
    """Its capital and tokens endowed, its margin deposited on its perp."""
    site.ledger.endow(node.account, QUOTE, settings.capital)
    if settings.tokens:
        site.ledger.endow(node.account, ASSET, settings.tokens)
    site.by_section["perp"][settings.perp].deposit(node.account, settings.margin)


# ----------------------------------------------------------------------------- the links each kind needs


def _index_links(s: IndexSettings, node: str) -> Sequence[Requirement]:
    sources = [NeededLink(src, node, "md", f"index.{node}.sources.{src}") for src in s.sources]
    return [*sources, OnlyFrom(node, "index", tuple(s.sources), "sources")]


def _market_maker_links(s: MarketMakerSettings, node: str) -> Sequence[Requirement]:
    key = f"market_maker.{node}"
    return [
        NeededLink(node, s.perp, "order", f"{key}.perp"),
        NeededLink(s.perp, node, "fill", f"{key}.perp"),
        *(NeededLink(node, venue, "hedge", f"{key}.hedge.{venue}") for venue in s.hedge),
        NeededLink(s.reference or next(iter(s.hedge)), node, "md", f"{key}.reference"),
    ]


def _two_way(section: str, field: str = "venue") -> Needs:
    """A node talking to the one its settings' ``field`` names: orders (or requests) to it, and
    its market data (or loan updates) back."""

    def needs(s: Any, node: str) -> Sequence[Requirement]:
        key = f"{section}.{node}.{field}"
        target = getattr(s, field)
        return [NeededLink(node, target, "order", key), NeededLink(target, node, "md", key)]

    return needs


def _quoting_borrower_links(s: QuotingBorrowerSettings, node: str) -> Sequence[Requirement]:
    return [*_two_way("quoting_borrower")(s, node), *_two_way("quoting_borrower", "pool")(s, node)]


def _holder_links(s: HolderSettings, node: str) -> Sequence[Requirement]:
    return [*_two_way("holder", "pool")(s, node), *_two_way("holder", "perp")(s, node)]


def _forward_links(s: ForwardSettings, node: str) -> Sequence[Requirement]:
    return [*_two_way("forward", "pool")(s, node), NeededLink(node, s.spot, "order", f"forward.{node}.spot")]


def _basis_links(s: BasisTraderSettings, node: str) -> Sequence[Requirement]:
    return [*_two_way("basis", "perp")(s, node), NeededLink(node, s.spot, "order", f"basis.{node}.spot")]


def _ordering(section: str) -> Needs:
    """A sender of market orders to its venue, which needs nothing back."""
    return lambda s, node: [NeededLink(node, s.venue, "order", f"{section}.{node}.venue")]


def _order_flow_links(s: OrderFlowSettings, node: str) -> Sequence[Requirement]:
    key = f"order_flow.{node}.venue"
    return [NeededLink(node, s.venue, "order", key), NeededLink(s.venue, node, "md", key, exact=True)]


def _unwinder_links(s: UnwinderSettings, node: str) -> Sequence[Requirement]:
    key = f"unwinder.{node}.perp"
    return [NeededLink(node, s.perp, "order", key), NeededLink(s.perp, node, "fill", key, exact=True)]


def _liquidator_links(s: LiquidatorSettings, node: str) -> Sequence[Requirement]:
    key = f"liquidator.{node}"
    return [
        NeededLink(s.pool, node, "md", f"{key}.pool"),
        NeededLink(node, s.pool, "order", f"{key}.pool"),
        NeededLink(node, s.venue, "order", f"{key}.venue"),
    ]


def _one_unwinder_per_perp(unwinders: dict[str, UnwinderSettings]) -> None:
    owner: dict[str, str] = {}
    for uid, unwinder in unwinders.items():
        require(
            unwinder.perp not in owner,
            f"unwinder.{uid}.perp",
            f"'{unwinder.perp}' already has an unwinder ('{owner.get(unwinder.perp)}')",
        )
        owner[unwinder.perp] = uid


# ----------------------------------------------------------------------------- building one node


def _spot(ctx: Context, n: str, s: SpotSettings, config: Config) -> Any:
    from processes.spot_venue import SpotVenue

    return SpotVenue(ctx, n, s)


def _index(ctx: Context, n: str, s: IndexSettings, config: Config) -> Any:
    from processes.index_publisher import IndexPublisher

    return IndexPublisher(ctx, n, s)


def _perp(ctx: Context, n: str, s: PerpSettings, config: Config) -> Any:
    from processes.perp_venue import PerpVenue

    return PerpVenue(ctx, n, s, _unwinder_of(config, n))


def _market_maker(ctx: Context, n: str, s: MarketMakerSettings, config: Config) -> Any:
    from processes.market_maker import MarketMaker

    return MarketMaker(ctx, n, s, config.perp[s.perp].tick)


def _liquidity(ctx: Context, n: str, s: LiquiditySettings, config: Config) -> Any:
    from processes.liquidity import LiquidityProvider

    return LiquidityProvider(ctx, n, s, _tick(config, s.venue))


def _igniter(ctx: Context, n: str, s: IgniterSettings, config: Config) -> Any:
    from processes.igniter import Igniter

    return Igniter(ctx, n, s, _venue_opening(config, s.venue), s.venue in config.perp)


def _noise(ctx: Context, n: str, s: NoiseSettings, config: Config) -> Any:
    from processes.noise import NoiseTrader

    return NoiseTrader(ctx, n, s, _perp_opening(config, s.venue) if s.venue in config.perp else None)


def _basis(ctx: Context, n: str, s: BasisTraderSettings, config: Config) -> Any:
    from processes.basis_trader import BasisTrader

    return BasisTrader(ctx, n, s)


def _option_mm(ctx: Context, n: str, s: OptionMarketMakerSettings, config: Config) -> Any:
    from processes.option_mm import OptionMarketMaker

    return OptionMarketMaker(ctx, n, s, _tick(config, s.venue), _opening(config, s.venue))


def _oracle(ctx: Context, n: str, s: OracleSettings, config: Config) -> Any:
    from processes.oracle import PushOracle

    return PushOracle(ctx, n, s)


def _lending(ctx: Context, n: str, s: LendingSettings, config: Config) -> Any:
    from processes.lending_pool import LendingPool

    return LendingPool(ctx, n, s)


def _liquidator(ctx: Context, n: str, s: LiquidatorSettings, config: Config) -> Any:
    from processes.liquidator import Liquidator

    return Liquidator(ctx, n, s, config.lending[s.pool])


def _holder(ctx: Context, n: str, s: HolderSettings, config: Config) -> Any:
    from processes.holder import Holder

    return Holder(ctx, n, s)


def _forward(ctx: Context, n: str, s: ForwardSettings, config: Config) -> Any:
    from processes.forward import ForwardBorrower

    return ForwardBorrower(ctx, n, s)


def _quoting_borrower(ctx: Context, n: str, s: QuotingBorrowerSettings, config: Config) -> Any:
    from processes.quoting_borrower import QuotingBorrower

    return QuotingBorrower(ctx, n, s, _tick(config, s.venue))


def _profit_taker(ctx: Context, n: str, s: ProfitTakerSettings, config: Config) -> Any:
    from processes.profit_taker import ProfitTaker

    return ProfitTaker(ctx, n, s, _tick(config, s.venue), _opening(config, s.venue))


def _order_flow(ctx: Context, n: str, s: OrderFlowSettings, config: Config) -> Any:
    from processes.order_flow import OrderFlow

    return OrderFlow(ctx, n, s, _tick(config, s.venue), _opening(config, s.venue))


def _unwinder(ctx: Context, n: str, s: UnwinderSettings, config: Config) -> Any:
    from processes.unwinder import Unwinder

    return Unwinder(ctx, n, s, _holds(config, s.perp))


# ----------------------------------------------------------------------------- the registry

REGISTRY: tuple[NodeKind, ...] = (
    NodeKind("spot", SpotSettings, _spot, open=_open_spot, starts=False),
    NodeKind(
        "index",
        IndexSettings,
        _index,
        references=(("sources", ("spot",)),),
        needs=_index_links,
    ),
    NodeKind(
        "perp",
        PerpSettings,
        _perp,
        references=(("index", ("index",)),),
        needs=lambda s, n: [NeededLink(s.index, n, "index", f"perp.{n}.index")],
        open=_open_perp,
        starts=False,
    ),
    NodeKind(
        "market_maker",
        MarketMakerSettings,
        _market_maker,
        references=(("perp", ("perp",)), ("hedge", ("spot",)), ("reference", ("spot",))),
        needs=_market_maker_links,
        open=_open_market_maker,
    ),
    NodeKind(
        "liquidity",
        LiquiditySettings,
        _liquidity,
        references=(("venue", ("spot",)),),
        needs=_two_way("liquidity"),
    ),
    NodeKind(
        "igniter",
        IgniterSettings,
        _igniter,
        references=(("venue", ("spot", "perp")),),
        needs=_ordering("igniter"),
    ),
    NodeKind(
        "noise",
        NoiseSettings,
        _noise,
        references=(("venue", ("spot", "perp")),),
        needs=_ordering("noise"),
    ),
    NodeKind(
        "basis",
        BasisTraderSettings,
        _basis,
        references=(("perp", ("perp",)), ("spot", ("spot",))),
        needs=_basis_links,
    ),
    NodeKind(
        "option_mm",
        OptionMarketMakerSettings,
        _option_mm,
        references=(("venue", ("spot",)),),
        needs=_two_way("option_mm"),
    ),
    NodeKind(
        "oracle",
        OracleSettings,
        _oracle,
        references=(("source", ("spot",)),),
        needs=lambda s, n: [NeededLink(s.source, n, "md", f"oracle.{n}.source", exact=True)],
    ),
    NodeKind(
        "lending",
        LendingSettings,
        _lending,
        references=(("oracle", ("oracle",)),),
        needs=lambda s, n: [NeededLink(s.oracle, n, "oracle", f"lending.{n}.oracle", exact=True)],
    ),
    NodeKind(
        "liquidator",
        LiquidatorSettings,
        _liquidator,
        references=(("pool", ("lending",)), ("venue", ("spot",))),
        needs=_liquidator_links,
    ),
    NodeKind(
        "holder",
        HolderSettings,
        _holder,
        references=(("pool", ("lending",)), ("perp", ("perp",))),
        needs=_holder_links,
    ),
    NodeKind(
        "forward",
        ForwardSettings,
        _forward,
        references=(("pool", ("lending",)), ("spot", ("spot",))),
        needs=_forward_links,
    ),
    NodeKind(
        "quoting_borrower",
        QuotingBorrowerSettings,
        _quoting_borrower,
        references=(("pool", ("lending",)), ("venue", ("spot",))),
        needs=_quoting_borrower_links,
    ),
    NodeKind(
        "profit_taker",
        ProfitTakerSettings,
        _profit_taker,
        references=(("venue", ("spot",)),),
        needs=_two_way("profit_taker"),
    ),
    NodeKind(
        "order_flow",
        OrderFlowSettings,
        _order_flow,
        references=(("venue", ("spot",)),),
        needs=_order_flow_links,
    ),
    NodeKind(
        "unwinder",
        UnwinderSettings,
        _unwinder,
        references=(("perp", ("perp",)),),
        needs=_unwinder_links,
        check=_one_unwinder_per_perp,
    ),
)
