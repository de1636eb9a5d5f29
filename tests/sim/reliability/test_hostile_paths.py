"""Hostile input, continued: paths the operating system refuses, a held sweep folder, work beyond
the bounds, configs edited in Python, and --force. Each case is one exact line, exit status 2,
no traceback, checked before any simulation, and nothing written.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim.core.config
import sim.core.trace
from sim import api
from sim.cli import main
from sim.core.errors import ConfigError
from sim.core.locks import locked
from sim.engine.world import World
from sim.study.limits import MAX_RUNS, check_memory
from sim.study.store import read_rows
from tests.sim.study.sweep_world import write_tiny


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "run"
    assert main(["run", "rocket", "--set", "experiment.duration=30s", "--out", str(out), "--no-plots"]) == 0
    return out


@pytest.fixture(scope="module")
def good_sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    out = folder / "s"
    assert main(["sweep", str(write_tiny(folder)), "--grid", "link.hedge.latency=0ms,100ms", "--out", str(out)]) == 0
    return out


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a world is run."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("a simulation ran before the bad path was reported")

    monkeypatch.setattr(World, "run", refuse)


def error_line(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return err


def test_plots_into_a_folder_name_it(good_run, good_sweep, tmp_path, capsys):
    folder = tmp_path / "dir"
    folder.mkdir()
    line = f"perpsim: error: --out: {folder} is a folder; give a file name such as {folder / 'plot.png'}\n"
    for args in (
        ["plot", "timeline", str(good_run)],
        ["plot", "topology", str(good_run)],
        ["plot", "topology", str(good_run), "--animate"],
        ["compare", str(good_run), str(good_run)],
        ["plot", "sweep", str(good_sweep)],
        ["topology", "rocket"],
    ):
        assert main([*args, "--out", str(folder)]) == 2, args
        assert error_line(capsys) == line
    assert list(folder.iterdir()) == []


def test_a_results_folder_under_a_file(tmp_path, capsys, no_simulation):
    (tmp_path / "a_file").write_text("x\n")
    assert main(["run", "rocket", "--out", str(tmp_path / "a_file" / "sub")]) == 2
    a_file = tmp_path / "a_file"
    line = f"perpsim: error: --out: cannot create {a_file / 'sub'}: {a_file} is a file, not a folder\n"
    assert error_line(capsys) == line


@pytest.fixture
def read_only(tmp_path):
    """A folder no file can be created in: chmod for a user, the immutable attribute for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode:
            pytest.skip("root, and no immutable attribute on this file system")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


@pytest.mark.parametrize(
    "command",
    [
        ["run", "rocket", "--out", "{ro}/sub/run"],
        ["sweep", "rocket", "--out", "{ro}/sweep"],
        [
            "critical",
            "rocket",
            "--param",
            "link.hedge.latency",
            "--metric",
            "liquidations",
            "--threshold",
            "5",
            "--range",
            "0ms:1s",
            "--out",
            "{ro}/crit",
        ],
        ["topology", "rocket", "--out", "{ro}/t.png"],
    ],  # fmt: skip
    ids=["run", "sweep", "critical", "topology"],
)
def test_an_output_under_a_read_only_folder_is_refused_before_running(read_only, command, capsys, no_simulation):
    assert main([a.format(ro=read_only) for a in command]) == 2
    err = error_line(capsys)
    assert err.startswith(f"perpsim: error: --out: cannot write in {read_only}: ")
    assert err.endswith(("Permission denied\n", "Operation not permitted\n"))
    assert list(read_only.iterdir()) == []


def unreadable(path: Path, module, monkeypatch) -> None:
    """Make ``path`` unreadable for ``module``'s ``open`` (as root, chmod does not stop reading)."""
    real = open

    def refusing(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(module, "open", refusing, raising=False)


def test_an_unreadable_experiment_file(tmp_path, monkeypatch, capsys):
    exp = write_tiny(tmp_path)
    unreadable(exp, sim.core.config, monkeypatch)
    assert main(["run", str(exp), "--out", str(tmp_path / "out")]) == 2
    assert error_line(capsys) == f"perpsim: error: {exp}: Permission denied\n"
    assert not (tmp_path / "out").exists()


def test_an_unreadable_trace(good_run, tmp_path, monkeypatch, capsys):
    run = tmp_path / "csv-only"
    shutil.copytree(good_run, run)
    (run / "events.parquet").unlink(missing_ok=True)  # read events.csv, not the Parquet file
    good_run = run
    unreadable(good_run / "events.csv", sim.core.trace, monkeypatch)
    assert main(["plot", "timeline", str(good_run)]) == 2
    assert error_line(capsys) == f"perpsim: error: {good_run / 'events.csv'}: Permission denied\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_disk_is_named(good_run, capsys):
    assert main(["plot", "timeline", str(good_run), "--out", "/dev/full"]) == 2
    assert error_line(capsys) == "perpsim: error: /dev/full: disk full\n"


def test_an_unreachable_cluster_is_named_before_anything_is_written(tmp_path, capsys):
    exp = write_tiny(tmp_path)
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,1s", "--dask", "tcp://127.0.0.1:1",
                 "--out", str(tmp_path / "s")]) == 2  # fmt: skip
    assert error_line(capsys) == (
        "perpsim: error: --dask: cannot reach the Dask scheduler at tcp://127.0.0.1:1: Connection refused\n"
    )
    assert not (tmp_path / "s").exists()


