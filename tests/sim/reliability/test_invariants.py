"""Invariants: the flagship keeps them all, and each one catches its own kind of break.

State breaks are made on a world opened at t = 0 and checked at once; engine bugs are
simulated by patching a venue method, and must stop the run (end-of-run check) or, with
``check_every_event``, at the first event that breaks the invariant.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from processes.perp_venue import PerpVenue
from processes.spot_venue import SpotVenue
from sim.cli import main
from sim.core.errors import InvariantError
from sim.core.trace import NO_ID, as_table, write_csv
from sim.engine.invariants import Invariants
from sim.engine.world import World
from sim.market.assets import QUOTE
from sim.study.experiments import load_experiment

LINE = re.compile(r"^perpsim: error: invariant (\w+) violated at t=([\d.e+-]+) s: .+\n$")


def opened(overrides: list[str] = ()) -> tuple[World, Invariants]:
    """The rocket world at t = 0, with its invariant checker."""
    world = World(load_experiment("rocket", overrides=list(overrides)))
    world._open()
    return world, Invariants(world)


def broken(invariants: Invariants) -> InvariantError:
    with pytest.raises(InvariantError) as exc:
        invariants.check_state()
    return exc.value


# ----------------------------------------------------------------------------- the flagship


@pytest.mark.parametrize("name", ["rocket", "rocket_300k"])
def test_the_flagship_keeps_every_invariant_after_every_event(name, tmp_path):
    plain = World(load_experiment(name)).run()
    checked = World(load_experiment(name)).run(check_every_event=True)
    write_csv(plain.trace, tmp_path / "plain.csv")
    write_csv(checked.trace, tmp_path / "checked.csv")
    assert (tmp_path / "plain.csv").read_bytes() == (tmp_path / "checked.csv").read_bytes()
    assert plain.summary["events_processed"] == checked.summary["events_processed"]


def test_funding_payments_sum_to_zero_in_a_run_with_funding():
    result = World(load_experiment("rocket", overrides=["perp.perp.funding_interval=20s"])).run(True)
    funding = result.trace.kind == "funding"
    assert funding.sum() >= 10
    rates = np.unique(result.trace.cause[funding])
    assert set(result.trace.kind[rates]) == {"funding_rate"}  # the record shape the check assumes


# ----------------------------------------------------------------------------- state breaks


def test_money_from_nowhere_breaks_conservation():
    world, inv = opened()
    world.ledger.balances[QUOTE][world.ledger.account("retail")] += 1.0
    err = broken(inv)
    assert err.invariant == "conservation"
    assert err.detail.startswith("USDT total ")
    assert err.t == 0.0


def test_a_one_sided_trade_breaks_open_interest():
    world, inv = opened()
    perp = world.by_section["perp"]["perp"]
    perp.positions.trade(0, -1, 10.0, 10.0)  # pid 0 is a short: it grows, no long takes the other side
    err = broken(inv)
    assert err.invariant == "open_interest"
    assert err.accounts == ("shorts", "longs")  # the owners of open positions


def test_margin_credited_without_money_breaks_the_margin_account():
    world, inv = opened()
    world.by_section["perp"]["perp"].positions.deposit(3, 5.0)
    err = broken(inv)
    assert (err.invariant, err.accounts) == ("margin_account", ("perp:margin",))


def test_realised_pnl_paid_twice_breaks_the_settlement_account():
    world, inv = opened()
    perp = world.by_section["perp"]["perp"]
    world.ledger.transfer(perp.settlement, world.ledger.account("retail"), QUOTE, 7.0)
    err = broken(inv)
    assert (err.invariant, err.accounts) == ("settlement_account", ("perp:settlement",))


def test_an_overdrawn_account_breaks_negative_balance_but_bad_debt_may_be_negative():
    world, inv = opened()
    ledger = world.ledger
    ledger.transfer(world.by_section["perp"]["perp"].bad_debt_account, ledger.account("retail"), QUOTE, 100.0)
    inv.check_state()  # recorded as a negative balance of the bad-debt account: allowed
    whale = ledger.account("whale")
    ledger.transfer(whale, ledger.account("holders"), QUOTE, ledger.balance(whale, QUOTE) + 5.0)
    err = broken(inv)
    assert (err.invariant, err.accounts) == ("negative_balance", ("whale",))
    assert err.detail == "USDT balance -5.0 of whale"


def test_a_positive_bad_debt_account_is_a_violation():
    world, inv = opened()
    ledger = world.ledger
    ledger.transfer(ledger.account("retail"), world.by_section["perp"]["perp"].bad_debt_account, QUOTE, 1.0)
    assert broken(inv).invariant == "bad_debt"


class CrossedBook:
    def best_bid(self) -> float:
        return 10.02

    def best_ask(self) -> float:
        return 10.01


def test_a_crossed_book_is_a_violation():
    _, inv = opened()
    inv.books["spot"] = CrossedBook()
    err = broken(inv)
    assert err.invariant == "crossed_book"
    assert err.detail == "best bid 10.02 >= best ask 10.01 on spot"


# ----------------------------------------------------------------------------- trace breaks


BLANK = {"t": 0.0, "node": "perp", "cause": -1, "account": "", "side": 0, "price": math.nan, "qty": math.nan,
         "notional": math.nan, "info": "", "pid": NO_ID, "ref": NO_ID, "bankruptcy": math.nan,
         "premium": math.nan}  # fmt: skip


def trace_with(*records: dict):
    """A trace of the given records (missing columns blank), with ids from 0."""
    rows = [{**BLANK, **r} for r in records]
    return as_table({"id": range(len(rows)), **{c: [row[c] for row in rows] for c in BLANK | {"kind": ""}}})


def test_funding_payments_that_do_not_net_to_zero_are_a_violation():
    _, inv = opened()
    trace = trace_with(
        {"t": 8.0, "kind": "funding_rate", "price": 1e-4},
        {"t": 8.0, "kind": "funding", "cause": 0, "account": "longs", "notional": -10.0},
        {"t": 8.0, "kind": "funding", "cause": 0, "account": "shorts", "notional": 9.0},
    )
    with pytest.raises(InvariantError) as exc:
        inv.check_end(trace)
    assert exc.value.invariant == "funding_zero_sum"
    assert (exc.value.t, exc.value.accounts) == (8.0, ("longs", "shorts"))


def test_bad_debt_not_in_the_trace_is_a_violation():
    world, inv = opened()
    ledger = world.ledger
    ledger.transfer(world.by_section["perp"]["perp"].bad_debt_account, ledger.account("retail"), QUOTE, 100.0)
    with pytest.raises(InvariantError) as exc:
        inv.check_end(trace_with({"kind": "bad_debt", "account": "shorts", "notional": 60.0}))
    assert exc.value.invariant == "bad_debt"
    assert exc.value.detail == "perp:bad_debt holds -100.0, the trace records 60.0 of bad debt"


# ----------------------------------------------------------------------------- engine bugs


@pytest.fixture
def engine_skips_liquidations_after_20s(monkeypatch):
    check = PerpVenue.check_liquidations

    def lazy(self, cause):
        if self.ctx.env.now <= 20:
            check(self, cause)

    monkeypatch.setattr(PerpVenue, "check_liquidations", lazy)


@pytest.mark.parametrize("every_event", [False, True])
def test_a_crossed_position_left_open_breaks_liquidation_delay(engine_skips_liquidations_after_20s, every_event):
    world = World(load_experiment("rocket", overrides=["experiment.duration=60s"]))
    with pytest.raises(InvariantError) as exc:
        world.run(check_every_event=every_event)
    err = exc.value
    assert err.invariant == "liquidation_delay"
    assert err.accounts == ("shorts",)
    assert re.fullmatch(
        r"short position pid=\d+ on perp \(liquidation price [\d.]+\) crossed by the mark at "
        r"t=[\d.]+ s, not liquidated within the engine interval \(0\.0 s\)",
        err.detail,
    )
    crossed_at = float(re.search(r"mark at t=([\d.]+) s", err.detail).group(1))
    assert crossed_at > 20
    assert err.t == crossed_at if not every_event else crossed_at < err.t < crossed_at + 1


def test_a_liquidation_before_the_mark_crosses_is_a_violation(monkeypatch):
    world = World(load_experiment("rocket", overrides=["experiment.duration=20s"]))
    liquidatable = type(world.by_section["perp"]["perp"].positions).liquidatable

    def eager(book, side, mark):  # the far end of the shorts, liquidated at the first mark
        pids = liquidatable(book, side, mark)
        return np.append(pids, 1499) if side == -1 and 1499 not in pids and book.qty[1499] > 0 else pids

    monkeypatch.setattr(type(world.by_section["perp"]["perp"].positions), "liquidatable", eager)
    with pytest.raises(InvariantError) as exc:
        world.run()
    assert exc.value.invariant == "liquidation_delay"
    assert exc.value.detail.startswith("short position pid=1499 on perp liquidated before the mark reached its ")


@pytest.fixture
def leaky_spot(monkeypatch):
    settle = SpotVenue._settle

    def leaky(self, taker, side, fills, cause):
        if self.ctx.env.now > 30:
            self.ctx.ledger.balances[QUOTE][taker] += 1.0
        return settle(self, taker, side, fills, cause)

    monkeypatch.setattr(SpotVenue, "_settle", leaky)


def test_every_event_checks_stop_at_the_event_that_broke_conservation_naming_its_accounts(leaky_spot):
    world = World(load_experiment("rocket", overrides=["experiment.duration=60s"]))
    with pytest.raises(InvariantError) as exc:
        world.run(check_every_event=True)
    err, trace = exc.value, world.trace.table()
    first = np.flatnonzero((trace.kind == "trade") & (trace.node == "spot") & (trace.t > 30))[0]
    assert err.invariant == "conservation"
    assert err.t == trace.t[first]
    assert trace.account[first] in err.accounts  # the taker of the trade, and the makers it traded with


@pytest.mark.parametrize("flag", [[], ["--check-every-event"]])
def test_cli_exits_3_with_one_line_and_leaves_no_results_folder(leaky_spot, tmp_path, capsys, flag):
    out = tmp_path / "out"
    code = main(["run", "rocket", "--set", "experiment.duration=40s", "--out", str(out), "--no-plots", *flag])
    stdout, stderr = capsys.readouterr()
    assert code == 3
    assert stdout == ""
    match = LINE.match(stderr)
    assert match, stderr
    assert match.group(1) == "conservation"
    assert float(match.group(2)) == 40.0 if not flag else 30 < float(match.group(2)) < 40
    assert list(tmp_path.iterdir()) == []


def test_cli_invariant_failure_with_force_leaves_the_old_folder(leaky_spot, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.csv").write_text("from a good run\n")
    assert main(["run", "rocket", "--set", "experiment.duration=40s", "--out", str(out), "--force", "--no-plots"]) == 3
    assert (out / "events.csv").read_text() == "from a good run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_unbounded_binance_liquidation_order_breaks_the_liquidation_bound(monkeypatch):
    import processes.perp_venue as venue
    from sim.market.clearing import BookOrder

    def unbounded(rules, tiers, pos, mark):  # the old engine's shortcut: no price bound
        return BookOrder(pos.qty, None)

    monkeypatch.setattr(venue, "liquidation_order", unbounded)
    with pytest.raises(InvariantError) as exc:
        World(load_experiment("rocket")).run()
    assert exc.value.invariant == "liquidation_bound"
    assert "beyond its bankruptcy price" in str(exc.value)
