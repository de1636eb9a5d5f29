"""The event trace: ids, arrays, and the events.csv round trip with its format errors."""

import csv
import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core.errors import TraceFormatError
from sim.core.trace import COLUMNS, NO_CAUSE, NO_ID, Kind, Trace, read_events, write_csv

OLD_HEADER = "id,t,kind,node,cause,account,side,price,qty,notional,info"  # before pid, ref, bankruptcy, premium
HEADER = OLD_HEADER + ",pid,ref,bankruptcy,premium"


def sample_trace() -> Trace:
    tr = Trace()
    r0 = tr.record(0.0, Kind.OPEN, "spot", price=10.0)
    r1 = tr.record(0.1 + 0.2, Kind.ORDER, "spot", r0, "whale", 1, notional=20_000.0, info='slice 1, "first"', ref=0)
    r2 = tr.record(1e-300, Kind.TRADE, "spot", r1, "whale", 1, 10.000000000000002, 1999.9999999999998, 20_000.0)
    tr.record(1e300, Kind.LIQUIDATION, "perp", r2, "shorts", -1, 5e-324, -0.0, math.inf, "σ wave 1\nline two", pid=7)
    tr.record(2.5, Kind.FUNDING_RATE, "perp", price=math.nan, info="", premium=-0.0)
    return tr


def assert_tables_equal(a, b):
    for column in COLUMNS:
        x, y = getattr(a, column), getattr(b, column)
        assert x.dtype == y.dtype, column
        np.testing.assert_array_equal(x, y, err_msg=column)
    # equal as numbers is not enough for -0.0 and the tiniest floats: compare the bits
    for column in ("t", "price", "qty", "notional", "bankruptcy", "premium"):
        assert getattr(a, column).tobytes() == getattr(b, column).tobytes(), column


# ----------------------------------------------------------------------------- recording


def test_record_returns_consecutive_ids_from_zero():
    tr = Trace()
    assert [tr.record(float(i), Kind.NOISE, "retail") for i in range(4)] == [0, 1, 2, 3]
    assert len(tr) == 4


def test_table_gives_typed_arrays_with_defaults():
    tr = Trace()
    tr.record(0.5, Kind.OPEN, "spot")
    tr.record(1.25, Kind.LIQUIDATION, "spot", 0, "whale", -1, 10.5, 2.0, 21.0, "x", pid=3, bankruptcy=9.5)
    table = tr.table()

    assert len(table) == 2
    np.testing.assert_array_equal(table.id, [0, 1])
    assert table.id.dtype == np.int64
    np.testing.assert_array_equal(table.t, [0.5, 1.25])
    assert table.t.dtype == np.float64
    assert table.kind.tolist() == ["open", "liquidation"]
    assert table.node.tolist() == ["spot", "spot"]
    np.testing.assert_array_equal(table.cause, [NO_CAUSE, 0])
    assert table.cause.dtype == np.int64
    assert table.account.tolist() == ["", "whale"]
    np.testing.assert_array_equal(table.side, [0, -1])
    assert math.isnan(table.price[0]) and table.price[1] == 10.5
    assert math.isnan(table.qty[0]) and table.qty[1] == 2.0
    assert math.isnan(table.notional[0]) and table.notional[1] == 21.0
    assert table.info.tolist() == ["", "x"]
    np.testing.assert_array_equal(table.pid, [NO_ID, 3])
    np.testing.assert_array_equal(table.ref, [NO_ID, NO_ID])
    assert table.pid.dtype == table.ref.dtype == np.int64
    assert math.isnan(table.bankruptcy[0]) and table.bankruptcy[1] == 9.5
    assert math.isnan(table.premium[0]) and math.isnan(table.premium[1])


def test_empty_trace_gives_empty_arrays():
    table = Trace().table()
    assert len(table) == 0
    assert table.id.dtype == np.int64 and table.t.dtype == np.float64


def test_where_masks_by_kind_and_node():
    table = sample_trace().table()
    assert table.where(kind="order").tolist() == [False, True, False, False, False]
    assert table.where(node="spot").tolist() == [True, True, True, False, False]
    assert table.where(kind="trade", node="spot").tolist() == [False, False, True, False, False]
    assert table.where().all()