def test_animating_a_run_with_no_records(good_run, tmp_path, capsys):
    out = tmp_path / "empty"
    shutil.copytree(good_run, out)
    events = out / "events.csv"
    events.write_text(events.read_text().splitlines()[0] + "\n")
    (out / "events.parquet").unlink(missing_ok=True)  # the emptied events.csv is the trace
    (out / "contributors.csv").unlink(missing_ok=True)  # its records are gone too
    assert main(["plot", "topology", str(out), "--animate"]) == 2
    assert error_line(capsys) == f"perpsim: error: {out}: no records to animate (the run's trace is empty)\n"


def test_a_sweep_folder_being_written_is_refused_naming_the_holder(good_sweep, tmp_path, capsys, no_simulation):
    exp = write_tiny(tmp_path)
    with locked(good_sweep):
        code = main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,100ms", "--seeds", "2", "--out",
                     str(good_sweep)])  # fmt: skip
    assert code == 2
    err = error_line(capsys)
    assert err.startswith(f"perpsim: error: --out: {good_sweep} is being written by pid {os.getpid()} on ")
    assert err.endswith("; wait for it or use another --out\n")


def test_two_sweeps_at_once_keep_every_run_once(tmp_path):
    exp = write_tiny(tmp_path)
    args = ["perpsim", "sweep", str(exp), "--grid", "link.hedge.latency=0ms:1s:100ms", "--seeds", "3", "--out", "s"]
    perpsim = str(Path(sys.executable).parent / "perpsim")
    procs = [subprocess.Popen([perpsim, *args[1:]], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]  # fmt: skip
    try:
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    codes = sorted(p.returncode for p in procs)
    rows = read_rows(tmp_path / "s" / "sweep.csv")[1]
    keys = [(r["point"], r["replicate"]) for r in rows]
    assert len(keys) == len(set(keys))
    if codes == [0, 2]:  # the usual case: the second is refused while the first writes
        refused = next(err for (_, err), p in zip(results, procs, strict=True) if p.returncode == 2)
        assert " is being written by pid " in refused and "Traceback" not in refused
    else:  # the first finished before the second started: it found every run done
        assert codes == [0, 0]
    assert len(keys) == 33


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--jobs", "0"], "--jobs: must be between 1 and 1024, got 0"),
        (
            ["--seeds", "100000000"],
            f"--seeds: 2 points × 100,000,000 seeds = 200,000,000 runs, more than the {MAX_RUNS:,} allowed",
        ),
        (["--seeds", "0"], "--seeds: must be >= 1, got 0"),
        (["--dask", "nowhere"], "--dask: expected 'local' or a scheduler address like tcp://host:8786, got 'nowhere'"),
    ],  # fmt: skip
    ids=["jobs-0", "seeds-huge", "seeds-0", "dask-not-an-address"],
)
def test_sweep_arguments_are_checked_before_anything_is_written(tmp_path, capsys, args, line):
    exp = write_tiny(tmp_path)
    assert main(["sweep", str(exp), "--grid", "link.hedge.latency=0ms,1s", "--out", str(tmp_path / "s"), *args]) == 2
    assert error_line(capsys) == f"perpsim: error: {line}\n"
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--threshold", "nan", "--range", "0ms:1s"], "--threshold: must be a finite number, got nan"),
        (["--threshold", "5", "--range", "2s:0s"], "--range: needs LO < HI, got '2s:0s'"),
        (
            ["--threshold", "5", "--range", "0ms:1s", "--tol", "1e-30s"],
            "--tol: too fine: 100 halvings, more than 52",
        ),
        (
            ["--threshold", "5", "--range", "0ms:1s", "--seeds", "50000"],
            f"--seeds: 141 points × 50,000 seeds = 7,050,000 runs, more than the {MAX_RUNS:,} allowed",
        ),
    ],  # fmt: skip
    ids=["threshold-nan", "range-upside-down", "tol-too-fine", "seeds-too-many"],
)
def test_critical_arguments_are_checked_before_any_run(tmp_path, capsys, args, line, no_simulation):
    exp = write_tiny(tmp_path)
    code = main(["critical", str(exp), "--param", "link.hedge.latency", "--metric", "liquidations",
                 "--out", str(tmp_path / "c"), *args])  # fmt: skip
    assert code == 2
    assert error_line(capsys) == f"perpsim: error: {line}\n"
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: setattr(c.market_maker["mm"], "hedge_ratio", -3),
            "market_maker.mm.hedge_ratio: must be in [0, 2], got -3.0",
        ),
        (
            lambda c: setattr(c.market_maker["mm"], "hedge_ratio", "half"),
            "market_maker.mm.hedge_ratio: expected a number, got 'half'",
        ),
    ],
    ids=["hedge-ratio-negative", "hedge-ratio-in-words"],
)
def test_a_config_edited_in_python_is_validated_like_a_file(edit, message, no_simulation):
    config = api.load("rocket")
    edit(config)
    with pytest.raises(ConfigError) as exc:
        api.run(config)
    assert str(exc.value) == message


