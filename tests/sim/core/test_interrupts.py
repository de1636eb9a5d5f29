"""sim/core/interrupts.py in this process: a signal as Interrupted, held through a deferred block, statuses."""

from __future__ import annotations

import os
import signal

import pytest
import simpy

from sim.core.errors import Interrupted
from sim.core.interrupts import deferred, handled


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_becomes_interrupted_with_the_shell_status(signum, status):
    with handled(), pytest.raises(Interrupted) as exc:
        os.kill(os.getpid(), signum)
    assert (exc.value.status, exc.value.line()) == (status, "interrupted")
    exc.value.kept = "3 of 4 runs kept in out"
    assert exc.value.line() == "interrupted; 3 of 4 runs kept in out"


def test_a_deferred_block_finishes_before_the_interrupt():
    finished = []
    with handled(), pytest.raises(Interrupted), deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # many bytecode boundaries: the handler must only note the signal
            pass
        finished.append(True)
    assert finished == [True]


def test_the_handlers_come_back_after_the_block():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with handled():
        assert signal.getsignal(signal.SIGINT) is not before[0]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_interrupt_inside_a_simpy_process_comes_out_with_its_signal():
    env = simpy.Environment()

    def interrupted(env):
        yield env.timeout(1)
        raise Interrupted(signal.SIGTERM)  # as the handler does when the signal lands inside a process

    env.process(interrupted(env))
    with pytest.raises(Interrupted) as exc:
        env.run()
    assert exc.value.status == 143
