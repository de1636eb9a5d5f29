"""The front doors load only what they use: matplotlib only when a plot is drawn."""

from __future__ import annotations

import subprocess
import sys


def python(code: str, cwd) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_api_world_and_cli_does_not_load_matplotlib(tmp_path):
    code = "import sim.api, sim.engine.world, sim.cli; import sys; print('matplotlib' in sys.modules)"
    assert python(code, tmp_path).strip() == "False"


def test_list_and_show_load_neither_numpy_networkx_nor_matplotlib(tmp_path):
    code = (
        "import sys; from sim.cli import main\n"
        "assert main(['list']) == 0 and main(['show', 'rocket']) == 0\n"
        "print('loaded:', sorted({'numpy', 'networkx', 'matplotlib'} & set(sys.modules)))"
    )
    assert python(code, tmp_path).splitlines()[-1] == "loaded: []"
