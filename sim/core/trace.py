"""The event trace: one record per thing that happened, each naming the record that caused it.

Records are appended to columnar buffers while a run is in progress: numbers in typed
``array.array`` columns (8 bytes a float, not a 32-byte Python float and its pointer), text
in lists of shared strings. ``Trace.table()`` turns them into numpy arrays and ``write_csv``
writes ``events.csv`` in blocks of rows. ``read_events`` loads a run's ``events.csv`` back
into the same table, so analysis and plots work from a run folder alone.

The columns (``COLUMNS``, in events.csv's order), each with one value for "none", written as
an empty field:

- ``id``: the record's row number, from 0;
- ``t``: simulated seconds;
- ``kind``: a ``Kind`` (the one list of record kinds, in causal order);
- ``node``: the node that wrote it;
- ``cause``: the id of the record that led to it (none: ``NO_CAUSE``, -1: exogenous);
- ``account``: the account it concerns (none: "");
- ``side``: 1 buy or long, -1 sell or short (none: 0);
- ``price``, ``qty``, ``notional``: what the kind says they are (none: NaN);
- ``info``: free text (none: "");
- ``pid``: a ``liquidation``'s position id on its venue (none: ``NO_ID``, -1);
- ``ref``: a limit order's or cancel's reference, as its sender numbers them (none: ``NO_ID``, -1);
- ``bankruptcy``: a ``liquidation``'s bankruptcy price (none: NaN);
- ``premium``: a ``funding_rate``'s average premium over its interval (none: NaN).

pid, ref, bankruptcy and premium were packed into ``info`` before; ``read_events`` refuses an
events.csv written then (its header ends at ``info``), as ``read_parquet`` does such an
events.parquet (naming the missing columns): run it again.
"""

from __future__ import annotations

import csv
import io
import math
import re
from array import array
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from sim.core.contributors import ContributorLog, Contributors
from sim.core.errors import TraceFormatError


class Kind(StrEnum):
    """The kinds of trace record, in causal order (timeline rows and legends follow it). A member
    equals its text, so the ``kind`` column compares with it whether recorded or read back."""

    OPEN = "open"  # a spot book opens: price = its mid (no cause)
    OPTION = "option"  # the project grants the option market maker its loan and call (no cause)
    SUPPLY = "supply"  # a lender supplies an asset to a lending pool (cause: the request)
    DEPOSIT = "deposit"  # a borrower posts collateral to a lending pool (cause: the request)
    IGNITE = "ignite"  # a slice of the igniter's order (no cause: what starts a cascade)
    NOISE = "noise"  # a noise trader's order (no cause)
    QUOTE = "quote"  # a market maker or liquidity provider replaces its quotes (cause: the price it heard)
    DEPTH = "depth"  # a spot book's depth sample: notional within ±depth_range of mid (no cause)
    HEDGE = "hedge"  # a market maker hedges a perp fill on spot (cause: the fill)
    BASIS = "basis"  # a basis trader opens or closes its perp against spot (cause: the perp data heard)
    HOLDER = "holder"  # a holder's step: deposit, borrow, post margin, short... (info says which)
    FORWARD = "forward"  # a forward borrower's step (info says which)
    QUOTING_BORROWER = "quoting_borrower"  # a quoting borrower's request to its pool (info: the action)
    ORDER = "order"  # an order arrives at a venue (cause: what sent it)
    TRADE = "trade"  # a taker's fills on a book, aggregated (cause: the order or the liquidation)
    FILL = "fill"  # a maker's share of a trade (cause: the trade)
    ORACLE = "oracle"  # a push oracle publishes (cause: the largest contributor; contributors.csv)
    INDEX = "index"  # an index publication (cause: the largest contributor; contributors.csv)
    MARK = "mark"  # a perp venue's mark price moves (cause: the index publication)
    FUNDING_RATE = "funding_rate"  # a perp's funding rate for an interval (cause: the mark at the time)
    FUNDING = "funding"  # one account's funding payment, > 0 received (cause: the funding_rate)
    MARGIN = "margin"  # an account posts or withdraws perp margin (cause: the request)
    BORROW = "borrow"  # a borrower borrows from a lending pool (cause: the request)
    REPAY = "repay"  # a borrower repays a lending pool (cause: the request)
    WITHDRAW = "withdraw"  # a lender withdraws from a lending pool (cause: the request)
    RELEASE = "release"  # a borrower takes back collateral from a lending pool (cause: the request)
    LIQUIDATION = "liquidation"  # a perp position crossed by the mark is queued for liquidation (cause: the mark)
    ADL = "adl"  # a counterparty position closed by auto-deleveraging (cause: the liquidation)
    INSURANCE = "insurance"  # the insurance fund's change: a closed position's fee or shortfall, or its unwinds' PnL
    BAD_DEBT = "bad_debt"  # a loss no margin or fund covers (cause: the liquidation)
    LIQUIDATE = "liquidate"  # a lending liquidator repays a borrower's debt (cause: the pool's call)
    LENDING_LIQUIDATION = "lending_liquidation"  # a lending pool seizes collateral (cause: the liquidate)
    REFUSED = "refused"  # a request a pool or liquidator refused (info: what and why)
    EXERCISE = "exercise"  # the option market maker exercises or returns the loan at expiry (no cause)
    TAKEOVER = "takeover"  # the insurance fund takes over the rest of a position (cause: the liquidation)
    BACKSTOP = "backstop"  # the liquidator vault takes over the rest of a position (cause: the liquidation)
    VAULT = "vault"  # the liquidator vault's change: a backstopped position's margin, or its unwinds' PnL
    UNWIND = "unwind"  # the fund or vault sends an order closing what it took (cause: the takeover)
    BUY = "buy"  # a lending liquidator buys back the tokens it repaid (cause: the pool's result)
    SELL = "sell"  # a lending liquidator sells the collateral it seized (cause: the pool's result)


