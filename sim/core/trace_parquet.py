"""``events.parquet``: the trace as typed columns, for pandas, polars and pyarrow.

The same columns as ``events.csv`` (``sim.core.trace.COLUMNS``, in that order), typed as the
trace table holds them: ids, causes and sides as int64, times and amounts as float64, text
as UTF-8 strings. Missing values keep the table's sentinels, not nulls: ``cause`` is -1 for an
exogenous record, ``side`` 0 when a record has none, ``price``/``qty``/``notional`` NaN.
Columns are driven by ``COLUMNS`` and the table's dtypes, so new columns need no change here.
pyarrow is imported on use (it comes with the ``data`` extra).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from sim.core.errors import TraceFormatError
from sim.core.trace import COLUMNS, TraceTable, as_table

PARQUET_NAME = "events.parquet"
_COMPRESSION = "zstd"  # smaller than snappy at about the same write time (benchmarks/bench_trace_formats.py)


def available() -> bool:
    """Whether pyarrow is installed (the ``data`` extra), so that events.parquet can be written and read."""
    return importlib.util.find_spec("pyarrow") is not None


def write_parquet(table: TraceTable, path: Path) -> None:
    """Write the trace as one Parquet file, a column per trace column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [_arrow_column(pa, getattr(table, c)) for c in COLUMNS]
    pq.write_table(
        pa.Table.from_arrays(arrays, names=list(COLUMNS)), path, compression=_COMPRESSION, write_statistics=False
    )


def _arrow_column(pa, values: np.ndarray):
    """A numpy column as an Arrow array: numbers as they are, object columns as strings."""
    return pa.array(values.tolist(), pa.string()) if values.dtype == object else pa.array(values)


def read_parquet(path: Path) -> TraceTable:
    """Load ``events.parquet`` into a TraceTable; TraceFormatError names the file and the problem."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise TraceFormatError(f"{path}: no such file")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise TraceFormatError(f"{path}: not a Parquet file ({exc})") from None
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise TraceFormatError(f"{path}: missing columns {', '.join(missing)}")
    columns = {}
    for c in COLUMNS:
        column = table.column(c)
        columns[c] = column.to_pylist() if pa.types.is_string(column.type) else column.to_numpy()
    ids = np.asarray(columns["id"])
    if not np.array_equal(ids, np.arange(len(ids))):
        raise TraceFormatError(f"{path}: ids are not 0, 1, 2, ... in order")
    try:
        return as_table(columns)
    except (TypeError, ValueError) as exc:
        raise TraceFormatError(f"{path}: a column has the wrong type ({exc})") from None
