"""``perpsim rerun RUN``: run a results folder's config.toml again; the trace must come out byte-identical."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

from sim.core.errors import ConfigError

NAME = "rerun"
HELP = "run a results folder's config.toml again and check that events.csv comes out byte-identical"
EXIT_DIFFERENT = 4


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a results folder written by 'perpsim run'")
    p.add_argument(
        "--check-every-event",
        action="store_true",
        help="check the state invariants after every event, not only at the end (slow; for debugging)",
    )


def run(args: argparse.Namespace) -> int:
    from sim.core.config import config_hash
    from sim.core.trace import write_csv
    from sim.engine.world import World
    from sim.study.experiments import load_experiment
    from sim.study.output import versions

    folder: Path = args.run
    recorded, summary = _recorded(folder)
    config = load_experiment(str(folder / "config.toml"))
    if summary.get("config_hash") != config_hash(config):
        raise ConfigError(
            "",
            f"{folder / 'config.toml'}: its hash {config_hash(config)} is not summary.json's "
            f"{summary.get('config_hash')} (edited since the run?)",
        )
    result = World(config).run(args.check_every_event)
    with tempfile.TemporaryDirectory() as tmp:
        write_csv(result.trace, Path(tmp) / "events.csv")
        fresh = (Path(tmp) / "events.csv").read_bytes()
    if fresh == recorded:
        digest = hashlib.sha256(fresh).hexdigest()[:16]
        print(f"{folder}: reproduced, events.csv identical ({len(result.trace)} records, sha256 {digest})")
        return 0
    now = versions()
    then = summary.get("versions", {})
    changed = [f"{k} {then.get(k, '?')} -> {v}" for k, v in now.items() if then.get(k) != v]
    note = f" (versions changed: {', '.join(changed)})" if changed else ""
    print(
        f"perpsim: error: {folder / 'events.csv'} differs from the rerun from line "
        f"{_first_difference(recorded, fresh)}{note}",
        file=sys.stderr,
    )
    return EXIT_DIFFERENT


def _recorded(folder: Path) -> tuple[bytes, dict]:
    """The folder's events.csv bytes and summary; ConfigError when it is not a run folder."""
    if not folder.is_dir():
        raise ConfigError("", f"{folder}: no such run folder")
    for name in ("config.toml", "events.csv", "summary.json"):
        if not (folder / name).is_file():
            raise ConfigError("", f"{folder / name}: missing (is {folder} a perpsim run folder?)")
    try:
        summary = json.loads((folder / "summary.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"{folder / 'summary.json'}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise ConfigError("", f"{folder / 'summary.json'}: expected a JSON object")
    return (folder / "events.csv").read_bytes(), summary


def _first_difference(a: bytes, b: bytes) -> int:
    """The 1-based number of the first line where ``a`` and ``b`` differ."""
    lines_a, lines_b = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=False)):
        if x != y:
            return i + 1
    return min(len(lines_a), len(lines_b)) + 1
