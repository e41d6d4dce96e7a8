"""Tables larger than memory, read in record batches: a Parquet file, a folder of Parquet files, or a CSV file.

`TableStream` names what to read (the feature columns and the target) and yields fixed-size chunks as float32 NumPy
arrays, one pass per call of `chunks()`. Parquet files are read with `pyarrow.parquet.ParquetFile.iter_batches`,
one row group at a time, a folder's files found by `pyarrow.dataset` and read in name order, CSV with pyarrow's
streaming CSV reader; `read_ahead`
prepares the next chunk on a thread while the current one trains (pyarrow decodes without holding the GIL).
`statistics()` is one streaming pass for what preprocessing needs (count, mean, variance, missing values).
`frame_chunks` reads any column type as pandas DataFrames of a fixed row count, for the estimator's streamed training
and `twoclass predict`; `table_bytes` is a table's size as `twoclass train` weighs it before choosing to stream.

This module knows pyarrow and NumPy only, never JAX: the training side (`twoclass.streaming`) feeds the chunks to
the engine.

Example:
    >>> stream = TableStream("big.parquet", target="label")  # doctest: +SKIP
    >>> for x, y in stream.chunks(rows=65_536):  # doctest: +SKIP
    ...     ...
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

_OWNER = "TableStream"
_READ_ROWS = 65_536  # rows per record batch asked of pyarrow; chunks are cut from these


class ColumnStatistics(NamedTuple):
    """Per feature column, from one pass: rows seen, mean, variance (population) and missing values."""

    count: np.ndarray  # float64 (features,), non-missing rows
    mean: np.ndarray
    variance: np.ndarray
    missing: np.ndarray  # int64 (features,)
    rows: int


def _kind(path: Path) -> str:
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    raise ValueError(
        f"The 'path' argument of {_OWNER} must be a Parquet file (.parquet), a folder of Parquet files or a CSV file "
        f"(.csv, .csv.gz, .tsv). Got '{path}' instead."
    )


class TableStream:
    """A table on disk read in chunks: its feature columns (all but the target, unless named) and its target.

    The target must hold 0/1 (or booleans); features must be numeric (missing values become NaN).

    Example:
        >>> stream = TableStream("rows/", target="y", columns=["f0", "f1"])  # doctest: +SKIP
        >>> stream.n_rows  # doctest: +SKIP
        10000000
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        target: str | None = None,
        columns: Sequence[str] | None = None,
        weight: str | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"The table '{self.path}' does not exist.")
        self.kind = _kind(self.path)
        names = self._schema_names()
        for name, role in ((target, "target"), (weight, "weight")):
            if name is not None and name not in names:
                raise ValueError(f"The {role} column {name!r} is not in '{self.path}'. Its columns are: {names}.")
        if columns is None:
            columns = [c for c in names if c not in (target, weight)]
        missing = [c for c in columns if c not in names]
        if missing:
            raise ValueError(f"The column(s) {missing} are not in '{self.path}'. Its columns are: {names}.")
        if not columns:
            raise ValueError(f"'{self.path}' has no feature columns besides the target.")
        self.columns = list(columns)
        self.target = target
        self.weight = weight

    # ------------------------------------------------------------------------------------------------ reading
    def _schema_names(self) -> list[str]:
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(self.path).schema_arrow.names)
        if self.kind == "folder":
            return list(self._dataset().schema.names)
        reader = self._csv_reader(None)  # reads the first block to learn the columns
        names = list(reader.schema.names)
        reader.close()
        return names

    def _dataset(self):
        import pyarrow.dataset as ds

        return ds.dataset(self.path, format="parquet")

    def _csv_reader(self, columns: Sequence[str] | None) -> Any:
        import pyarrow.csv as pacsv

        # pyarrow's default 1 MB blocks: 16 MB blocks read this machine's 470 MB test file 2.7x slower (35 s, not 13)
        parse = pacsv.ParseOptions(delimiter="\t" if self.path.name.lower().endswith(".tsv") else ",")
        convert = pacsv.ConvertOptions(include_columns=list(columns) if columns else None)
        return pacsv.open_csv(self.path, parse_options=parse, convert_options=convert)

    def _csv_batches(self, columns: Sequence[str] | None) -> Iterator[Any]:
        reader = self._csv_reader(columns)
        try:
            yield from reader
        finally:
            reader.close()

    def _wanted(self) -> list[str]:
        return [*self.columns, *(c for c in (self.target, self.weight) if c is not None)]

    def record_batches(self) -> Iterator[Any]:
        """pyarrow RecordBatches of the wanted columns, in file order, one pass."""
        wanted = self._wanted()
        if self.kind == "csv":
            yield from self._csv_batches(wanted)
            return
        import pyarrow.parquet as pq

        files = [self.path] if self.kind == "parquet" else sorted(self._dataset().files)
        for file in files:
            reader = pq.ParquetFile(file)
            # One row group at a time: iter_batches over a whole file (or a dataset scan of it) keeps what it decoded
            # until the file is done, 1.6 GB of a 10M x 28 file; per row group the memory stays flat (~300 MB).
            for group in range(reader.metadata.num_row_groups):
                yield from reader.iter_batches(batch_size=_READ_ROWS, row_groups=[group], columns=wanted)

    @property
    def n_rows(self) -> int:
        """Rows in the table (Parquet: from the footers; CSV: one pass)."""
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(self.path).metadata.num_rows)
        if self.kind == "folder":
            return int(self._dataset().count_rows())
        return sum(batch.num_rows for batch in self._csv_batches([self.columns[0]]))

    def _arrays(self, batch: Any) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        features = np.empty((batch.num_rows, len(self.columns)), np.float32)
        for j, name in enumerate(self.columns):
            features[:, j] = _float_column(batch.column(name), name, self.path)
        y = None if self.target is None else _target_column(batch.column(self.target), self.target, self.path)
        w = None if self.weight is None else _float_column(batch.column(self.weight), self.weight, self.path)
        return features, y, w

    def chunks(self, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
        """(features, target, weight) of `rows` rows each (the last one shorter), in file order, one pass."""
        if rows < 1:
            raise ValueError(f"The 'rows' argument of {_OWNER}.chunks must be >= 1. Got {rows} instead.")
        pieces = (self._arrays(batch) for batch in self.record_batches() if batch.num_rows)
        yield from rechunked(pieces, rows)

    def statistics(self) -> ColumnStatistics:
        """Count, mean, variance and missing values of each feature column, in one streaming pass (Chan's
        parallel update over chunks, so a large mean does not cancel the variance's digits)."""
        n = np.zeros(len(self.columns))
        mean = np.zeros(len(self.columns))
        m2 = np.zeros(len(self.columns))
        missing = np.zeros(len(self.columns), np.int64)
        rows = 0
        for features, _, _ in self.chunks(_READ_ROWS):
            rows += len(features)
            values = features.astype(np.float64)
            present = ~np.isnan(values)
            missing += (~present).sum(axis=0)
            count = present.sum(axis=0)
            chunk_mean = np.where(count > 0, np.nansum(values, axis=0) / np.maximum(count, 1), 0.0)
            chunk_m2 = np.nansum((values - chunk_mean) ** 2, axis=0)
            total = n + count
            delta = chunk_mean - mean
            mean = mean + delta * np.where(total > 0, count / np.maximum(total, 1), 0.0)
            m2 = m2 + chunk_m2 + delta**2 * np.where(total > 0, n * count / np.maximum(total, 1), 0.0)
            n = total
        variance = np.where(n > 0, m2 / np.maximum(n, 1), 0.0)
        return ColumnStatistics(n, mean, variance, missing, rows)

    def __repr__(self) -> str:
        return f"TableStream('{self.path}', {len(self.columns)} feature columns, target={self.target!r})"


def rechunked(pieces: Iterable[tuple], rows: int) -> Iterator[tuple]:
    """Pieces of parallel arrays (features, target, weight; None where absent) of any lengths, regrouped into chunks
    of exactly `rows` rows each (the last one shorter), in order.

    Example:
        >>> [len(c[0]) for c in rechunked([(np.zeros(3), None), (np.zeros(4), None)], 5)]
        [5, 2]
    """
    pending: list[tuple] = []
    held = 0
    for piece in pieces:
        pending.append(piece)
        held += len(piece[0])
        while held >= rows:
            chunk, pending = _take(pending, rows)
            held -= rows
            yield chunk
    if held:
        yield _take(pending, held)[0]


def _take(pending: list[tuple], rows: int) -> tuple[tuple, list[tuple]]:
    """The first `rows` rows of the pending pieces, and what is left."""
    taken, rest, need = [], [], rows
    for piece in pending:
        n = len(piece[0])
        if need >= n:
            taken.append(piece)
            need -= n
        elif need > 0:
            taken.append(tuple(None if a is None else a[:need] for a in piece))
            rest.append(tuple(None if a is None else a[need:] for a in piece))
            need = 0
        else:
            rest.append(piece)
    parts = list(zip(*taken))
    joined = tuple(None if part[0] is None else np.concatenate(part) for part in parts)
    return joined, rest


def _float_column(column: Any, name: str, path: Path) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_boolean(column.type)):
        raise ValueError(
            f"Column {name!r} of '{path}' must be numeric to stream into the network. Got {column.type} instead."
        )
    return pc.cast(column, pa.float32()).to_numpy(zero_copy_only=False)  # nulls come back as NaN


