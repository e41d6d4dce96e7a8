"""Reading tables from disk: CSV (plain, gzipped, tab-separated) and Parquet, with one clear line per failure.

pandas' own errors (ParserError, EmptyDataError, ArrowInvalid) are caught and restated in terms of the user's file so
the command line can print them as they are.
"""

from __future__ import annotations

import os
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


def _csv_options(kind: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    options = dict(kwargs)
    if kind == "tsv":
        options.setdefault("sep", "\t")
    return options


def _restate(path: Path, kind: str, error: BaseException) -> ValueError:
    if isinstance(error, pd.errors.EmptyDataError):
        return ValueError(f"The file '{path}' is empty. Add a header row and data rows, or check the path.")
    if isinstance(error, UnicodeDecodeError):
        return ValueError(f"The file '{path}' is not UTF-8 text. Pass encoding= (for example encoding='latin-1').")
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
            frame = pd.read_csv(path, **_csv_options(kind, kwargs))
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
        reader = pd.read_csv(path, chunksize=chunksize, **_csv_options(kind, kwargs))
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
