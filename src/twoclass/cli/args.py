"""The command line's shared pieces: the one-line error exit, and the parsing and checking of train's options.

Kept apart from the command modules (`train.py`, `evaluate.py`, ...) so that they stay thin; everything here
fails through `fail` (`edge.py`), never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from twoclass.cli.edge import check_model_out, fail, library_errors, one_line

__all__ = [
    "check_model_out",
    "check_target",
    "column_types",
    "fail",
    "hidden_sizes",
    "library_errors",
    "note",
    "one_line",
    "read_options",
    "threshold_objective",
]


def read_options(encoding: str | None, sep: str | None) -> dict[str, Any]:
    """--encoding and --sep as read_table's keyword arguments (only those given)."""
    options: dict[str, Any] = {}
    if encoding is not None:
        options["encoding"] = encoding
    if sep is not None:
        options["sep"] = {"\\t": "\t", "tab": "\t"}.get(sep, sep)
    return options


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
        hint = ""
        glued = [str(c) for c in frame.columns if target in str(c)]
        if glued:  # 'x1;x2;label' read as one column: the file has another separator
            seps = [s for s in (";", "\t", "|", ",") if s in glued[0]]
            hint = (
                f" The file seems to be separated by {seps[0]!r}: pass --sep {seps[0]!r}."
                if seps
                else " Check the separator (--sep)."
            )
        fail(f"The target column {target!r} is not in '{path}'. The columns are: {listed}.{hint}")