def _target_column(column: Any, name: str, path: Path) -> np.ndarray:
    values = _float_column(column, name, path)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"The target column {name!r} of '{path}' must hold 0/1 (or booleans) to stream. Got "
            f"{values[bad][:3].tolist()} among its values."
        )
    return values


def read_ahead(items: Iterable[Any], depth: int = 1) -> Iterator[Any]:
    """`items`, produced on a background thread up to `depth` ahead of the consumer (errors re-raised here).

    Example:
        >>> list(read_ahead(iter(range(3))))
        [0, 1, 2]
    """
    slots: queue.Queue = queue.Queue(maxsize=max(1, depth))
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(("done", done))
        except BaseException as error:  # handed to the consumer, which raises it in its own thread
            slots.put(("error", error))

    thread = threading.Thread(target=produce, name="twoclass-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()


def frame_chunks(path: str | os.PathLike[str], rows: int, **read_options: Any) -> Iterator[Any]:
    """A CSV or Parquet file (or a folder of Parquet files) as pandas DataFrames of exactly `rows` rows (the last one
    shorter), in file order, one pass; the estimator's streamed training and `twoclass predict` read through it.

    CSV is parsed as `twoclass.data.read_table` parses it (`read_options`: encoding, sep, ...). Parquet is read one
    row group at a time (see `TableStream.record_batches`: a whole-file read keeps what it decoded).

    Example:
        >>> for frame in frame_chunks("big.parquet", rows=65_536):  # doctest: +SKIP
        ...     ...
    """
    import pandas as pd

    if rows < 1:
        raise ValueError(f"The 'rows' argument of frame_chunks must be >= 1. Got {rows} instead.")
    if not Path(path).exists():
        raise FileNotFoundError(f"The file '{path}' does not exist. Check the path.")
    pending: list[Any] = []
    held, read = 0, False
    for frame in _raw_frames(Path(path), rows, read_options):
        if len(frame) == 0:
            continue
        pending.append(frame)
        held += len(frame)
        read = True
        while held >= rows:
            joined = pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
            yield joined.iloc[:rows].reset_index(drop=True)
            rest = joined.iloc[rows:]
            pending, held = ([rest] if len(rest) else []), held - rows
    if held:
        yield (pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)).reset_index(drop=True)
    elif not read:
        raise ValueError(f"The file '{path}' has a header but no data rows. Add rows or check the path.")