def test_an_igniter_after_the_end_is_a_warning_from_the_api_and_the_command(capsys, tmp_path):
    config = api.load("rocket", overrides=["experiment.duration=20s"])
    config.igniter["whale"].start = 500.0
    with pytest.warns(UserWarning, match=r"^igniter.whale.start: 500 s is not before the run's end \(20 s\); it never"):
        assert api.run(config).summary["liquidations"] == 0
    args = ["run", "rocket", "--set", "experiment.duration=20s", "--set", "igniter.whale.start=10min", "--no-plots"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    assert error_line(capsys) == (
        "perpsim: warning: igniter.whale.start: 600 s is not before the run's end (20 s); it never fires\n"
    )


def test_positions_beyond_the_memory_are_refused_naming_the_key(monkeypatch, capsys, tmp_path, no_simulation):
    config = api.load("rocket", overrides=["perp.perp.populations.shorts.count=2000000"])
    with pytest.raises(ConfigError) as exc:
        check_memory(config, available=1e9)
    assert str(exc.value) == (
        "perp.perp.populations.shorts.count: 2,000,000 positions need about 3.2 GB, more than the 1.0 GB "
        "this process may use"
    )
    check_memory(config, available=4e9)  # fits
    monkeypatch.setattr("sim.study.limits.memory_available", lambda: 2e9)
    big = "perp.perp.populations.shorts.count=2000000"
    assert main(["run", "rocket", "--set", big, "--out", str(tmp_path / "o")]) == 2
    assert error_line(capsys).startswith("perpsim: error: perp.perp.populations.shorts.count: 2,000,000 positions")


def test_force_replaces_only_what_a_run_writes(tmp_path):
    out = tmp_path / "out"
    args = ["run", "rocket", "--set", "experiment.duration=20s", "--out", str(out), "--no-plots"]
    assert main(args) == 0
    (out / "topology.png").write_bytes(b"drawn by the user")
    (out / "notes").mkdir()
    assert main([*args, "--force", "--seed", "8"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["config.toml", "contributors.csv", "events.csv", "events.parquet",
                                                    "notes", "summary.json", "topology.png"]  # fmt: skip
    assert (out / "topology.png").read_bytes() == b"drawn by the user"
    assert "seed = 8" in (out / "config.toml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_temporary_folders_of_dead_runs_are_removed(tmp_path):
    dead = tmp_path / ".out.999999999.abc.tmp"  # above any pid_max
    alive = tmp_path / f".out.{os.getpid()}.abc.tmp"
    other = tmp_path / ".other.999999999.abc.tmp"
    for folder in (dead, alive, other):
        folder.mkdir()
    out = tmp_path / "out"
    assert main(["run", "rocket", "--set", "experiment.duration=20s", "--out", str(out), "--no-plots"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, "out"])


def test_an_empty_world_is_one_line(tmp_path, capsys):
    (tmp_path / "empty.toml").write_text('[experiment]\nname = "empty"\n')
    assert main(["run", str(tmp_path / "empty.toml"), "--out", str(tmp_path / "out")]) == 2
    assert error_line(capsys) == (
        "perpsim: error: an empty world: give at least one node (a [spot.ID] or [perp.ID] venue, ...)\n"
    )


def test_running_out_of_memory_is_one_line(tmp_path, capsys, monkeypatch):
    def exhausted(self, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(World, "run", exhausted)
    assert main(["run", "rocket", "--out", str(tmp_path / "out")]) == 1
    assert error_line(capsys) == (
        "perpsim: error: out of memory (make the experiment smaller: fewer positions, a shorter run)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("frames", ["0", "1201"])
def test_gif_frames_are_bounded(good_run, capsys, frames):
    assert main(["plot", "topology", str(good_run), "--animate", "--frames", frames]) == 2
    assert error_line(capsys) == f"perpsim: error: --frames: must be between 1 and 1200, got {frames}\n"