def test_a_kind_is_written_as_its_text_and_read_back_equal_to_its_member(tmp_path):
    tr = Trace()
    tr.record(0.0, Kind.FUNDING_RATE, "perp")
    write_csv(tr.table(), tmp_path / "events.csv")
    assert (tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[2] == "funding_rate"
    back = read_events(tmp_path / "events.csv")
    assert back.kind[0] == Kind.FUNDING_RATE and back.where(Kind.FUNDING_RATE).tolist() == [True]
    assert back.where(Kind.FUNDING).tolist() == [False]


# ----------------------------------------------------------------------------- events.csv


def test_csv_round_trip_is_exact(tmp_path):
    table = sample_trace().table()
    write_csv(table, tmp_path / "events.csv")
    assert_tables_equal(read_events(tmp_path / "events.csv"), table)


def test_csv_writes_missing_values_as_empty_fields(tmp_path):
    tr = Trace()
    tr.record(0.0, Kind.OPEN, "spot", price=10.0)
    tr.record(0.25, Kind.TRADE, "spot", 0, "whale", 1, 10.5, 2.0, 21.0, "ok")
    tr.record(0.5, Kind.LIQUIDATION, "perp", 1, "shorts", -1, 11.0, 1.0, 11.0, pid=0, bankruptcy=12.25)
    tr.record(0.75, Kind.ORDER, "spot", 1, "crowd:1", info="cancel", ref=4)
    tr.record(1.0, Kind.FUNDING_RATE, "perp", 2, price=1e-4, premium=-2e-5)
    write_csv(tr.table(), tmp_path / "events.csv")
    assert (tmp_path / "events.csv").read_text(encoding="utf-8").splitlines() == [
        HEADER,
        "0,0.0,open,spot,,,,10.0,,,,,,,",
        "1,0.25,trade,spot,0,whale,1,10.5,2.0,21.0,ok,,,,",
        "2,0.5,liquidation,perp,1,shorts,-1,11.0,1.0,11.0,,0,,12.25,",
        "3,0.75,order,spot,1,crowd:1,,,,,cancel,,4,,",
        "4,1.0,funding_rate,perp,2,,,0.0001,,,,,,,-2e-05",
    ]


def test_csv_reads_empty_fields_back_as_nan_no_cause_and_side_zero(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(f"{HEADER}\n0,1.5,index,index,,,,,,,,,,,\n", encoding="utf-8")
    table = read_events(path)
    assert table.cause.tolist() == [NO_CAUSE]
    assert table.side.tolist() == [0]
    assert math.isnan(table.price[0]) and math.isnan(table.qty[0]) and math.isnan(table.notional[0])
    assert table.account.tolist() == [""] and table.info.tolist() == [""]
    assert table.pid.tolist() == table.ref.tolist() == [NO_ID]
    assert math.isnan(table.bankruptcy[0]) and math.isnan(table.premium[0])


def test_csv_header_only_reads_as_an_empty_table(tmp_path):
    write_csv(Trace().table(), tmp_path / "events.csv")
    assert (tmp_path / "events.csv").read_text() == HEADER + "\n"
    assert len(read_events(tmp_path / "events.csv")) == 0


_TEXT = st.text(alphabet=st.sampled_from('ab ,"\r\né'), max_size=6)


@given(st.lists(st.tuples(_TEXT, _TEXT, st.floats(allow_infinity=False), st.integers(-1, 10**12)), max_size=8))
def test_csv_fields_are_written_and_quoted_as_csv_writer_writes_them(records):
    tr = Trace()
    for i, (text, info, x, cause) in enumerate(records):
        tr.record(float(i), text or "k", text, cause, text, 1 if i % 2 else 0, x, -x, x, info, pid=cause, premium=x)
    table = tr.table()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        write_csv(table, path)
        written = path.read_bytes()
    expected = io.StringIO(newline="")
    out = csv.writer(expected, lineterminator="\n")
    out.writerow(COLUMNS)
    for i, (text, info, x, cause) in enumerate(records):
        nan = x != x
        row = (i, repr(float(i)), text or "k", text, "" if cause < 0 else cause, text, 1 if i % 2 else "")
        amounts = ("" if nan else repr(x), "" if nan else repr(-x), "" if nan else repr(x))
        out.writerow((*row, *amounts, info, "" if cause < 0 else cause, "", "", "" if nan else repr(x)))
    assert written == expected.getvalue().encode("utf-8")


def test_csv_bytes_are_identical_for_identical_traces(tmp_path):
    write_csv(sample_trace().table(), tmp_path / "a.csv")
    write_csv(sample_trace().table(), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_read_events_accepts_a_str_path(tmp_path):
    write_csv(sample_trace().table(), tmp_path / "events.csv")
    assert len(read_events(str(tmp_path / "events.csv"))) == 5


# ----------------------------------------------------------------------------- format errors


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path):
    path = tmp_path / "events.csv"
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: no such file"


def test_a_folder_is_not_a_trace(tmp_path):
    with pytest.raises(TraceFormatError) as exc:
        read_events(tmp_path)
    assert str(exc.value) == f"{tmp_path}: no such file"


def test_empty_file(tmp_path):
    path = write(tmp_path / "events.csv", "")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 1: expected columns {HEADER}"


def test_wrong_header(tmp_path):
    path = write(tmp_path / "events.csv", HEADER.replace(",t,", ",time,") + "\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 1: expected columns {HEADER}"


def test_short_row(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,0.0,open,spot,,,,10.0,,,,,,,\n1,0.5,trade,spot,0\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 3: expected 15 fields, got 5"


def test_non_numeric_time(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,soon,open,spot,,,,10.0,,,,,,,\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 2: column t: cannot read 'soon'"


def test_non_integer_cause(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,0.0,open,spot,,,,10.0,,,,,,,\n1,0.5,trade,spot,0.5,,,,,,,,,,\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 3: column cause: cannot read '0.5'"


def test_ids_out_of_order_name_the_file(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,0.0,open,spot,,,,,,,,,,,\n2,0.5,open,spot,,,,,,,,,,,\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value).startswith(f"{path}: ")


def test_ids_out_of_order_name_the_line(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,0.0,open,spot,,,,,,,,,,,\n2,0.5,open,spot,,,,,,,,,,,\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value).startswith(f"{path}: line 3: ")
    assert "2" in str(exc.value).removeprefix(f"{path}: line 3: ")


def test_an_events_csv_from_before_the_typed_columns_is_refused_in_one_line(tmp_path):
    path = write(tmp_path / "events.csv", f"{OLD_HEADER}\n0,0.0,liquidation,perp,,,,,,,pid=3 bankruptcy=9.5\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == (
        f"{path}: written before the trace had its pid, ref, bankruptcy and premium columns; run it again"
    )


def test_a_non_integer_pid_is_refused(tmp_path):
    path = write(tmp_path / "events.csv", f"{HEADER}\n0,0.0,liquidation,perp,,,,,,,,3.5,,,\n")
    with pytest.raises(TraceFormatError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: line 2: column pid: cannot read '3.5'"


def test_trace_format_error_is_a_value_error():
    assert issubclass(TraceFormatError, ValueError)
