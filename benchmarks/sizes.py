"""What the size benchmarks (bench_scale, bench_trace_formats) share: each size runs its module's
``child(n)`` in a fresh interpreter, so that its peak memory and imports are its own."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable


def in_fresh_interpreter(module: str, n: int) -> dict[str, float]:
    """``python -m module --child n``: the figures its last printed line gives, as JSON."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--child", str(n)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def command_line(doc: str, sizes: tuple[int, ...], child: Callable[[int], dict], main: Callable) -> None:
    """``--child N``: run one size here and print its figures as JSON; else ``main(--sizes)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--child", type=int, help="run one size here and print its figures as JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(sizes))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
    else:
        main(tuple(args.sizes))
