"""Multi-cause attribution: the records that fed an aggregate record, each with its share.

``cause`` names one parent per record. A record that aggregates others (an index or oracle
publication) also has rows here, one per record that fed it, with that record's share of what
it contributed (the rule is in sim/market/attribution.py); its ``cause`` is the contributor with the
largest share. A record without rows has its ``cause`` as its only contributor, share 1. The
rows are written beside ``events.csv`` as ``contributors.csv`` (``record,contributor,share``),
in record order, and read back with the trace.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CONTRIBUTOR_COLUMNS = ("record", "contributor", "share")


@dataclass(frozen=True)
class Contributors:
    """The contributors table as numpy arrays: row k says record ``record[k]`` was fed by
    ``contributor[k]`` with ``share[k]``; rows are grouped by record, in record order."""

    record: np.ndarray
    contributor: np.ndarray
    share: np.ndarray

    @classmethod
    def empty(cls) -> Contributors:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))

    def __len__(self) -> int:
        return len(self.record)

    def of(self, cause: np.ndarray) -> dict[int, list[tuple[int, float]]]:
        """Per record, its (contributor, share) pairs: its rows, else its cause with share 1
        (nothing for an exogenous record). ``cause`` is the trace's cause column."""
        out: dict[int, list[tuple[int, float]]] = {
            rid: [(int(c), 1.0)] for rid, c in enumerate(cause.tolist()) if c >= 0
        }
        for rid in dict.fromkeys(self.record.tolist()):
            out[rid] = []
        for rid, c, s in zip(self.record.tolist(), self.contributor.tolist(), self.share.tolist(), strict=True):
            out[rid].append((c, s))
        return out


class ContributorLog:
    """The contributors of a run in progress, appended as aggregate records are written."""

    __slots__ = ("record", "contributor", "share")

    def __init__(self) -> None:
        self.record, self.contributor, self.share = array("q"), array("q"), array("d")

    def add(self, record: int, shares: list[tuple[int, float]]) -> None:
        """Record ``record``'s (contributor, share) pairs."""
        for contributor, share in shares:
            self.record.append(record)
            self.contributor.append(contributor)
            self.share.append(share)

    def table(self) -> Contributors:
        return Contributors(np.array(self.record), np.array(self.contributor), np.array(self.share))


def write_contributors(table: Contributors, path: Path) -> None:
    """Write ``contributors.csv``: one row per (record, contributor), shares in round-trip form."""
    rows = zip(table.record.tolist(), table.contributor.tolist(), table.share.tolist(), strict=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(CONTRIBUTOR_COLUMNS) + "\n")
        fh.writelines(f"{r},{c},{s!r}\n" for r, c, s in rows)


def read_contributors(path: Path, records: int) -> Contributors:
    """Load ``contributors.csv`` (an empty table if the run has none: older runs); a malformed
    file is a TraceFormatError naming the file, line and problem. ``records``: the trace's length."""
    from sim.core.errors import TraceFormatError  # here: sim.core.trace imports this module

    path = Path(path)
    if not path.is_file():
        return Contributors.empty()
    cols: tuple[list, list, list] = ([], [], [])
    with open(path, encoding="utf-8") as fh:
        if fh.readline().rstrip("\r\n") != ",".join(CONTRIBUTOR_COLUMNS):
            raise TraceFormatError(f"{path}: line 1: expected columns {','.join(CONTRIBUTOR_COLUMNS)}")
        for line_no, line in enumerate(fh, start=2):
            fields = line.rstrip("\r\n").split(",")
            try:
                record, contributor, share = int(fields[0]), int(fields[1]), float(fields[2])
            except (ValueError, IndexError):
                raise TraceFormatError(f"{path}: line {line_no}: expected record,contributor,share") from None
            if not (0 <= contributor < record < records and 0 < share <= 1):
                raise TraceFormatError(
                    f"{path}: line {line_no}: contributor {contributor} of record {record} with share {share!r} "
                    f"is not an earlier record of the trace's {records} with a share in (0, 1]"
                )
            for col, value in zip(cols, (record, contributor, share), strict=True):
                col.append(value)
    return Contributors(np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), np.array(cols[2]))
