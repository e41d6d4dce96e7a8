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
