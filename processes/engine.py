"""A venue's matching engine: a FIFO with a finite throughput, so bursts queue.

With ``rate`` orders per second each job takes ``1/rate`` s of engine time and runs when its
turn ends; with rate 0 jobs run at once. A queued job waits in SimPy's queue, handed back to
the engine at its turn by a Dispatcher (topology/fast.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

from topology.fast import Dispatcher


class MatchingEngine:
    """Runs ``handler(job)`` for each job passed to ``submit``, in order, at the venue's throughput."""

    def __init__(self, env: simpy.Environment, rate: float, handler: Callable[[Any], None]) -> None:
        self.env = env
        self.service = 1.0 / rate if rate > 0 else 0.0
        self.handler = handler
        self.busy_until = 0.0
        self.queued = 0
        self.max_queue = 0
        self.max_wait = 0.0
        self.processed = 0
        self._turns = Dispatcher(env, self._run)

    def submit(self, job: Any) -> None:
        """Run ``job`` now with unlimited throughput, else when the engine's turn for it ends."""
        if not self.service:
            self.processed += 1
            self.handler(job)
            return
        now = self.env.now
        finish = max(now, self.busy_until) + self.service
        self.busy_until = finish
        self.queued += 1
        self.max_queue = max(self.max_queue, self.queued)
        self.max_wait = max(self.max_wait, finish - now)
        self._turns.call_later(finish - now, job)

    def _run(self, job: Any) -> None:
        self.queued -= 1
        self.processed += 1
        self.handler(job)
