"""Shared pieces of the hardening tests: data, model-directory edits, command-line runners, hypothesis profiles and
the tally of fuzzed outcomes that conftest.py prints at the end of a run.

Everything here reaches twoclass through its public faces only (twoclass.sklearn, twoclass.models, twoclass.io,
twoclass.inference, twoclass.data and the `twoclass` command), as a user would.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings

# ------------------------------------------------------------------------------------------------ hypothesis

_QUIET_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
]
# "ci": few examples, the same ones every run (derandomize), no example database: CI can never flake on a new draw.
settings.register_profile(
    "ci",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_QUIET_CHECKS,
    print_blob=True,
)
# "fuzz" (make fuzz): many more examples, fresh ones each run, failures remembered in .hypothesis/.
settings.register_profile(
    "fuzz", max_examples=200, deadline=None, derandomize=False, suppress_health_check=_QUIET_CHECKS, print_blob=True
)
PROFILE = os.environ.get("TWOCLASS_FUZZ_PROFILE", "ci")
FUZZ_FACTOR = int(os.environ.get("TWOCLASS_FUZZ_FACTOR", "20"))


def examples(n_ci: int) -> settings:
    """Settings for one @given test: n_ci examples under the "ci" profile, FUZZ_FACTOR times more under "fuzz".

    Applied per test (not with load_profile) so that other tests' hypothesis settings are left as they are.
    """
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=n_ci if PROFILE == "ci" else n_ci * FUZZ_FACTOR)


# ------------------------------------------------------------------------------------------------ tally

TALLY: collections.Counter = collections.Counter()  # (target, outcome) -> count; printed by conftest.py


class NotNamed(AssertionError):
    """An error of the documented type whose message does not name the argument."""


def attempt(
    target: str,
    call: Callable[[], Any],
    names: Iterable[str] = (),
    accept: tuple[type[BaseException], ...] = (ValueError, TypeError),
) -> Any:
    """Run one fuzzed case: it works (the result is returned) or raises an accepted error whose message names one
    of ``names``; the outcome is counted. Any other exception is counted as a defect and re-raised."""
    names = list(names)
    try:
        result = call()
    except accept as error:
        message = str(error)
        TALLY[(target, type(error).__name__ if type(error) in accept else accept_name(error, accept))] += 1
        if names and not any(n in message for n in names):
            TALLY[(target, "defect: error not naming the argument")] += 1
            raise NotNamed(f"{type(error).__name__} names none of {names}: {message}") from error
        if "Traceback" in message or len(message) > 3000:
            TALLY[(target, "defect: unreadable message")] += 1
            raise AssertionError(f"unreadable message: {message[:500]}") from error
        return error
    except BaseException as error:
        TALLY[(target, f"defect: {type(error).__name__}")] += 1
        raise
    TALLY[(target, "worked")] += 1
    return result


def accept_name(error: BaseException, accept: tuple[type[BaseException], ...]) -> str:
    for kind in accept:
        if isinstance(error, kind):
            return kind.__name__
    return type(error).__name__


def count(target: str, outcome: str) -> None:
    TALLY[(target, outcome)] += 1


# ------------------------------------------------------------------------------------------------ data


def make_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Two numeric features that carry the signal, a categorical one, labels 'yes'/'no'."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(x1 + x2 + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "label": label})


def small_classifier(**overrides: Any):
    """A quick TwoClassClassifier: one small network, a few epochs, a fixed seed."""
    from twoclass import TwoClassClassifier

    params: dict[str, Any] = {"hidden_layer_sizes": (4,), "epochs": 5, "n_networks": 1, "random_state": 0}
    params.update(overrides)
    return TwoClassClassifier(**params)


def small_network(n_inputs: int = 2, seed: int = 0):
    """A compiled Keras-style 2-layer network with fixed weights (no fit needed)."""
    from twoclass.layers import Dense
    from twoclass.models import Sequential

    model = Sequential([Dense(8, input_shape=(n_inputs,), activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


# ------------------------------------------------------------------------------------------------ model files

JSON_FILE = "twoclass.json"
WEIGHTS_FILE = "weights.safetensors"
# Where a model directory keeps its SHA-256 over the weights and the JSON content (see twoclass.io). Removing it
# makes a file as an older twoclass wrote it: it loads with a notice, and its values are still range-checked.
INTEGRITY_KEYS = ("integrity",)


def copy_model(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def read_meta(model_dir: Path) -> dict[str, Any]:
    return json.loads((Path(model_dir) / JSON_FILE).read_text(encoding="utf-8"))


def write_meta(model_dir: Path, meta: dict[str, Any], *, keep_integrity: bool = False) -> None:
    """Write an edited twoclass.json (allow_nan so a test can store NaN as some tool would)."""
    meta = dict(meta)
    if not keep_integrity:
        for key in INTEGRITY_KEYS:
            meta.pop(key, None)
    (Path(model_dir) / JSON_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def edit_meta(model_dir: Path, path: tuple, value: Any = ..., *, keep_integrity: bool = False) -> None:
    """Set (or, with value=..., delete) the entry at ``path`` (keys and list indexes) of twoclass.json."""
    meta = read_meta(model_dir)
    node = meta
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    write_meta(model_dir, meta, keep_integrity=keep_integrity)


def leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a leaf (or an empty container) of a JSON value."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in leaf_paths(v, prefix + (k,))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in leaf_paths(v, prefix + (i,))]
    return [prefix]


def flip_bit(file: Path, bit: int) -> None:
    data = bytearray(file.read_bytes())
    data[bit // 8] ^= 1 << (bit % 8)
    file.write_bytes(bytes(data))


def names_model(message: str, model_dir: Path) -> bool:
    """Does an error message point at the model directory or one of its files?"""
    return (
        str(model_dir) in message or Path(model_dir).name in message or JSON_FILE in message or WEIGHTS_FILE in message
    )


# ------------------------------------------------------------------------------------------------ command line


def cli(*args: Any, input: str | None = None):
    """Run `twoclass ARGS` in this process (typer's CliRunner); the result has exit_code, stdout, stderr."""
    from typer.testing import CliRunner

    from twoclass.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def assert_one_line_error(result, *fragments: str, code: int = 2) -> str:
    """Exit code 2, stderr is exactly one line 'Error: ...' holding each fragment, no traceback anywhere."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def assert_no_raw_python(text: str) -> None:
    """No traceback, no `file.py:97: UserWarning` line, no bare exception class names in user-facing output."""
    assert "Traceback" not in text, text
    assert not re.search(r"\.py:\d+: \w*Warning", text), text
    assert "KeyboardInterrupt" not in text, text
    assert "Exception ignored" not in text, text


TWOCLASS_SCRIPT = Path(sys.executable).parent / "twoclass"
# First in every prelude: Ctrl-C raises KeyboardInterrupt as it does under a user's terminal. A runner that started
# the suite in the background (`cmd &` in a script) hands SIGINT down as ignored, and a Python started so never
# raises it: the tests of Ctrl-C would test the runner. (Not a preexec_fn: that forks a process running JAX's threads.)
INTERRUPTIBLE = "import signal as _signal\n_signal.signal(_signal.SIGINT, _signal.default_int_handler)\n"


def run_cli(
    *args: Any, prelude: str = "", timeout: float = 300, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the `twoclass` command in a new process. With a prelude (Python run first, e.g. to inject a fault),
    it runs `python -c` with the prelude and then the command's entry point."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not prelude:
        command = [str(TWOCLASS_SCRIPT), *map(str, args)]
    else:
        code = INTERRUPTIBLE + prelude + entry_point([str(a) for a in args])
        command = [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env, check=False)


def entry_point(argv: list[str]) -> str:
    """Python source that runs the `twoclass` command with these arguments (after a prelude)."""
    return f"\nimport sys\nsys.argv = ['twoclass', *{argv!r}]\nfrom twoclass.cli import main\nmain()\n"


def files_of(directory: Path) -> dict[str, bytes]:
    """name -> bytes of every file under a directory (to compare before and after)."""
    directory = Path(directory)
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def quick_train_options(hidden: int = 4, quiet: bool = True) -> tuple[str, ...]:
    """`twoclass train`'s options for a fit that takes a second: 2 epochs, one small network, no progress output."""
    return ("--epochs", "2", "--hidden", str(hidden), "--networks", "1") + (("--quiet",) if quiet else ())


def train_command(data: Any, out: Any, *extra: Any, hidden: int = 4) -> list:
    """`twoclass train DATA --target label --out OUT` with `quick_train_options` and ``extra``."""
    return ["train", data, "--target", "label", "--out", out, *quick_train_options(hidden=hidden), *extra]


def train_ok(data: Any, out: Any, *extra: Any, hidden: int = 4) -> str:
    """Run `train_command` in this process: it must succeed with no raw Python in its output, which it returns."""
    result = cli(*train_command(data, out, *extra, hidden=hidden))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    assert_no_raw_python(output)
    return output
