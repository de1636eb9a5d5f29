"""Seed 004's playbook: arms built from one file, their runs, and the option market maker's settlement."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.core.config import node_kinds
from sim.core.errors import ConfigError
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.study.arms import arm_configs
from sim.study.experiments import raw_experiment
from sim.study.output import write_arms

SHORT = ["experiment.duration=8h"]


@pytest.fixture(scope="module")
def arms():
    return arm_configs(raw_experiment("bear_playbook"), SHORT)


@pytest.fixture(scope="module")
def results(arms):
    return {name: World(cfg).run() for name, cfg in arms.items()}


def test_each_arm_has_exactly_its_own_components(arms):
    specific = {"optmm", "holders", "shorts", "carry", "rally", "makers"}
    expected = {
        "call_option": {"optmm"},
        "dual": {"holders", "shorts", "carry"},
        "dual_quoting": {"holders", "makers", "carry"},
        "neither": set(),
        "dual_rally": {"holders", "shorts", "carry", "rally"},
    }
    assert set(arms) == set(expected)
    for name, cfg in arms.items():
        nodes = set(node_kinds(cfg))
        assert nodes & specific == expected[name], name
        for link in cfg.link.values():  # no link to a component the arm leaves out
            assert link.src in nodes and link.dst in nodes
        assert cfg.experiment.name == f"bear_playbook:{name}"
        assert cfg.experiment.seed == 11


def test_an_unknown_component_in_an_arm_is_refused():
    raw = raw_experiment("bear_playbook")
    raw["arms"]["dual"]["enable"].append("holdrs")
    with pytest.raises(ConfigError) as exc:
        arm_configs(raw)
    assert str(exc.value) == "arms.dual.enable[3]: unknown component 'holdrs' (did you mean 'holders'?)"


def test_the_dual_legs_act(results):
    t = results["dual"].trace
    holder = t.kind == "holder"
    assert "short perp" in set(t.info[holder])
    assert ((t.kind == "deposit") & (t.account == "holders")).any()
    assert ((t.kind == "forward") & (t.info == "sell borrowed")).any()
    assert ((t.kind == "trade") & (t.account == "shorts") & (t.side == -1)).any()  # real spot sell flow
    call = results["call_option"].trace
    assert (call.kind == "option").sum() == 1
    assert not (t.kind == "option").any()


def test_the_option_market_maker_deepens_the_book(results):
    def median_depth(result):
        t = result.trace
        d = t.notional[(t.kind == "depth") & np.isfinite(t.notional)]
        return float(np.median(d))

    assert median_depth(results["call_option"]) > 2 * median_depth(results["neither"])


def test_the_comparison_is_written_for_every_arm(results, tmp_path):
    out = write_arms(results, tmp_path / "bear")
    comparison = json.loads((out / "comparison.json").read_text())
    assert set(comparison) == set(results)
    for name, metrics in comparison.items():
        assert (out / name / "events.csv").is_file()
        for key in (
            "depth_median",
            "depth_p10",
            "realised_vol",
            "holder_funding_yield",
            "project_cost",
            "option_premium",
            "exercise_paid",
            "funding",
            "lending_liquidations",
            "perp_liquidations",
            "funding_path",
            "adl",
            "insurance_fund_change",
            "bad_debt",
            "duration_s",
        ):
            assert key in metrics, (name, key)
    assert comparison["call_option"]["project_cost"] > 0
    assert comparison["neither"]["project_cost"] == 0
    assert not (out / "comparison.png").exists()  # no figures: no PNG at all


def test_the_comparison_figure_shows_what_the_arms_have(results, tmp_path):
    from sim.analysis.playbook import arm_metrics, option_terms
    from sim.plots.side_by_side import arm_comparison_figure, plot_arm_comparison, table_rows

    arms = {
        name: (r.trace, arm_metrics(r.trace, r.nodes, r.config.experiment.duration, options=option_terms(r.config)))
        for name, r in results.items()
    }
    labels = [label for label, _ in table_rows(arms, 8 * 3600.0)]
    assert "holder funding yield, a year" in labels and "call premium at signing (implied vol)" in labels
    assert "paid at exercise" in labels and "holder net carry, a year" in labels
    assert not any("volatility" in label for label in labels)  # 8 h: too short to annualise
    fig = arm_comparison_figure(arms, "bear")
    time_axes = {ax.get_title(): ax for ax in fig.axes if ax.get_title() != "headline figures (USDT)"}
    funding = any((r.trace.kind == "funding_rate").any() for r in results.values())
    assert ("funding rate per interval, annualised" in time_axes) == funding  # 8 h: no interval ended
    assert "spot depth within ±2% of mid" in time_axes
    for ax in time_axes.values():  # one time axis, to the run's end
        assert ax.get_xlim() == (0.0, 8 * 3600.0)
    assert fig.axes[len(time_axes) - 1].get_xlabel() == "time since start (h)"
    assert plot_arm_comparison(arms, tmp_path / "c.png", "bear").stat().st_size > 10_000


def _option_world(strike: float) -> dict:
    return {
        "experiment": {"name": "option", "duration": "2h", "seed": 1},
        "spot": {
            "spot": {
                "tick": 0.0001,
                "book": {
                    "mid": 1.0,
                    "asks": {"notional": 50_000, "extent": "20%"},
                    "bids": {"notional": 50_000, "extent": "20%"},
                },
            }
        },
        "option_mm": {
            "optmm": {
                "venue": "spot",
                "quotes": {"notional": 10_000},
                "capital": 100_000,
                "tokens": 0,
                "loan": 10_000,
                "strike": strike,
                "expiry": "1h",
            }
        },
        "link": {
            "o": {"src": "optmm", "dst": "spot", "latency": "10ms"},
            "m": {"src": "spot", "dst": "optmm", "kind": "md", "latency": "10ms"},
        },
    }


def test_an_in_the_money_option_is_exercised_at_the_strike():
    result = World(from_dict(_option_world(strike=0.5))).run()
    t = result.trace
    ex = np.flatnonzero(t.kind == "exercise")
    assert len(ex) == 1 and t.info[ex[0]] == "exercised" and t.t[ex[0]] == 3600.0
    # the project lent 10,000 tokens and is paid the strike, 0.5 × 1.0 × 10,000 = 5,000 USDT
    assert result.ledger.of("project").quote == pytest.approx(5_000.0)
    assert result.ledger.of("project").asset == 0.0
    assert t.notional[ex[0]] == pytest.approx((t.price[ex[0]] - 0.5) * 10_000)


def test_an_out_of_the_money_option_returns_the_loan():
    result = World(from_dict(_option_world(strike=2.0))).run()
    t = result.trace
    ex = np.flatnonzero(t.kind == "exercise")
    assert t.info[ex[0]] == "returned" and t.notional[ex[0]] == 0.0
    project = result.ledger.of("project")
    # tokens back, and cash at the mid for any it no longer held
    assert project.asset + project.quote / t.price[ex[0]] == pytest.approx(10_000.0, rel=1e-9)


def test_other_borrowers_set_the_pools_utilisation_and_the_holders_pay_interest(results):
    t = results["dual"].trace
    at_start = (t.node == "pool") & (t.account == "other_borrowers")
    assert [(t.kind[i], t.info[i], t.qty[i]) for i in np.flatnonzero(at_start)] == [
        ("deposit", "USDT", 8_500_000.0),
        ("borrow", "USDT", 4_250_000.0),  # 85% of the 5M supplied, before any oracle price
    ]
    assert (t.t[at_start] == 0).all()
    from sim.analysis.playbook import run_metrics

    r = results["dual"]
    metrics = run_metrics(r)
    # target LTV 60%, token liquidated at 85%, perp MMR 2%: (0.6 + 1) / 1.02 − 1 and 1 − 0.6 / 0.85
    assert metrics["liquidation_distance"]["holders"] == pytest.approx(
        {"perp_rise": 0.56863, "loan_fall": 0.29412}, abs=1e-5
    )
    borrowed = t.qty[(t.node == "pool") & (t.account == "holders") & (t.kind == "borrow")].sum()
    # at least 8.5% a year on what the holders borrowed, for no more than the run
    assert 0 < metrics["holder_interest_paid"] <= borrowed * 0.0875 * 8 / (365 * 24)
    assert metrics["holder_net_carry"] == pytest.approx(
        metrics["holder_funding_received"] - metrics["holder_interest_paid"] - metrics["holder_fees_paid"]
    )


def test_the_quoting_forward_leg_borrows_tokens_and_quotes_them_instead_of_selling(results):
    t = results["dual_quoting"].trace
    own = np.flatnonzero(t.kind == "quoting_borrower")
    assert [t.info[i] for i in own] == ["deposit", "borrow"]
    deposit, borrow = own
    assert t.cause[deposit] == -1 and t.qty[deposit] == 100_000.0
    # the borrow answers the pool's deposit record: 50% of $100k at the oracle price, in tokens
    answered = t.cause[borrow]
    assert (t.kind[answered], t.node[answered], t.cause[answered]) == ("deposit", "pool", deposit)
    assert t.qty[borrow] == pytest.approx(0.5 * 100_000 / t.price[answered])
    lent = np.flatnonzero((t.kind == "borrow") & (t.account == "makers"))
    assert len(lent) == 1 and t.cause[lent[0]] == borrow and t.info[lent[0]] == "TKN"
    # it only quotes, never sends a market order: none of the trades has it as taker
    quotes = (t.kind == "quote") & (t.node == "makers")
    assert quotes.sum() > 100 and (t.t[quotes] >= t.t[lent[0]]).any()
    assert not ((t.kind == "trade") & (t.account == "makers")).any()


def test_the_holder_shorts_no_more_than_its_posted_margin_backs_and_repays_only_the_excess(results):
    t = results["dual"].trace
    own = np.flatnonzero((t.kind == "holder") & (t.node == "holders"))
    margin = short = 0.0
    shorts = 0
    for i in own:
        what, amount, price = t.info[i], t.notional[i], t.price[i]
        if what == "post margin":
            margin += amount
        elif what == "withdraw margin":
            margin -= amount
        elif what == "short perp":
            short += amount / price
            shorts += 1
            assert 0.6 * short * price <= margin * (1 + 1e-9), (t.t[i], short, margin)
        elif what == "repay":  # only what brings the LTV back to target: never all the borrowed cash
            borrowed = t.notional[own][t.info[own] == "borrow"].sum()
            assert amount < 0.1 * borrowed
    assert shorts > 5 and margin > 0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "option_mm.optmm.implied_vol=40%",
            "option_mm.optmm.implied_vol: must satisfy 0 < vol_low <= implied_vol <= vol_high < 1000%, "
            "got 0.5, 0.4, 1.5",
        ),
        (
            "lending.pool.quote.borrowed=6000000",
            "lending.pool.quote.borrowed: must be in [0, supply = 5000000.0], got 6000000.0",
        ),
    ],
)
def test_a_band_around_the_implied_volatility_and_borrowing_beyond_the_supply_are_refused(override, message):
    with pytest.raises(ConfigError) as exc:
        arm_configs(raw_experiment("bear_playbook"), [override])
    assert str(exc.value) == message
