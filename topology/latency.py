"""Latency models for topology links: constant, uniform, lognormal, empirical samples.

Random models draw from their own numpy Generator in blocks, so a link's delays depend
only on its seed and on how many messages it has carried.
"""

from __future__ import annotations

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
