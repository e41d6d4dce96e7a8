"""The command line's shared pieces: the one-line error exit, and the parsing and checking of train's options.

Kept apart from `cli.py` so the commands there stay thin; everything here fails through `fail`, never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer


def fail(message: str) -> None:
    """One clear line on stderr and a non-zero exit, never a traceback."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


@contextlib.contextmanager
def library_errors() -> Iterator[None]:
    """The command boundary: the library's one-line errors become `Error: ...` and exit code 2."""
    try:
        yield
    except (FileNotFoundError, ValueError, KeyError, TypeError) as error:
        fail(one_line(error))


def one_line(error: BaseException) -> str:
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def note(message: str) -> None:
    typer.echo(message, err=True)


def hidden_sizes(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) >= 1 for p in parts):
        fail(f"--hidden must be comma-separated layer sizes >= 1, for example 64,32. Got {text!r} instead.")
    return tuple(int(p) for p in parts)


def threshold_objective(text: str) -> Any:
    """'f1', 'youden', 'recall>=0.9', 'precision>=0.8', 'none' (0.5 without choosing) or a number in (0, 1)."""
    if text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        return text  # the estimator checks the objective and names what it accepts
    if not 0.0 < value < 1.0:
        fail(f"--threshold given as a number must be in (0, 1). Got {text!r} instead.")
    return value


def column_types(
    frame, target: str, *, text: list[str], categorical: list[str], numeric: list[str], drop: list[str]
) -> dict[str, str] | None:
    """The user's overrides, checked against the file now (before any training) through the library."""
    from twoclass.data import infer_column_types

    infer_column_types(frame.head(0), target=target, text=text, categorical=categorical, numeric=numeric, drop=drop)
    given = {
        **{c: "text" for c in text},
        **{c: "categorical" for c in categorical},
        **{c: "numeric" for c in numeric},
        **{c: "drop" for c in drop},
    }
    return given or None


def check_target(frame, target: str, path: Path) -> None:
    if target not in frame.columns:
        listed = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
        fail(f"The target column {target!r} is not in '{path}'. The columns are: {listed}.")


def check_out_dir(out: Path) -> None:
    from twoclass.saving.model_dir import JSON_FILE

    if out.exists() and not (out.is_dir() and ((out / JSON_FILE).is_file() or not any(out.iterdir()))):
        what = "a file" if not out.is_dir() else "a non-empty directory that is not a twoclass model"
        fail(f"--out '{out}' is {what}. Choose a new path or remove it.")
