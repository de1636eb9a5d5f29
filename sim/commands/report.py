"""``perpsim report RUN``: one self-contained HTML page of a run, to open in a browser."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "report"
HELP = "write RUN/report.html: prices, a zoomable timeline with each record's cause chain, waves, topology"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a results folder written by 'perpsim run'")
    p.add_argument("--out", type=Path, help="output path (default RUN/report.html)")


def run(args: argparse.Namespace) -> int:
    from sim.analysis.runfolder import open_run
    from sim.report.page import write_report

    folder = open_run(args.run)
    print(write_report(folder, args.out or folder.path / "report.html"))
    return 0
