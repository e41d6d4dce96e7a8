"""`train_estimator_stream`: a TwoClassClassifier trained from a CSV or Parquet file larger than memory, its
preprocessing included; the result saves as an ordinary model directory (`predict`, `inspect`, serve, ONNX).

The file is read in chunks of `RAW_ROWS` rows (`twoclass.data.stream.frame_chunks`), several times:

1. one pass counts the labels and fits the preprocessing on the training rows (`streaming.preprocess`: numbers,
   categories, text), and keeps the validation rows; each row is held out with probability
   ``min(validation_fraction, VALIDATION_ROWS / rows)``, drawn from the seed and the chunk's number, so every later
   pass holds out the same rows (a random split, not a stratified one: on a table this large the classes' shares
   in it are what they are in the table within a fraction of a percent);
2. each epoch reads the file again, preprocesses the training rows and trains the network on them
   (`streaming.fit_stream`: fixed-size chunks, the next one prepared on a thread while the engine trains).

What it trains is `recipe='plain'` with one network (the tabular recipe's tree-chosen bins, its logistic regression
and its networks trained side by side need the rows in memory). The validation rows then choose the best epoch
(early stopping), the decision threshold and the calibration, as in memory. 'auto' means `STREAM_EPOCHS` epochs
and batches of `STREAM_BATCH_SIZE` rows here: the in-memory plain defaults (200 epochs of 64-row batches) are sized
for tables of thousands of rows.

Example:
    >>> clf = train_estimator_stream("big.parquet", target="label", params={"epochs": 3})  # doctest: +SKIP
    >>> clf.save("big_model")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twoclass.data.stream import frame_chunks, rechunked
from twoclass.streaming.preprocess import PreprocessingPass

RAW_ROWS = 65_536  # rows read at a time; the validation draw is per chunk of this size, so it is fixed
VALIDATION_ROWS = 100_000  # at most this many rows held out (in memory, preprocessed)
VALIDATION_BYTES = 128 << 20  # ... and at most this much of them as float32 features (wide TF-IDF inputs)
MIN_VALIDATION_ROWS = 1_000  # ... but at least this many, however wide
CHUNK_BYTES = 16 << 20  # the float32 features of one training chunk, at most
STREAM_EPOCHS, STREAM_BATCH_SIZE = 10, 256  # what 'auto' means when streaming

__all__ = ["train_estimator_stream"]


def _estimated_rows(path: Path, head: pd.DataFrame) -> int:
    """Rows in the file: a Parquet file's footers say; a CSV's are its size over the first chunk's bytes per row."""
    from twoclass.data.stream import TableStream

    if path.is_dir() or path.name.lower().endswith((".parquet", ".pq")):
        return TableStream(path).n_rows
    sample = head.head(2_000)
    per_row = max(1.0, len(sample.to_csv(index=False).encode()) / max(1, len(sample)))
    return int(path.stat().st_size / per_row) + 1


class _Split:
    """Which rows of each raw chunk are held out: a draw from (seed, chunk number), the first `cap` rows so drawn."""

    def __init__(self, seed: int, share: float, cap: int) -> None:
        self.seed, self.share, self.cap = seed, share, cap

    def masks(self, frames: Iterator[pd.DataFrame]) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        taken = 0
        for number, frame in enumerate(frames):
            held = np.random.default_rng([self.seed, number]).random(len(frame)) < self.share
            room = self.cap - taken
            if held.sum() > room:  # the estimate of the rows was low: the rest trains
                held[np.flatnonzero(held)[max(room, 0) :]] = False
            taken += int(held.sum())
            yield frame, held


