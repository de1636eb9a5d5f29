"""events.parquet: typed columns, the same table as events.csv, deterministic bytes, clear errors."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.core.errors import TraceFormatError
from sim.core.trace import COLUMNS, Kind, Trace, read_events, write_csv
from sim.core.trace_parquet import read_parquet, write_parquet


def small_table():
    tr = Trace()
    tr.record(0.0, Kind.IGNITE, "whale", account="whale", side=1, notional=1000.0)
    tr.record(0.02, Kind.ORDER, "spot", 0, 'a,"b"', 1, math.nan, 5.0, 50.0, "info, with comma")
    tr.record(0.5, Kind.TRADE, "spöt", 1, "", -1, 10.25, 2.5, -0.0, "ünïcode")
    return tr.table()


def assert_same(a, b) -> None:
    for c in COLUMNS:
        x, y = getattr(a, c), getattr(b, c)
        assert x.dtype == y.dtype, c
        if x.dtype == float:
            assert np.array_equal(x, y, equal_nan=True), c
            assert np.array_equal(np.signbit(x), np.signbit(y)), c  # -0.0 stays -0.0
        else:
            assert x.tolist() == y.tolist(), c


def test_parquet_round_trips_to_the_same_table_as_events_csv(tmp_path):
    table = small_table()
    write_parquet(table, tmp_path / "events.parquet")
    write_csv(table, tmp_path / "events.csv")
    back = read_parquet(tmp_path / "events.parquet")
    assert_same(back, table)
    assert_same(back, read_events(tmp_path / "events.csv"))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """small_table() as events.parquet."""
    path = tmp_path_factory.mktemp("parquet") / "events.parquet"
    write_parquet(small_table(), path)
    return path


def test_columns_are_typed_with_the_tables_sentinels(written):
    schema = {f.name: str(f.type) for f in pq.read_schema(written)}
    assert list(schema) == list(COLUMNS)
    assert schema["id"] == schema["cause"] == schema["side"] == "int64"
    assert schema["t"] == schema["price"] == "double"
    assert schema["kind"] == schema["info"] == "string"
    got = pq.read_table(written).to_pydict()
    assert got["cause"] == [-1, 0, 1] and got["side"] == [1, 1, -1]
    assert math.isnan(got["price"][0]) and got["price"][2] == 10.25


def test_the_same_table_gives_the_same_bytes(tmp_path):
    write_parquet(small_table(), tmp_path / "a.parquet")
    write_parquet(small_table(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_a_file_that_is_not_parquet_is_named(tmp_path):
    (tmp_path / "events.parquet").write_text("id,t\n0,0.0\n")
    with pytest.raises(TraceFormatError, match=r"events\.parquet: not a Parquet file"):
        read_parquet(tmp_path / "events.parquet")
    with pytest.raises(TraceFormatError, match="no such file"):
        read_parquet(tmp_path / "missing.parquet")


def test_missing_columns_and_ids_out_of_order_are_named(tmp_path, written):
    pq.write_table(pa.table({"id": [0], "t": [0.0]}), tmp_path / "short.parquet")
    with pytest.raises(TraceFormatError, match="missing columns kind, node, cause"):
        read_parquet(tmp_path / "short.parquet")
    full = pq.read_table(written).to_pydict()
    full["id"] = [0, 2, 1]
    pq.write_table(pa.table(full), tmp_path / "shuffled.parquet")
    with pytest.raises(TraceFormatError, match="ids are not 0, 1, 2"):
        read_parquet(tmp_path / "shuffled.parquet")
