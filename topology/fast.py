"""The hot path's speed tricks, in one place; each names the benchmark (benchmarks/) that pays for it.

Everything that happens later in a world (a message on a link, a matching-engine job, the
order-flow crowd's next arrival) is a ``Dispatcher.call_later``: a pre-triggered ``Delivery``
event put straight into SimPy's queue, whose callback hands the value to a handler; a link's
``Channel.send`` (topology/network.py) inlines ``call_later``'s body. Delivery is used by this
layer only: processes schedule through a Dispatcher.

Figures: bench_orderflow's world for 15 simulated minutes, orders per second of CPU time, the
median ratio of ten or so back-to-back pairs in one process on a two-core machine (a pair's
spread is a few percent). Kept when it pays more than 3%: ``Channel.send`` scheduling its event
itself rather than calling ``call_later`` (3.3%). Dropped: bound-method aliases
(``self._send = channel.send``, ``self._schedule = env.schedule``: under 1% each) and the
order-flow crowd's own reused event instead of a Dispatcher (2.3%).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

Handler = Callable[[Any], None]


class Delivery:
    """A triggered event carrying ``value``, scheduled with ``env.schedule``: all that SimPy's
    ``Environment.step`` reads (``callbacks``, then ``_ok``), without a Timeout's checks.

    ``callbacks`` is a list shared by every delivery of one dispatcher: SimPy only iterates it,
    after setting the event's attribute to None. Once its callback has started, SimPy no
    longer looks at the event, so the callback may put it back in a pool to be reused.

    Why: bench_ceiling's first layer (arrivals and a link, nothing else) and bench_orderflow:
    two of these events per order instead of a process per message (a Timeout and a
    generator), and no allocation once the pool holds the peak in flight.
    """

    __slots__ = ("callbacks", "value")
    _ok = True

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Delivery], None]] | None = None
        self.value: Any = None


class Dispatcher:
    """Calls ``handler(value)`` ``delay`` seconds after ``call_later(delay, value)``, in SimPy's
    order (time, then scheduling order), through recycled Delivery events.

    Delivery takes, in order: an event from the pool (or a new one); the value on it; the event
    into SimPy's queue; at its time, the value off it and the event back to the pool; then
    ``handler(value)``, which may itself call ``call_later`` (and so reuse that event).
    """

    __slots__ = ("env", "handler", "_callbacks", "_free")

    def __init__(self, env: simpy.Environment, handler: Handler | None = None) -> None:
        self.env = env
        self.handler = handler
        self._callbacks = [self._deliver]
        self._free: list[Delivery] = []  # delivered events, for reuse

    def call_later(self, delay: float, value: Any) -> None:
        """Hand ``value`` to the handler ``delay`` seconds from now."""
        event = self._free.pop() if self._free else Delivery()
        event.callbacks = self._callbacks
        event.value = value
        self.env.schedule(event, NORMAL, delay)

    def _deliver(self, event: Delivery) -> None:
        value = event.value
        event.value = None  # no value kept alive by the pool
        self._free.append(event)
        self.handler(value)


def events_scheduled(env: simpy.Environment) -> int:
    """The number of events scheduled on ``env`` so far, read once at the end of a run.

    SimPy numbers every event it schedules with a private counter (``env._eid``) and offers no
    public count. The public way, an Environment subclass counting in ``schedule``, puts one
    more Python call on every event: 4-7% of bench_orderflow's orders per second (and 32% of
    bench_rocket's bare SimPy loop), so the count is read off SimPy's counter here, the one
    place that touches it. Reading it takes one number from the counter.
    """
    return next(env._eid)
