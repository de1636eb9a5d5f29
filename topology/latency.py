"""Latency models for topology links: constant, uniform, lognormal, empirical samples.

Random models draw from their own numpy Generator in blocks, so a link's delays depend
only on its seed and on how many messages it has carried.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.config import Latency

_BLOCK = 1024


class LatencyModel:
    """A link's delays (seconds): ``constant``, or blocks of random ones (topology.network.Channel
    takes one per message)."""

    def __init__(self, spec: Latency, rng: np.random.Generator) -> None:
        self.spec = spec
        self._rng = rng
        self.constant = spec.value if spec.model == "constant" else None

    def block(self) -> list[float]:
        """The next block of delays of a random model, last first (to be taken with ``pop()``)."""
        return self._draw(_BLOCK)[::-1].tolist()

    def _draw(self, n: int) -> np.ndarray:
        s = self.spec
        if s.model == "uniform":
            return self._rng.uniform(s.low, s.high, n)
        if s.model == "lognormal":
            return s.median * np.exp(s.sigma * self._rng.standard_normal(n))
        return self._rng.choice(np.asarray(s.samples, dtype=float), n)

    def mean(self) -> float:
        """Expected delay, for labels and reports."""
        s = self.spec
        if s.model == "constant":
            return s.value
        if s.model == "uniform":
            return (s.low + s.high) / 2
        if s.model == "lognormal":
            return s.median * math.exp(s.sigma**2 / 2)
        return float(np.mean(s.samples))

    def describe(self) -> str:
        """Short label, e.g. "50ms" or "U(10ms,50ms)"."""
        s = self.spec
        ms = lambda x: f"{x * 1e3:g}ms"  # noqa: E731
        if s.model == "constant":
            return ms(s.value)
        if s.model == "uniform":
            return f"U({ms(s.low)},{ms(s.high)})"
        if s.model == "lognormal":
            return f"LN({ms(s.median)},σ={s.sigma:g})"
        return f"emp(mean {ms(self.mean())})"
