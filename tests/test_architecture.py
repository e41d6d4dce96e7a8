"""The package's shape: import-linter's contracts (pyproject.toml) hold, and they do catch an upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")


def _lint(root: Path, source: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(source)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def test_import_contracts_are_kept():
    assert LINT_IMPORTS, "import-linter is part of the dev extra"
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize(
    ("module", "upward_import"),
    [
        ("engine/forward.py", "from twoclass.keras import layers as _upward  # noqa"),
        ("data/columns.py", "import jax as _jax  # noqa"),
        ("saving/model_dir.py", "from twoclass.estimator import state as _upward  # noqa"),
    ],
)
def test_an_upward_import_breaks_a_contract(tmp_path, module, upward_import):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "twoclass", copy / "twoclass", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = copy / "twoclass" / module
    target.write_text(target.read_text() + "\n" + upward_import + "\n")
    result = _lint(tmp_path, copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_the_command_line_starts_light():
    """`twoclass --help` and every command's parsing import no JAX, pandas, scikit-learn or FastAPI: the wings below
    load when a command runs (a package __init__ that imports its app eagerly would break this)."""
    script = (
        "import sys\n"
        "import twoclass.cli\n"
        "heavy = [m for m in ('jax', 'pandas', 'sklearn', 'fastapi', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_every_command_is_registered():
    from typer.testing import CliRunner

    from twoclass.cli import app

    result = CliRunner().invoke(app, ["--help"])
    for command in ("train", "evaluate", "predict", "inspect", "demo", "sweep", "serve", "playground", "export"):
        assert command in result.stdout