class _TrainingRows:
    """The training rows of the file, preprocessed: `chunks(rows)` yields (features, label, weight) float32 chunks
    of exactly `rows` rows (the last one shorter), as `fit_stream` reads a TableStream."""

    kind = "frames"

    def __init__(self, path, read_options, split, target, preprocessor, encoding, factor, n_rows) -> None:
        self.path, self.read_options, self.split, self.target = path, read_options, split, target
        self.preprocessor, self.encoding, self.factor, self.n_rows = preprocessor, encoding, factor, n_rows
        self.columns = list(preprocessor.feature_names_out_)  # fit_stream counts the inputs from these

    def _pieces(self, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        frames = frame_chunks(self.path, RAW_ROWS, **self.read_options)
        for frame, held in self.split.masks(frames):
            train = frame[~held]
            for start in range(0, len(train), rows):  # dense features: at most one chunk's worth at a time
                part = train.iloc[start : start + rows]
                x = _transform(self.preprocessor, part.drop(columns=[self.target]))
                y = self.encoding.encode(part[self.target]).astype(np.float32)
                w = None if self.factor is None else self.factor[y.astype(np.int64)].astype(np.float32)
                yield x, y, w

    def chunks(self, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        yield from rechunked(self._pieces(rows), rows)


def _transform(preprocessor, frame: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():  # unseen levels in validation rows, words among numbers: announced at fit
        warnings.simplefilter("ignore", UserWarning)
        return preprocessor.transform(frame)


def _labels(counts: Mapping[Any, int], positive: Any, target: str):
    from twoclass.data import infer_labels

    if len(counts) != 2:
        shown = ", ".join(f"{k!r}: {v:,}" for k, v in list(counts.items())[:5])
        raise ValueError(f"The target column '{target}' must have exactly two classes. Found {len(counts)}: {shown}.")
    return infer_labels(pd.Series(list(counts), dtype=object), positive, name=target)


def _count(counts: dict[Any, int], values: pd.Series) -> None:
    for value, number in values.value_counts().items():
        key = value.item() if isinstance(value, np.generic) else value
        counts[key] = counts.get(key, 0) + int(number)


def train_estimator_stream(
    path: str | os.PathLike[str],
    *,
    target: str,
    params: Mapping[str, Any] | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> Any:
    """A fitted TwoClassClassifier (`params`: its constructor's arguments) trained on the file at `path` without
    loading it whole; `read_options` are read_table's (encoding, sep).

    Example:
        >>> clf = train_estimator_stream("rows.csv", target="y", params={"positive": "yes"})  # doctest: +SKIP
    """
    from twoclass.data.labels import compute_class_weight
    from twoclass.estimator.classifier import TwoClassClassifier
    from twoclass.estimator.params import build_network, check_params
    from twoclass.estimator.training import decide_on_held_out
    from twoclass.keras.callbacks import EarlyStopping
    from twoclass.streaming.fit import fit_stream

    path = Path(path)
    read_options = dict(read_options or {})
    estimator = TwoClassClassifier(**dict(params or {}))
    settings = check_params(estimator.get_params(deep=False))
    notes: list[str] = []
    if settings.recipe != "plain" or settings.n_networks not in ("auto", 1):
        notes.append(
            "Streaming trains recipe='plain' with one network: the tabular recipe's bins, logistic regression and "
            "networks trained together need the table in memory."
        )
    estimator.set_params(recipe="plain", n_networks=1)
    settings = check_params(estimator.get_params(deep=False))
    seed = settings.seed if settings.seed is not None else int(np.random.randint(0, 2**31 - 1))

    head = next(iter(frame_chunks(path, RAW_ROWS, **read_options)), None)
    if head is None:
        raise ValueError(f"The file '{path}' has a header but no data rows. Add rows or check the path.")
    if target not in head.columns:
        listed = ", ".join(repr(str(c)) for c in list(head.columns)[:20])
        raise ValueError(f"The target column {target!r} is not in '{path}'. The columns are: {listed}.")
    rows_estimate = _estimated_rows(path, head)
    share = min(settings.validation_fraction, VALIDATION_ROWS / max(rows_estimate, 1))
    split = _Split(seed, share, VALIDATION_ROWS)

    # pass 1: labels, the preprocessing's statistics on the training rows, the validation rows
    passing = None
    all_labels: dict[Any, int] = {}
    train_labels: dict[Any, int] = {}
    held_out: list[pd.DataFrame] = []
    rows = 0
    for frame, held in split.masks(frame_chunks(path, RAW_ROWS, **read_options)):
        missing = frame[target].isna().to_numpy()
        if missing.any():
            where = ", ".join(str(rows + i) for i in np.flatnonzero(missing)[:5])
            raise ValueError(
                f"The target column '{target}' has missing values (rows {where}). Remove those rows or fill them."
            )
        rows += len(frame)
        _count(all_labels, frame[target])
        train = frame[~held]
        _count(train_labels, train[target])
        features = train.drop(columns=[target])
        if passing is None:
            passing = PreprocessingPass(
                features,
                column_types=settings.column_types,
                y_head=train[target].to_numpy(dtype=object),
                target_name=target,
                seed=seed,
            )
        passing.add(features)
        if held.any():
            held_out.append(frame[held])
    if settings.verbose:
        print(f"Read {rows:,} rows: preprocessing fitted on {passing.rows:,}, {rows - passing.rows:,} held out.")
    encoding = _labels(all_labels, settings.positive, target)
    estimator.set_params(positive=encoding.positive)  # stored, as `twoclass train` in memory stores it
    preprocessor = passing.finish()
    preprocessor.target_ = target
    if settings.verbose:
        for notice in preprocessor.notices_:
            print(notice)
    n_features = preprocessor.n_features_out_
    n_train = passing.rows

    # the validation rows, preprocessed (as many as VALIDATION_BYTES of features hold)
    val = pd.concat(held_out, ignore_index=True) if held_out else None
    room = max(MIN_VALIDATION_ROWS, VALIDATION_BYTES // (4 * n_features))
    if val is not None and len(val) > room:
        # the first `room` held-out rows validate; the later ones train in the epochs (the same draws, a lower cap)
        notes.append(
            f"{len(val) - room:,} of the {len(val):,} held-out rows train instead (at most {VALIDATION_BYTES >> 20} MB "
            "of validation features); the preprocessing was fitted without them."
        )
        n_train += len(val) - room
        _count(train_labels, val[target].iloc[room:])
        split.cap = room
        val = val.iloc[:room]
    if val is not None and (len(val) < 2 or val[target].nunique() < 2):
        val = None
    code = {k: int(encoding.encode([k])[0]) for k in train_labels}
    class_counts = np.bincount([code[k] for k in train_labels], weights=list(train_labels.values()), minlength=2)
    class_weight = compute_class_weight(
        np.repeat(np.arange(2), class_counts.astype(np.int64)), settings.class_weight, encoding
    )
    factor = None if class_weight is None else np.array([class_weight[0], class_weight[1]], np.float64)
    x_val = y_val = w_val = None
    if val is not None:
        x_val = np.zeros((len(val), n_features), np.float32)
        for start in range(0, len(val), 16_384):
            part = val.iloc[start : start + 16_384]
            x_val[start : start + len(part)] = _transform(preprocessor, part.drop(columns=[target]))
        y_val = encoding.encode(val[target])
        w_val = np.ones(len(val)) if factor is None else factor[y_val]

    # passes 2...: the epochs
    batch_size = STREAM_BATCH_SIZE if settings.batch_size == "auto" else settings.batch_size
    epochs = STREAM_EPOCHS if settings.epochs == "auto" else settings.epochs
    chunk_rows = int(min(65_536, max(batch_size, CHUNK_BYTES // (4 * n_features))))
    stream = _TrainingRows(path, read_options, split, target, preprocessor, encoding, factor, n_train)
    model = build_network(settings, n_features, seed)
    callbacks = []
    if val is not None and settings.early_stopping:
        callbacks.append(EarlyStopping(monitor="val_loss", patience=settings.patience, restore_best_weights=True))
    history = fit_stream(
        model,
        stream,
        epochs=epochs,
        batch_size=batch_size,
        chunk_rows=chunk_rows,
        validation_data=None if val is None else (x_val, y_val.astype(np.float32), w_val.astype(np.float32)),
        callbacks=callbacks,
        verbose=settings.verbose,
    )
    best_epoch = callbacks[0].best_epoch + 1 if callbacks and callbacks[0].best_epoch is not None else epochs

    if val is None:  # too few rows held out: the threshold is chosen on the first training chunk
        first = next(iter(stream.chunks(min(n_train, 65_536))))
        x_val, y_val = first[0], first[1].astype(np.int32)
        w_val = np.ones(len(y_val)) if first[2] is None else first[2].astype(np.float64)
        notes.append("No validation rows were held out: these figures are on training rows.")
    # in slices: one call on every validation row would hold its wide intermediate arrays all at once
    z = np.concatenate([model.predict_logits(x_val[i : i + 8_192]) for i in range(0, len(x_val), 8_192)])
    decided = decide_on_held_out(settings, z.astype(np.float64), y_val, w_val)
    decided["validation_figures_"].setdefault("notes", [])
    decided["validation_figures_"]["notes"] += [
        f"Trained by streaming '{path.name}' in chunks: {n_train:,} training rows, {len(y_val):,} validation rows "
        f"held out at random, of {rows:,}.",
        *notes,
    ]
    columns = [str(c) for c in head.columns if c != target]
    estimator.classes_ = np.array(encoding.classes)
    estimator.label_encoding_ = encoding
    estimator.seed_ = seed
    estimator.input_kind_ = "frame"
    estimator.input_columns_ = columns
    estimator.n_features_in_ = len(columns)
    estimator.feature_names_in_ = np.array(columns, dtype=object)
    estimator.preprocessor_ = preprocessor
    estimator.model_ = model
    estimator.n_networks_ = 1
    estimator.history_ = {key: [float(v) for v in values] for key, values in history.history.items()}
    estimator.best_epoch_ = int(best_epoch)
    estimator.recipe_ = None
    for name, value in decided.items():
        setattr(estimator, name, value)
    return estimator