COLUMNS = (
    "id", "t", "kind", "node", "cause", "account", "side", "price", "qty", "notional", "info",
    "pid", "ref", "bankruptcy", "premium",
)  # fmt: skip
_TYPED_SINCE = COLUMNS.index("pid")  # an events.csv whose header stops here is from before the typed columns
NO_CAUSE = -1
NO_ID = -1  # pid and ref: none
ID_COLUMNS = ("pid", "ref")
_NAN = math.nan
_TYPECODES = {  # the rest: lists
    "t": "d", "cause": "q", "side": "b", "price": "d", "qty": "d", "notional": "d",
    "pid": "q", "ref": "q", "bankruptcy": "d", "premium": "d",
}  # fmt: skip
_CSV_BLOCK = 65_536  # rows converted to Python objects at a time when writing events.csv
_CSV_SPECIAL = re.compile(r'[,"\r\n]')  # fields that csv.writer may quote (it decides)


class Trace:
    """Append-only columnar buffer of trace records; ids are row numbers from 0. Aggregate
    records add their contributors to ``contributors`` (sim/core/contributors.py)."""

    __slots__ = (*COLUMNS[1:], "contributors")

    def __init__(self) -> None:
        for column in COLUMNS[1:]:
            setattr(self, column, array(_TYPECODES[column]) if column in _TYPECODES else [])
        self.contributors = ContributorLog()

    def __len__(self) -> int:
        return len(self.t)

    def record(
        self,
        t: float,
        kind: Kind,
        node: str,
        cause: int = NO_CAUSE,
        account: str = "",
        side: int = 0,
        price: float = _NAN,
        qty: float = _NAN,
        notional: float = _NAN,
        info: str = "",
        *,
        pid: int = NO_ID,
        ref: int = NO_ID,
        bankruptcy: float = _NAN,
        premium: float = _NAN,
    ) -> int:
        """Append one record and return its id."""
        rid = len(self.t)
        self.t.append(t)
        self.kind.append(kind)
        self.node.append(node)
        self.cause.append(cause)
        self.account.append(account)
        self.side.append(side)
        self.price.append(price)
        self.qty.append(qty)
        self.notional.append(notional)
        self.info.append(info)
        self.pid.append(pid)
        self.ref.append(ref)
        self.bankruptcy.append(bankruptcy)
        self.premium.append(premium)
        return rid

    def table(self) -> TraceTable:
        """The records as numpy arrays (copies, not views holding the buffers: recording may go on)."""
        columns = {c: np.array(getattr(self, c)) if c in _TYPECODES else getattr(self, c) for c in COLUMNS[1:]}
        table = as_table({"id": np.arange(len(self.t)), **columns})
        table.contributors = self.contributors.table()
        return table


@dataclass
class TraceTable:
    """A trace as numpy arrays, one per column (the module docstring says what each holds).
    ``contributors``: the aggregate records' contributors (contributors.csv)."""

    id: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    node: np.ndarray
    cause: np.ndarray
    account: np.ndarray
    side: np.ndarray
    price: np.ndarray
    qty: np.ndarray
    notional: np.ndarray
    info: np.ndarray
    pid: np.ndarray
    ref: np.ndarray
    bankruptcy: np.ndarray
    premium: np.ndarray
    contributors: Contributors = field(default_factory=Contributors.empty)

    def __len__(self) -> int:
        return len(self.id)

    def where(self, kind: Kind | None = None, node: str | None = None) -> np.ndarray:
        """Boolean mask of records with the given kind and/or node."""
        mask = np.ones(len(self), dtype=bool)
        if kind is not None:
            mask &= self.kind == kind
        if node is not None:
            mask &= self.node == node
        return mask

    def to_dataframe(self):  # pragma: no cover - optional dependency
        """The trace as a pandas DataFrame (requires pandas)."""
        import pandas as pd

        return pd.DataFrame({c: getattr(self, c) for c in COLUMNS})


