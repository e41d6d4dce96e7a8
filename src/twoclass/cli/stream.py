"""When `twoclass train` and `twoclass predict` stream their data file instead of loading it, and the streamed train.

The rule: a table larger than `DEFAULT_ABOVE` (1 GB) is streamed. Its size is what it takes in memory's terms: a
CSV's bytes on disk, a Parquet file's uncompressed bytes from its footers (a 300 MB Parquet file can hold 2 GB of
values). pandas needs several times a CSV's size to parse it, and training copies the features again, so 1 GB of
CSV is already about 4-8 GB of a process, a good share of a laptop's memory, while streaming costs little: its rows/s
are within a small factor of an in-memory fit's (BENCHMARKS.md, streaming section).

`--stream WHEN` (or the `TWOCLASS_STREAM` environment variable; the option wins) says otherwise: `auto`, `always`,
`never`, or a size (`200MB`, `1.5GB`, `0`) meaning auto with that threshold.

Only `typer` and the standard library are imported here at start; the data wings load when a command runs.

Example:
    >>> choice = stream_choice(Path("big.csv"), "500MB")  # doctest: +SKIP
    >>> choice.on, choice.reason  # doctest: +SKIP
    (True, "the table is 1.2 GB on disk (CSV), above --stream 500MB")
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from twoclass.cli.edge import fail

ENV = "TWOCLASS_STREAM"
DEFAULT_ABOVE = 1_000_000_000  # 1 GB
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([kmgt]i?b|b)?\s*$", re.IGNORECASE)
STREAM_HELP = (
    "Stream the data file in chunks instead of loading it: auto (when the table is over 1 GB: a CSV's size, a "
    "Parquet file's uncompressed size), always, never, or a size such as 200MB (auto with that threshold). "
    f"Default: ${ENV}, else auto."
)
Stream = Annotated[str | None, typer.Option("--stream", metavar="WHEN", help=STREAM_HELP)]


class Choice(NamedTuple):
    """Whether to stream, and why (said on the terminal)."""

    on: bool
    reason: str


def _size_text(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} bytes"


def parse_when(text: str, source: str) -> tuple[str, int | None]:
    """('always' | 'never' | 'auto', threshold in bytes or None), or a one-line exit naming `source`.

    Example:
        >>> parse_when("200MB", "--stream")
        ('auto', 200000000)
    """
    word = text.strip().lower()
    if word in ("always", "yes", "on", "true"):
        return "always", None
    if word in ("never", "no", "off", "false"):
        return "never", None
    if word == "auto":
        return "auto", DEFAULT_ABOVE
    found = _SIZE.match(word)
    if not found:
        fail(f"{source} must be auto, always, never or a size such as 200MB or 1.5GB. Got {text!r} instead.")
    return "auto", int(float(found.group(1)) * _UNITS[(found.group(2) or "").lower()])


def stream_choice(data: Path, given: str | None) -> Choice:
    """Stream `data` or not: --stream (`given`), else $TWOCLASS_STREAM, else auto above 1 GB."""
    source = "--stream" if given is not None else ENV
    text = given if given is not None else os.environ.get(ENV, "auto")
    mode, above = parse_when(text, source)
    if mode == "never":
        return Choice(False, f"{source} {text}")
    if mode == "always":
        return Choice(True, f"{source} {text}")
    if not data.exists():  # the reader says what is wrong with the path
        return Choice(False, "")
    from twoclass.data.stream import table_bytes

    try:
        size = table_bytes(data)
    except (OSError, ValueError):  # not a CSV or Parquet name: the reader refuses it in its own words
        return Choice(False, "")
    parquet = data.is_dir() or data.name.lower().endswith((".parquet", ".pq"))
    what = "uncompressed (Parquet)" if parquet else "on disk (CSV)"
    threshold = "the 1 GB default" if text.strip().lower() == "auto" else f"{source} {text}"
    if size > above:
        return Choice(True, f"the table is {_size_text(size)} {what}, above {threshold}")
    return Choice(False, f"the table is {_size_text(size)} {what}, not above {threshold}")


def train_streamed(
    data: Path,
    choice: Choice,
    *,
    target: str,
    positive: str | None,
    kinds: dict[str, list[str]],
    quiet: bool,
    read_options: dict[str, Any],
    estimator_params: dict[str, Any],
) -> Any:
    """`twoclass train` on a streamed file: the user's column kinds checked on the first rows, then
    `train_estimator_stream`; returns the fitted TwoClassClassifier."""
    from twoclass.cli.args import check_target, column_types
    from twoclass.data.stream import frame_chunks
    from twoclass.streaming.estimator import train_estimator_stream

    head = next(iter(frame_chunks(data, 1_000, **read_options)), None)
    if head is None:
        fail(f"The file '{data}' has a header but no data rows. Add rows or check the path.")
    check_target(head, target, data)
    given = column_types(head, target, **kinds)
    typer.echo(f"Streaming '{data}' in chunks ({choice.reason}): predicting {target!r}.")
    params = {**estimator_params, "column_types": given, "positive": positive, "verbose": 0 if quiet else 1}
    model = train_estimator_stream(data, target=target, params=params, read_options=read_options)
    encoding = model.label_encoding_
    typer.echo(f"Positive class {encoding.positive!r}, negative class {encoding.negative!r}.")
    if quiet:  # without --quiet the estimator printed them before training
        for notice in model.preprocessor_.notices_:
            typer.echo(notice, err=True)
    return model