def _raw_frames(path: Path, rows: int, read_options: dict[str, Any]) -> Iterator[Any]:
    from twoclass.data.tables import read_table_chunks

    if path.is_dir():
        files = sorted(TableStream._dataset(_Folder(path)).files)
    elif _kind(path) == "parquet":
        files = [path]
    else:
        yield from read_table_chunks(path, chunksize=rows, **read_options)
        return
    import pyarrow.parquet as pq

    for file in files:
        try:
            reader = pq.ParquetFile(file)
        except Exception as error:  # pyarrow raises its own ArrowInvalid family
            raise ValueError(f"The file '{file}' is not a well-formed Parquet file: {error}.") from None
        for group in range(reader.metadata.num_row_groups):
            for batch in reader.iter_batches(batch_size=min(rows, _READ_ROWS), row_groups=[group]):
                yield batch.to_pandas()


class _Folder:
    """What `TableStream._dataset` reads of a stream: its path."""

    def __init__(self, path: Path) -> None:
        self.path = path


def table_bytes(path: str | os.PathLike[str]) -> int:
    """How large a table is in memory's terms: a CSV's bytes on disk, a Parquet file's (or folder's) uncompressed
    bytes from its footers (Parquet compresses 2-10x, so its size on disk would understate it).

    Example:
        >>> table_bytes("big.parquet")  # doctest: +SKIP
        1180000000
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
    elif _kind(path) == "parquet":
        files = [path]
    else:
        return path.stat().st_size
    import pyarrow.parquet as pq

    total = 0
    for file in files:
        try:
            meta = pq.ParquetFile(file).metadata
        except Exception:  # not readable as Parquet: its size on disk; the reader says what is wrong later
            total += file.stat().st_size
            continue
        total += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return total