_DTYPES = {
    "id": np.int64,
    "t": float,
    "kind": object,
    "node": object,
    "cause": np.int64,
    "account": object,
    "side": np.int64,
    "price": float,
    "qty": float,
    "notional": float,
    "info": object,
    "pid": np.int64,
    "ref": np.int64,
    "bankruptcy": float,
    "premium": float,
}


def as_table(columns: dict) -> TraceTable:
    """A TraceTable from one sequence per column."""
    return TraceTable(**{c: np.asarray(columns[c], dtype=_DTYPES[c]) for c in COLUMNS})


def write_csv(table: TraceTable, path: Path) -> None:
    """Write ``events.csv``: floats in shortest round-trip form, empty for missing values.

    The fields are formatted a column at a time, a block of rows at a time (so writing a long
    trace needs little memory beyond the table itself), and quoted as ``csv.writer`` quotes them.
    """
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(COLUMNS) + "\n")
        for start in range(0, len(table), _CSV_BLOCK):
            fields = _csv_columns(table, slice(start, start + _CSV_BLOCK))
            fh.writelines(",".join(row) + "\n" for row in zip(*fields, strict=True))


def _csv_columns(table: TraceTable, rows: slice) -> list[list[str]]:
    """The events.csv fields of ``table[rows]``, column by column (NaN, no cause and no id: empty)."""
    return [
        [str(i) for i in table.id[rows].tolist()],
        [repr(t) for t in table.t[rows].tolist()],
        _csv_text(table.kind[rows].tolist()),
        _csv_text(table.node[rows].tolist()),
        _csv_ids(table.cause[rows]),
        _csv_text(table.account[rows].tolist()),
        [str(s) if s else "" for s in table.side[rows].tolist()],
        *(_csv_floats(getattr(table, c)[rows]) for c in ("price", "qty", "notional")),
        _csv_text(table.info[rows].tolist()),
        *(_csv_ids(getattr(table, c)[rows]) for c in ID_COLUMNS),
        *(_csv_floats(getattr(table, c)[rows]) for c in ("bankruptcy", "premium")),
    ]


def _csv_floats(values: np.ndarray) -> list[str]:
    """Floats in shortest round-trip form, NaN empty."""
    return ["" if x != x else repr(x) for x in values.tolist()]


def _csv_ids(values: np.ndarray) -> list[str]:
    """Ids (a cause, a pid, a ref), negative (none) empty."""
    return ["" if i < 0 else str(i) for i in values.tolist()]


def _csv_text(values: list[str]) -> list[str]:
    """Text fields as ``csv.writer`` writes them (it quotes few: those holding a comma, quote or line end)."""
    return [_csv_quoted(v) if _CSV_SPECIAL.search(v) else v for v in values]


def _csv_quoted(value: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow((value, ""))
    return out.getvalue()[:-2]  # without the empty second field's comma and the line end


def _float_or_nan(text: str) -> float:
    return float(text) if text else _NAN


def _id_or_none(text: str) -> int:
    return int(text) if text else NO_ID


_PARSERS = (  # (column, field index, parser) for every column of events.csv
    ("id", 0, int),
    ("t", 1, float),
    ("kind", 2, str),
    ("node", 3, str),
    ("cause", 4, lambda x: int(x) if x else NO_CAUSE),
    ("account", 5, str),
    ("side", 6, lambda x: int(x) if x else 0),
    ("price", 7, _float_or_nan),
    ("qty", 8, _float_or_nan),
    ("notional", 9, _float_or_nan),
    ("info", 10, str),
    ("pid", 11, _id_or_none),
    ("ref", 12, _id_or_none),
    ("bankruptcy", 13, _float_or_nan),
    ("premium", 14, _float_or_nan),
)


def read_events(path: Path) -> TraceTable:
    """Load ``events.csv`` into a TraceTable; TraceFormatError names the file, line and problem."""
    path = Path(path)
    if not path.is_file():
        raise TraceFormatError(f"{path}: no such file")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is not None and tuple(header) == COLUMNS[:_TYPED_SINCE]:
            raise TraceFormatError(
                f"{path}: written before the trace had its pid, ref, bankruptcy and premium columns; run it again"
            )
        if header is None or tuple(header[: len(COLUMNS)]) != COLUMNS:
            raise TraceFormatError(f"{path}: line 1: expected columns {','.join(COLUMNS)}")
        cols: dict[str, list] = {c: [] for c in COLUMNS}
        for record, row in enumerate(reader):
            where = f"{path}: line {reader.line_num}"
            if len(row) < len(COLUMNS):
                raise TraceFormatError(f"{where}: expected {len(COLUMNS)} fields, got {len(row)}")
            for column, i, parse in _PARSERS:
                try:
                    cols[column].append(parse(row[i]))
                except ValueError:
                    raise TraceFormatError(f"{where}: column {column}: cannot read {row[i]!r}") from None
            if cols["id"][-1] != record:
                raise TraceFormatError(f"{where}: id {cols['id'][-1]} out of order (expected {record})")
    return as_table(cols)
