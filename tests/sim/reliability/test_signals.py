"""SIGINT and SIGTERM, to the main process or to its whole group (a terminal's Ctrl-C), during
``run``, ``sweep`` (serial, ``--jobs 2``, ``--dask local``) and ``critical``: one line, exit
status 130 or 143 within seconds, no traceback, no process left, whole rows only, and the same
command resumes.

Each command runs in a session of its own; the test waits for its first progress line, sends
the signal, and waits a bounded time. Whatever happens, the group is killed at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.study.store import read_rows
from tests.sim.reliability.test_interrupted import DRIVER
from tests.sim.study.sweep_world import write_tiny

PERPSIM = Path(sys.executable).parent / "perpsim"
WAIT_S = 60  # for a first progress line, on a loaded two-core machine
ENDS_WITHIN_S = 20  # from the signal to the exit; a few seconds when the machine is idle
KEPT = re.compile(r"^perpsim: interrupted; (\d+) of (\d+) runs kept in (.+); run the same command to resume$")


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for_line(proc: subprocess.Popen, stream: str, pattern: str) -> list[str]:
    """Read ``stream`` until a line matching ``pattern``; the lines read. Fails after WAIT_S."""
    pipe = getattr(proc, stream)
    lines: list[str] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([pipe], [], [], 0.5)
        if ready:
            line = pipe.readline()
            assert line, f"{stream} closed before a line matching {pattern!r}: {lines}"
            lines.append(line)
            if re.search(pattern, line):
                return lines
    pytest.fail(f"no line matching {pattern!r} within {WAIT_S} s: {lines}")


def group(pid: int) -> list[int]:
    """The live (not zombie) processes of the process group ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(") ", 1)[1].split()
        if int(fields[2]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def interrupt(proc: subprocess.Popen, signum: int, whole_group: bool) -> tuple[int, str, float]:
    """Send the signal; (exit status, the rest of stderr, seconds to exit)."""
    sent = time.monotonic()
    if whole_group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=ENDS_WITHIN_S + 10)
    return proc.returncode, err, time.monotonic() - sent


def assert_no_process_left(pid: int) -> None:
    deadline = time.monotonic() + 10  # a worker's resource tracker takes a moment to notice
    while group(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert group(pid) == []


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        stream.close()


def assert_whole_rows(table: Path, kept: int) -> None:
    """Every row complete, no run twice, as many as the message says."""
    header, rows = read_rows(table)
    assert len(rows) == kept
    assert all(None not in row and len(row) == len(header) for row in rows)
    assert len({(r["point"], r["replicate"]) for r in rows}) == len(rows)


SWEEPS = [
    ("serial-group-sigint", [], signal.SIGINT, True),
    ("jobs-main-sigint", ["--jobs", "2"], signal.SIGINT, False),
    ("jobs-group-sigint", ["--jobs", "2"], signal.SIGINT, True),
    ("jobs-main-sigterm", ["--jobs", "2"], signal.SIGTERM, False),
    ("jobs-group-sigterm", ["--jobs", "2"], signal.SIGTERM, True),
    ("dask-local-group-sigint", ["--dask", "local", "--jobs", "2"], signal.SIGINT, True),
]


@pytest.mark.parametrize(("extra", "signum", "whole_group"), [c[1:] for c in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_an_interrupted_sweep_says_what_it_kept_and_leaves_nothing_running(tmp_path, extra, signum, whole_group):
    exp = write_tiny(tmp_path)
    args = [str(PERPSIM), "sweep", str(exp), "--grid", "link.hedge.latency=0ms,100ms", "--seeds", "400", "--out", "s"]
    proc = start([*args, *extra], tmp_path)
    try:
        wait_for_line(proc, "stderr", r"^sweep tiny: 1/")
        code, err, took = interrupt(proc, signum, whole_group)
        assert code == 128 + signum
        assert took < ENDS_WITHIN_S
        assert "Traceback" not in err
        last = KEPT.match(err.strip().splitlines()[-1])
        assert last and last[2] == "800" and last[3] == "s"
        assert_no_process_left(proc.pid)
        assert_whole_rows(tmp_path / "s" / "sweep.csv", int(last[1]))
    finally:
        kill_group(proc)


def test_an_interrupted_serial_sweep_resumes_to_the_full_table(tmp_path):
    exp = write_tiny(tmp_path)
    args = [str(PERPSIM), "sweep", str(exp), "--grid", "link.hedge.latency=0ms,100ms", "--seeds", "40", "--out", "s"]
    proc = start(args, tmp_path)
    try:
        wait_for_line(proc, "stderr", r"^sweep tiny: 1/")
        code, err, _ = interrupt(proc, signal.SIGINT, False)
        kept = int(KEPT.match(err.strip().splitlines()[-1])[1])
        assert code == 130 and 1 <= kept < 80
    finally:
        kill_group(proc)
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0
    assert f"80 runs, {kept} already in s/sweep.csv; {80 - kept} to run" in done.stdout
    assert_whole_rows(tmp_path / "s" / "sweep.csv", 80)


def test_an_interrupted_critical_search_says_what_it_kept(tmp_path):
    exp = write_tiny(tmp_path)
    args = [str(PERPSIM), "critical", str(exp), "--param", "igniter.whale.notional", "--metric", "liquidations",
            "--threshold", "10", "--range", "50000:200000", "--seeds", "300", "--jobs", "2", "--out", "c"]  # fmt: skip
    proc = start(args, tmp_path)
    try:
        wait_for_line(proc, "stdout", r"^critical igniter.whale.notional: scan of ")
        time.sleep(1)  # into the first evaluation's runs
        code, err, took = interrupt(proc, signal.SIGTERM, True)
        assert (code, "Traceback" in err) == (143, False) and took < ENDS_WITHIN_S
        last = re.match(r"^perpsim: interrupted; (\d+) runs kept in c; run the same command to resume$", err.strip())
        assert last, err
        assert_no_process_left(proc.pid)
        assert_whole_rows(tmp_path / "c" / "sweep.csv", int(last[1]))
    finally:
        kill_group(proc)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_writes_nothing(tmp_path, signum):
    args = ["run", "rocket", "--set", "experiment.duration=8h", "--out", "out"]
    proc = start([sys.executable, "-c", DRIVER, "simulating", *args], tmp_path)
    try:
        wait_for_line(proc, "stdout", "^simulating$")
        time.sleep(0.5)
        code, err, took = interrupt(proc, signum, True)
        assert (code, err) == (128 + signum, "perpsim: interrupted; nothing written to out\n")
        assert took < ENDS_WITHIN_S
        assert list(tmp_path.iterdir()) == []
    finally:
        kill_group(proc)
