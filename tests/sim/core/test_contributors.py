"""sim/core/contributors.py: the contributors table is written and read back exactly, and bad files are named."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.contributors import ContributorLog, read_contributors, write_contributors
from sim.core.errors import TraceFormatError


def test_the_table_round_trips_and_every_other_record_has_its_cause():
    log = ContributorLog()
    log.add(3, [(1, 0.1), (2, 0.9)])
    log.add(5, [(4, 1.0)])
    table = log.table()
    cause = np.array([-1, 0, 0, 2, 3, 4, 5])
    assert table.of(cause) == {
        1: [(0, 1.0)],
        2: [(0, 1.0)],
        3: [(1, 0.1), (2, 0.9)],
        4: [(3, 1.0)],
        5: [(4, 1.0)],
        6: [(5, 1.0)],
    }


def test_contributors_csv_round_trips_byte_for_byte(tmp_path):
    log = ContributorLog()
    log.add(7, [(1, 1 / 3), (4, 2 / 3)])
    path = tmp_path / "contributors.csv"
    write_contributors(log.table(), path)
    assert path.read_text() == f"record,contributor,share\n7,1,{1 / 3!r}\n7,4,{2 / 3!r}\n"
    back = read_contributors(path, records=8)
    assert (back.record.tolist(), back.contributor.tolist(), back.share.tolist()) == ([7, 7], [1, 4], [1 / 3, 2 / 3])
    write_contributors(back, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()


def test_a_run_without_contributors_csv_has_none(tmp_path):
    assert len(read_contributors(tmp_path / "contributors.csv", records=3)) == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("record,cause,share\n", "line 1: expected columns record,contributor,share"),
        ("record,contributor,share\n3,1\n", "line 2: expected record,contributor,share"),
        ("record,contributor,share\n3,x,0.5\n", "line 2: expected record,contributor,share"),
        ("record,contributor,share\n3,4,0.5\n", "line 2: contributor 4 of record 3 with share 0.5 is not an earlier"),
        ("record,contributor,share\n9,1,0.5\n", "line 2: contributor 1 of record 9"),
        ("record,contributor,share\n3,1,1.5\n", "line 2: contributor 1 of record 3 with share 1.5"),
    ],
)
def test_a_malformed_file_names_the_line_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "contributors.csv"
    path.write_text(text)
    with pytest.raises(TraceFormatError, match=f"^{path}: {problem}"):
        read_contributors(path, records=9)
