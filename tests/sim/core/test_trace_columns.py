"""The trace's typed columns and events.csv written in blocks."""

from __future__ import annotations

import math

import pytest

from sim.core import trace
from sim.core.trace import Kind, Trace, read_events, write_csv


def long_trace(n: int) -> Trace:
    tr = Trace()
    for i in range(n):
        tr.record(
            i * 0.1, Kind.TRADE if i % 3 else Kind.ORDER, "spot", i - 1, 'a,"b"', (i % 3) - 1, 10.0 + i, math.nan, -0.0
        )
    return tr


def test_numbers_are_held_in_typed_columns_and_recording_goes_on_after_a_table():
    tr = long_trace(3)
    assert (tr.t.typecode, tr.cause.typecode, tr.side.typecode, tr.price.typecode) == ("d", "q", "b", "d")
    assert (tr.pid.typecode, tr.ref.typecode, tr.bankruptcy.typecode, tr.premium.typecode) == ("q", "q", "d", "d")
    first = tr.table()
    tr.record(9.0, Kind.INDEX, "index", price=11.0)  # the table copied the buffers: they can grow
    assert len(first) == 3 and len(tr.table()) == 4
    assert tr.table().price.tolist()[-1] == 11.0


def test_events_csv_is_the_same_written_in_blocks(tmp_path, monkeypatch):
    table = long_trace(1000).table()
    write_csv(table, tmp_path / "one.csv")
    monkeypatch.setattr(trace, "_CSV_BLOCK", 7)
    write_csv(table, tmp_path / "blocks.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "blocks.csv").read_bytes()
    back = read_events(tmp_path / "blocks.csv")
    assert back.qty.tolist()[:1] == pytest.approx([math.nan], nan_ok=True)
    assert back.info.tolist() == table.info.tolist() and back.account[0] == 'a,"b"'
