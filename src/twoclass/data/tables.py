"""Reading tables from disk: CSV (plain, gzipped, tab-separated) and Parquet, with one clear line per failure.

pandas' own errors (ParserError, EmptyDataError, ArrowInvalid) are caught and restated in terms of the user's file so
the command line can print them as they are.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import lzma
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from twoclass.core.validation import check_int

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")
_TSV_SUFFIXES = (".tsv", ".tsv.gz", ".tab")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_KNOWN = ".csv, .csv.gz, .tsv, .parquet"


def _format_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    if name.endswith(_TSV_SUFFIXES):
        return "tsv"
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    suffix = "".join(path.suffixes) or "(none)"
    raise ValueError(f"The file '{path}' has an unsupported suffix '{suffix}'. Expected one of {_KNOWN}.")


def _checked_path(path: str | os.PathLike) -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"The 'path' parameter of read_table must be a str or os.PathLike. Got {path!r} instead.")
    path = Path(path)
    kind = _format_of(path)
    if not path.exists():
        raise FileNotFoundError(f"The file '{path}' does not exist. Check the path.")
    if path.is_dir():
        raise ValueError(f"The path '{path}' is a directory, not a data file. Give the path of a CSV or Parquet file.")
    if path.stat().st_size == 0:
        raise ValueError(f"The file '{path}' is empty. Add a header row and data rows, or check the path.")
    return path, kind


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0].rstrip(".") if text else type(error).__name__


def _csv_options(path: Path, kind: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """pandas' options for this file: the separator (given, by suffix, or recognised from the header, announced),
    after checking the encoding and that no column name appears twice."""
    options = dict(kwargs)
    encoding = options.get("encoding") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            f"Unknown encoding {encoding!r} for '{path}' (encoding=, --encoding on the command line). "
            "Use a name such as 'utf-8', 'latin-1' or 'cp1252'."
        ) from None
    if kind == "tsv":
        options.setdefault("sep", "\t")
    sep = options.get("sep", options.get("delimiter"))
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1):
        raise ValueError(
            f"The separator for '{path}' must be one character (sep=, --sep on the command line). Got {sep!r} instead."
        )
    header = _header_line(path, encoding)
    if sep is None and header is not None:
        found = _separator(header)
        if found != ",":
            warnings.warn(
                f"The file '{path}' is separated by {found!r}, not commas: read it so (sep={found!r}; "
                f"--sep {found!r} on the command line).",
                UserWarning,
                stacklevel=3,
            )
            options["sep"] = found
    if header is not None and options.get("header", "infer") == "infer":
        _check_unique_names(path, header, options.get("sep", ","))
    return options


def _header_line(path: Path, encoding: str) -> str | None:
    """The first line of a (possibly compressed) text file, or None where it cannot be read cheaply."""
    name = path.name.lower()
    opener: Any = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(Path(name).suffix, open)
    if name.endswith(".zip"):
        return None
    try:
        with opener(path, "rt", encoding=encoding, newline="") as handle:
            return handle.readline(1_000_000)
    except UnicodeDecodeError as error:
        raise _restate(path, "csv", error) from None
    except (OSError, EOFError, ValueError):
        return None


def _separator(header: str) -> str:
    """',' unless the header holds none and another usual separator instead (';' in much of Europe)."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    if counts[","] > 0:
        return ","
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _check_unique_names(path: Path, header: str, sep: str) -> None:
    """pandas would rename a second 'Age' to 'Age.1' and train on it: a duplicated name is refused instead."""
    try:
        names = next(csv.reader([header.rstrip("\r\n")], delimiter=sep))
    except (csv.Error, StopIteration):
        return
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise ValueError(
                f"The file '{path}' has the column name {name!r} twice (columns {seen[name]} and "
                f"{position}). Rename one of them: pandas would read the second as '{name}.1', so "
                "a duplicated target would leak into the features."
            )
        seen[name] = position


def _restate(path: Path, kind: str, error: BaseException) -> ValueError:
    if isinstance(error, pd.errors.EmptyDataError):
        return ValueError(f"The file '{path}' is empty. Add a header row and data rows, or check the path.")
    if isinstance(error, UnicodeDecodeError):
        return ValueError(
            f"The file '{path}' is not {error.encoding.upper()} text (byte {error.start}). Give its "
            "encoding: encoding='latin-1' (--encoding latin-1 on the command line), or 'cp1252'."
        )
    what = "Parquet" if kind == "parquet" else kind.upper()
    return ValueError(f"The file '{path}' is not a well-formed {what} file: {_first_line(error)}.")


def _no_rows(path: Path) -> ValueError:
    return ValueError(f"The file '{path}' has a header but no data rows. Add rows or check the path.")


def read_table(path: str | os.PathLike, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ``.tsv``) or Parquet file into a DataFrame, chosen by suffix.

    Extra keyword arguments go to ``pandas.read_csv`` or ``pandas.read_parquet``. Every failure is one line:
    FileNotFoundError for a missing file, ValueError for an empty, header-only or malformed file.

    Example:
        >>> df = read_table("titanic.csv")  # doctest: +SKIP
    """
    path, kind = _checked_path(path)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path, **kwargs)
        else:
            frame = pd.read_csv(path, **_csv_options(path, kind, kwargs))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise _restate(path, kind, error) from None
    except (OSError, ValueError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise _restate(path, kind, error) from None
    if len(frame) == 0:
        raise _no_rows(path)
    return frame


def _parquet_chunks(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own ArrowInvalid family
        raise _restate(path, "parquet", error) from None
    for batch in handle.iter_batches(batch_size=chunksize):
        yield batch.to_pandas()


def _csv_chunks(path: Path, kind: str, chunksize: int, kwargs: dict[str, Any]) -> Iterator[pd.DataFrame]:
    try:
        reader = pd.read_csv(path, chunksize=chunksize, **_csv_options(path, kind, kwargs))
        with reader:
            yield from reader
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise _restate(path, kind, error) from None


def _non_empty(path: Path, chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    rows = 0
    for chunk in chunks:
        if len(chunk):
            rows += len(chunk)
            yield chunk
    if rows == 0:
        raise _no_rows(path)


def read_table_chunks(path: str | os.PathLike, chunksize: int = 50_000, **kwargs: Any) -> Iterator[pd.DataFrame]:
    """Stream a CSV or Parquet file as DataFrames of at most ``chunksize`` rows (for batch prediction).

    The path is checked at once; parse errors surface as one-line ValueErrors while iterating.

    Example:
        >>> for chunk in read_table_chunks("big.csv", chunksize=10_000):  # doctest: +SKIP
        ...     handle(chunk)
    """
    chunksize = check_int(chunksize, "chunksize", "read_table_chunks", minimum=1)
    path, kind = _checked_path(path)
    if kind == "parquet":
        return _non_empty(path, _parquet_chunks(path, chunksize))
    return _non_empty(path, _csv_chunks(path, kind, chunksize, kwargs))
