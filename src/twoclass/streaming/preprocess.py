"""The estimator's preprocessing fitted from a stream of DataFrame chunks, in one pass: the same `Preprocessor` (and
so the same model file, server and ONNX export) that `Preprocessor.fit` makes from the table in memory.

What each block needs is gathered chunk by chunk, then the blocks are built from it through their stored form
(`NumericBlock.from_dict`, ...), which rebuilds scikit-learn's fitted transformers exactly:

- column kinds: decided on the first chunk (`infer_column_types`, the user's kinds winning), as `fit` decides them
  on all rows; a copy of the target under another name is looked for there too;
- numeric: count, mean and sum of squares of the present values (Chan's update, float64) and the missing values
  per column; the median (the imputer's fill value) from a uniform sample of `MEDIAN_ROWS` rows (exact below that:
  every row is kept); the scaler's mean and variance are then those of the imputed column, as StandardScaler sees
  it after SimpleImputer, by merging the present values with the missing ones filled with the median;
- categorical: every level's count; the same rule as OneHotEncoder(max_categories=...) picks the rare levels
  (levels in sorted order, a stable sort by count, all but the `max_categories - 1` most frequent pooled);
- text (TF-IDF): every n-gram's total count and document frequency (scikit-learn's own analyzer on each chunk);
  the vocabulary is the `text_max_features` terms of highest total count, ties broken by the same NumPy sort over
  the terms in sorted order that `TfidfVectorizer._limit_features` runs, and idf = ln((1 + n) / (1 + df)) + 1: the
  in-memory vectorizer's terms and idf, exactly. Memory grows with the distinct n-grams (as the in-memory
  vectorizer's does), not with the rows. With text_method='hashing', document frequencies of the hashed columns.

This module knows pandas, NumPy and scikit-learn (through `twoclass.data`), never JAX.

Example:
    >>> from twoclass.data.stream import frame_chunks
    >>> fitted = fit_preprocessor_stream(frame_chunks("big.parquet", 65_536), drop_columns=["label"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from twoclass.data.blocks import category_column, numeric_matrix, text_column
from twoclass.data.columns import KINDS, ColumnTypes, infer_column_types
from twoclass.data.preprocess import FORMAT, Preprocessor, drop_target_copies
from twoclass.data.written_numbers import shown_words

MEDIAN_ROWS = 200_000  # rows kept for the medians: 1.6 MB a column; the median is exact on tables up to this size
_EPS = np.finfo(np.float64).eps


class PreprocessingPass:
    """Gathers what the Preprocessor's blocks need from DataFrame chunks of training rows (`add`), then builds the
    fitted Preprocessor (`finish`).

    `head` (the first rows, with the same columns as every chunk) decides the column kinds; it is not counted: pass
    it to `add` as well. `y_head` (its 0/1 labels) lets a copy of the target be left out, as `Preprocessor.fit(y=)`.

    Example:
        >>> passing = PreprocessingPass(first_chunk, column_types={"review": "text"})  # doctest: +SKIP
        >>> for chunk in chunks: passing.add(chunk)  # doctest: +SKIP
        >>> preprocessor = passing.finish()  # doctest: +SKIP
    """

    def __init__(
        self,
        head: pd.DataFrame,
        *,
        column_types: Mapping[str, str] | None = None,
        y_head: Any = None,
        target_name: str | None = None,
        text_max_features: int = 20_000,
        text_ngram_range: tuple[int, int] = (1, 2),
        text_method: str = "tfidf",
        max_categories: int = 100,
        seed: int = 0,
    ) -> None:
        # the Preprocessor checks its parameters; it is also what `finish` fills in
        self._params = Preprocessor(
            column_types,
            text_max_features=text_max_features,
            text_ngram_range=text_ngram_range,
            text_method=text_method,
            max_categories=max_categories,
        )
        if len(head) == 0:
            raise ValueError("The first chunk of the stream has no rows; the column kinds are decided on it.")
        self.types = _kinds(head, self._params.column_types or {}, max_categories)
        if y_head is not None:
            drop_target_copies(
                head, self.types, y_head, target_name, self._params.column_types or {}, "the rows of the first chunk"
            )
        self.target_name = target_name
        numeric = self.types.columns("numeric")
        self._numeric = _NumericSums(numeric, self.types.formats, seed) if numeric else None
        self._categories = {name: {} for name in self.types.columns("categorical")}
        self._text = {name: _TextCounts(self._params) for name in self.types.columns("text")}
        self.rows = 0

    def add(self, frame: pd.DataFrame) -> None:
        """Count one chunk of training rows."""
        if len(frame) == 0:
            return
        self.rows += len(frame)
        if self._numeric is not None:
            self._numeric.add(frame)
        for name, counts in self._categories.items():
            levels, number = np.unique(category_column(frame[name])[:, 0].astype(str), return_counts=True)
            for level, count in zip(levels.tolist(), number.tolist()):
                counts[level] = counts.get(level, 0) + count
        for name, counter in self._text.items():
            counter.add(text_column(frame[name]), name)

    def finish(self) -> Preprocessor:
        """The fitted Preprocessor, as `Preprocessor.fit` would have made it from every row passed to `add`."""
        if self.rows == 0:
            raise ValueError("Preprocessor.fit needs at least one row. Got an empty stream.")
        params = self._params
        numeric = None if self._numeric is None else self._numeric.finish(self.types)
        record = {
            "format": FORMAT,
            "kind": "twoclass.Preprocessor",
            "params": {
                "column_types": params.column_types,
                "text_max_features": params.text_max_features,
                "text_ngram_range": list(params.text_ngram_range),
                "text_method": params.text_method,
                "max_categories": params.max_categories,
            },
            "target": None,
            "column_types": dict(self.types),
            "reasons": dict(self.types.reasons),
            "numeric": numeric,
            "categorical": [_categorical(name, n, params.max_categories) for name, n in self._categories.items()],
            "text": [counter.finish(name, self.rows) for name, counter in self._text.items()],
        }
        names = [] if numeric is None else _numeric_names(numeric)
        for block in record["categorical"]:
            rare = set(block["infrequent"])
            names += [f"{block['column']}={c}" for c in block["categories"] if c not in rare]
            names += [f"{block['column']}=(other)"] if rare else []
        for block in record["text"]:
            terms = block.get("terms") or [f"hash{i}" for i in range(block.get("n_features", 0))]
            names += [f"{block['column']}:{term}" for term in terms]
        record["feature_names_out"] = names
        fitted = Preprocessor.from_dict(record)
        fitted.column_types_.notes.update(self.types.notes)
        fitted.notices_ = fitted.column_types_.notices()
        if fitted.n_features_out_ == 0:
            raise ValueError(
                "No usable feature columns: every column is the target, an identifier or constant. "
                + " ".join(fitted.notices_)
            )
        return fitted


def fit_preprocessor_stream(
    frames: Iterable[pd.DataFrame], *, drop_columns: Iterable[str] = (), **options: Any
) -> Preprocessor:
    """A Preprocessor fitted in one pass over `frames` (DataFrame chunks), leaving out `drop_columns` (the target);
    `options` are PreprocessingPass's (column_types, text_max_features, ...).

    Example:
        >>> from twoclass.data.stream import frame_chunks
        >>> p = fit_preprocessor_stream(frame_chunks("rows.csv", 10_000), drop_columns=["y"])  # doctest: +SKIP
    """
    dropped = list(drop_columns)
    passing: PreprocessingPass | None = None
    for frame in frames:
        frame = frame.drop(columns=[c for c in dropped if c in frame.columns])
        if passing is None:
            passing = PreprocessingPass(frame, **options)
        passing.add(frame)
    if passing is None:
        raise ValueError("Preprocessor.fit needs at least one row. Got an empty stream.")
    return passing.finish()


# ------------------------------------------------------------------------------------------------ kinds
def _kinds(head: pd.DataFrame, given: Mapping[str, str], max_categories: int) -> ColumnTypes:
    """The column kinds as `Preprocessor._types` decides them (the user's kinds winning; 'id' kept as 'id')."""
    by_kind = {kind: [n for n, k in given.items() if k == kind] for kind in KINDS}
    types = infer_column_types(
        head,
        text=by_kind["text"],
        categorical=by_kind["categorical"],
        numeric=by_kind["numeric"],
        drop=by_kind["drop"] + by_kind["id"],
        max_categories=max_categories,
    )
    for name in by_kind["id"]:
        types[name] = "id"
        types.reasons[name] = "marked as an identifier"
    return types


# ------------------------------------------------------------------------------------------------ numeric
class _NumericSums:
    """Per numeric column: present count, mean, sum of squared deviations (Chan), missing count, a row sample."""

    def __init__(self, columns: list[str], formats: Mapping[str, str], seed: int) -> None:
        self.columns = columns
        self.formats = {c: f for c, f in formats.items() if c in columns and f != "plain"}
        n = len(columns)
        self.count, self.mean, self.m2 = np.zeros(n), np.zeros(n), np.zeros(n)
        self.missing = np.zeros(n, np.int64)
        self.rows = 0
        self.words: dict[str, list] = {}
        self.word_rows: dict[str, int] = {}
        self.sample = np.empty((0, n))
        self.keys = np.empty(0)
        self.rng = np.random.default_rng(seed)

    def add(self, frame: pd.DataFrame) -> None:
        values, words = numeric_matrix(frame, self.columns, self.formats)
        for name, found in words.items():
            self.word_rows[name] = self.word_rows.get(name, 0) + len(found)
            self.words[name] = list(dict.fromkeys([*self.words.get(name, []), *map(str, found.tolist()[:10])]))[:10]
        self.rows += len(values)
        present = ~np.isnan(values)
        self.missing += (~present).sum(axis=0)
        count = present.sum(axis=0)
        chunk_mean = np.where(count > 0, np.nansum(values, axis=0) / np.maximum(count, 1), 0.0)
        chunk_m2 = np.nansum((values - chunk_mean) ** 2, axis=0)
        total = self.count + count
        delta = chunk_mean - self.mean
        self.mean = self.mean + delta * np.where(total > 0, count / np.maximum(total, 1), 0.0)
        self.m2 = self.m2 + chunk_m2 + delta**2 * np.where(total > 0, self.count * count / np.maximum(total, 1), 0.0)
        self.count = total
        # bottom-k sampling: the MEDIAN_ROWS rows of smallest random key are a uniform sample of all rows so far
        keys = np.concatenate([self.keys, self.rng.random(len(values))])
        sample = np.concatenate([self.sample, values])
        if len(keys) > MEDIAN_ROWS:
            kept = np.argpartition(keys, MEDIAN_ROWS)[:MEDIAN_ROWS]
            keys, sample = keys[kept], sample[kept]
        self.keys, self.sample = keys, sample

    def finish(self, types: ColumnTypes) -> dict[str, Any]:
        for name, rows in self.word_rows.items():
            types.notes.setdefault(
                name,
                f"numbers, except for {rows} value(s) {shown_words(self.words[name])}: read as numbers with those "
                "values missing",
            )
        empty = self.count == 0
        sampled = np.where(empty[None, :], 0.0, self.sample)
        with np.errstate(all="ignore"):
            # SimpleImputer(strategy='median', keep_empty_features=True): the median of the present values, 0 for
            # a column with none
            median = np.where(empty, 0.0, np.nanmedian(sampled, axis=0) if len(sampled) else 0.0)
        median = np.where(np.isnan(median), self.mean, median)  # present values, none of them in the sample
        n, k = self.count, self.missing.astype(np.float64)
        rows = n + k
        # the imputed column: the present values, and k copies of the median
        mean = np.where(rows > 0, (n * self.mean + k * median) / np.maximum(rows, 1), 0.0)
        m2 = self.m2 + (self.mean - median) ** 2 * np.where(rows > 0, n * k / np.maximum(rows, 1), 0.0)
        var = np.where(rows > 0, m2 / np.maximum(rows, 1), 0.0)
        # StandardScaler: a constant column (up to rounding) or a tiny spread is scaled by 1
        constant = var <= rows * _EPS * var + (rows * mean * _EPS) ** 2
        scale = np.sqrt(var)
        scale[constant | (scale < 10 * _EPS)] = 1.0
        record: dict[str, Any] = {
            "columns": list(self.columns),
            "median": [float(v) for v in median],
            "missing_indicator": [c for c, m in zip(self.columns, self.missing) if m > 0],
            "mean": [float(v) for v in mean],
            "var": [float(v) for v in var],
            "scale": [float(v) for v in scale],
            "n_samples_seen": int(self.rows),
        }
        if self.formats:
            record["formats"] = dict(self.formats)
        return record


def _numeric_names(record: Mapping[str, Any]) -> list[str]:
    return list(record["columns"]) + [f"{name}_missing" for name in record["missing_indicator"]]


# ------------------------------------------------------------------------------------------------ categorical
def _categorical(name: str, counts: Mapping[str, int], max_categories: int) -> dict[str, Any]:
    """OneHotEncoder's categories and rare levels (`_identify_infrequent`) from the level counts."""
    categories = sorted(counts)  # np.unique's order of the strings
    too_many = len(categories) > max_categories
    infrequent: list[str] = []
    if too_many:
        number = np.array([counts[c] for c in categories], dtype=np.int64)
        rare = np.argsort(number, kind="mergesort")[: -(max_categories - 1)]
        infrequent = [categories[i] for i in sorted(rare.tolist())]
    return {
        "column": name,
        "categories": categories,
        "infrequent": infrequent,
        "max_categories": max_categories if too_many else None,
    }


# ------------------------------------------------------------------------------------------------ text
class _TextCounts:
    """Total count and document frequency of every n-gram (TF-IDF), or of every hashed column (hashing)."""

    def __init__(self, params: Preprocessor) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

        self.method = params.text_method
        self.ngram_range = params.text_ngram_range
        self.max_features = params.text_max_features
        if self.method == "tfidf":
            # the analyzer TfidfVectorizer(ngram_range=...) uses (its other settings are the defaults), float64 counts
            self.vectorizer = CountVectorizer(ngram_range=self.ngram_range, dtype=np.float64)
            self.index: dict[str, int] = {}
            self.tf = np.zeros(1024)
            self.df = np.zeros(1024, np.int64)
        else:
            self.vectorizer = HashingVectorizer(
                n_features=self.max_features, ngram_range=self.ngram_range, alternate_sign=False, norm=None
            )
            self.df = np.zeros(self.max_features, np.int64)

    def add(self, docs: list[str], column: str) -> None:
        if self.method == "hashing":
            counts = self.vectorizer.transform(docs).tocsr()
            counts.eliminate_zeros()
            self.df += np.bincount(counts.indices, minlength=self.max_features)
            return
        try:
            counts = self.vectorizer.fit_transform(docs).tocsr()
        except ValueError as error:  # a chunk of empty documents: no terms, but its rows still count in idf
            if "empty vocabulary" not in str(error):
                raise
            return
        terms = self.vectorizer.get_feature_names_out()
        where = np.fromiter((self.index.setdefault(t, len(self.index)) for t in terms), np.int64, len(terms))
        if len(self.index) > len(self.tf):
            size = max(len(self.index), 2 * len(self.tf))
            self.tf = np.concatenate([self.tf, np.zeros(size - len(self.tf))])
            self.df = np.concatenate([self.df, np.zeros(size - len(self.df), np.int64)])
        self.tf[where] += np.asarray(counts.sum(axis=0)).ravel()
        self.df[where] += np.bincount(counts.indices, minlength=len(terms))
        self.vectorizer.vocabulary_ = None  # the chunk's vocabulary is not kept

    def finish(self, column: str, rows: int) -> dict[str, Any]:
        record: dict[str, Any] = {"column": column, "method": self.method, "ngram_range": list(self.ngram_range)}
        if self.method == "hashing":
            record["n_features"] = int(self.max_features)
            record["idf"] = [float(v) for v in _idf(self.df, rows)]
            return record
        if not self.index:
            raise ValueError(f"The text column '{column}' has no words to learn from (empty or all stop words).")
        terms = np.array(sorted(self.index), dtype=object)  # TfidfVectorizer sorts its terms before limiting them
        where = np.array([self.index[t] for t in terms], np.int64)
        tf, df = self.tf[where], self.df[where]
        if len(terms) > self.max_features:
            kept = np.zeros(len(terms), bool)
            kept[(-tf).argsort()[: self.max_features]] = True  # the very sort _limit_features runs, ties included
            terms, df = terms[kept], df[kept]
        record["terms"] = [str(t) for t in terms]
        record["idf"] = [float(v) for v in _idf(df, rows)]
        record["max_features"] = int(self.max_features)
        return record


def _idf(df: np.ndarray, rows: int) -> np.ndarray:
    """TfidfTransformer's smooth idf, in its order of operations: ln((n + 1) / (df + 1)) + 1."""
    smoothed = df.astype(np.float64) + 1.0
    idf = np.full_like(smoothed, fill_value=rows + 1)
    idf /= smoothed
    np.log(idf, out=idf)
    idf += 1.0
    return idf
