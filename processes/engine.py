"""A venue's matching engine: a FIFO with a finite throughput, so bursts queue.

With ``rate`` orders per second each job takes ``1/rate`` s of engine time and runs when its
turn ends; with rate 0 jobs run at once. Scheduling is one pre-triggered event with a
callback per job (topology.network.Delivery), recycled once the job has run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

from topology.network import Delivery


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
        self._callbacks = [self._run]
        self._free: list[Delivery] = []  # run events, for reuse
        self.submit: Callable[[Any], None] = self._enqueue if self.service else self._run_now

    def _run_now(self, job: Any) -> None:
        """``submit`` with unlimited throughput: the job runs at once."""
        self.processed += 1
        self.handler(job)

    def _enqueue(self, job: Any) -> None:
        """``submit`` with a finite throughput: the job runs when the engine's turn for it ends."""
        now = self.env.now
        finish = max(now, self.busy_until) + self.service
        self.busy_until = finish
        self.queued += 1
        self.max_queue = max(self.max_queue, self.queued)
        self.max_wait = max(self.max_wait, finish - now)
        event = self._free.pop() if self._free else Delivery()
        event.callbacks = self._callbacks
        event.value = job
        self.env.schedule(event, NORMAL, finish - now)

    def _run(self, event: Delivery) -> None:
        job = event.value
        event.value = None
        self._free.append(event)
        self.queued -= 1
        self.processed += 1
        self.handler(job)
