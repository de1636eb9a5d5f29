"""Latency models: constant, uniform, lognormal and empirical delays; seeded and labelled."""

import math

import numpy as np
import pytest
import simpy

from sim.core.config import Latency
from topology.latency import LatencyModel
from topology.network import Channel


def model(seed: int = 0, **spec) -> LatencyModel:
    return LatencyModel(Latency(**spec), np.random.default_rng(seed))


def draws(m: LatencyModel, n: int) -> np.ndarray:
    """The delays of ``n`` messages sent over a link with model ``m``."""
    channel = Channel(simpy.Environment(), "link", "a", "b", "hedge", m)
    return np.array([channel.send(i) for i in range(n)])


def test_constant_returns_the_value_every_time():
    m = model(model="constant", value=0.25)
    assert draws(m, 5).tolist() == [0.25] * 5
    assert m.constant == 0.25
    assert m.spec.mean() == 0.25


def test_zero_constant_latency():
    assert draws(model(model="constant", value=0.0), 3).tolist() == [0.0] * 3


def test_uniform_draws_lie_between_low_and_high():
    d = draws(model(model="uniform", low=0.02, high=0.08), 5000)
    assert d.min() >= 0.02
    assert d.max() <= 0.08
    assert d.min() < 0.021 and d.max() > 0.079  # spread over the whole range
    assert d.mean() == pytest.approx(0.05, abs=0.001)


def test_uniform_with_equal_bounds_is_that_value():
    assert set(draws(model(model="uniform", low=0.03, high=0.03), 10).tolist()) == {0.03}


def test_lognormal_median_is_the_configured_median():
    d = draws(model(model="lognormal", median=0.05, sigma=0.5), 20_000)
    assert (d > 0).all()
    assert np.median(d) == pytest.approx(0.05, rel=0.03)
    assert d.mean() == pytest.approx(0.05 * math.exp(0.5**2 / 2), rel=0.03)


def test_lognormal_with_zero_sigma_is_the_median():
    assert set(draws(model(model="lognormal", median=0.05, sigma=0.0), 10).tolist()) == {0.05}


def test_empirical_draws_come_from_the_samples():
    samples = [0.01, 0.03, 0.12]
    d = draws(model(model="empirical", samples=samples), 3000)
    assert set(d.tolist()) == set(samples)


def test_same_seed_gives_the_same_sequence_across_blocks():
    for spec in (
        {"model": "uniform", "low": 0.01, "high": 0.05},
        {"model": "lognormal", "median": 0.05, "sigma": 0.5},
        {"model": "empirical", "samples": [0.01, 0.02, 0.03]},
    ):
        a = draws(model(seed=42, **spec), 2500)  # more than one block of 1024
        b = draws(model(seed=42, **spec), 2500)
        c = draws(model(seed=43, **spec), 2500)
        assert a.tolist() == b.tolist()
        assert a.tolist() != c.tolist()


def test_constant_model_does_not_consume_randomness():
    rng = np.random.default_rng(5)
    m = LatencyModel(Latency(model="constant", value=0.1), rng)
    draws(m, 3)
    assert rng.random() == np.random.default_rng(5).random()


@pytest.mark.parametrize(
    ("spec", "mean"),
    [
        ({"model": "uniform", "low": 0.02, "high": 0.08}, 0.05),
        ({"model": "lognormal", "median": 0.05, "sigma": 0.5}, 0.05 * math.exp(0.125)),
        ({"model": "empirical", "samples": [0.01, 0.03]}, 0.02),
    ],
)
def test_mean(spec, mean):
    assert Latency(**spec).mean() == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(
    ("spec", "label"),
    [
        ({"model": "constant", "value": 0.05}, "50ms"),
        ({"model": "constant", "value": 0.15}, "150ms"),
        ({"model": "constant", "value": 0.0}, "0ms"),
        ({"model": "constant", "value": 0.0005}, "0.5ms"),
        ({"model": "uniform", "low": 0.02, "high": 0.08}, "U(20ms,80ms)"),
        ({"model": "lognormal", "median": 0.05, "sigma": 0.5}, "LN(50ms,σ=0.5)"),
        ({"model": "empirical", "samples": [0.01, 0.03]}, "emp(mean 20ms)"),
    ],
)
def test_describe_labels(spec, label):
    assert Latency(**spec).describe() == label
