"""One fitted block per kind of column, each built on scikit-learn transformers, each stored as plain JSON.

- numeric: SimpleImputer(median, missing indicators for columns that had gaps in training) then StandardScaler;
- categorical: one OneHotEncoder(handle_unknown='ignore', max_categories=...) per column;
- text: TfidfVectorizer (word n-grams) or HashingVectorizer + TfidfTransformer, one per column.

The Preprocessor lines the blocks up itself rather than through a ColumnTransformer so that a fitted block can be
rebuilt from JSON through public attributes (and, for the encoder and imputer, a fit on a few synthetic rows that
reproduce the stored state exactly) without touching ColumnTransformer's private bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from twoclass.core.validation import invalid
from twoclass.data import stored
from twoclass.data.columns import category_text
from twoclass.data.numeric import NumericEncoding
from twoclass.data.written_numbers import FORMATS, check_range, parse_numbers

MISSING = "(missing)"  # the category a missing categorical value is encoded under
OTHER = "(other)"  # the name of the column holding categories too rare to keep their own


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def numeric_matrix(
    df: pd.DataFrame, columns: list[str], formats: dict[str, str] | None = None
) -> tuple[np.ndarray, dict[str, pd.Series]]:
    """The numeric columns as float64 (numbers written as ``formats`` says), and for each column the values that were
    not numbers (read as missing; the caller announces them). Infinite or float32-overflowing values raise a
    ValueError naming the column."""
    formats = formats or {}
    out = np.empty((len(df), len(columns)), dtype=np.float64)
    words: dict[str, pd.Series] = {}
    for j, name in enumerate(columns):
        parsed = parse_numbers(df[name], formats.get(name, "plain"))
        check_range(parsed.values, name)
        if len(parsed.words):
            words[name] = parsed.words
        out[:, j] = parsed.values
    return out, words


def category_column(column: pd.Series) -> np.ndarray:
    texts = [category_text(v) for v in column.to_numpy(dtype=object)]
    return np.array([MISSING if t is None else t for t in texts], dtype=object).reshape(-1, 1)


def text_column(column: pd.Series) -> list[str]:
    return ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in column.to_numpy(object)]


@dataclass
class NumericBlock:
    columns: list[str]
    imputer: SimpleImputer
    scaler: StandardScaler
    formats: dict[str, str] = field(default_factory=dict)  # column -> 'thousands' / 'decimal_comma' (not plain)
    last_words: dict[str, pd.Series] = field(default_factory=dict, repr=False)  # non-numbers of the last call
    encoding: NumericEncoding | None = None  # robust scaling (and bins) in place of standardisation (data/numeric.py)
    # the standardised columns too, after the encoding's (numeric_encoding 'binned+standard'): the recipe's second view
    standard_copy: bool = False

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        columns: list[str],
        formats: dict[str, str] | None = None,
        *,
        encoding: str = "standard",
        y: Any = None,
    ) -> NumericBlock:
        formats = {c: f for c, f in (formats or {}).items() if c in columns and f != "plain"}
        x, words = numeric_matrix(df, columns, formats)
        imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True).fit(x)
        imputed = imputer.transform(x)[:, : len(columns)]
        scaler = StandardScaler().fit(imputed)
        kind, _, copy = encoding.partition("+")
        encoded = None if kind == "standard" else NumericEncoding.fit(imputed, y, kind=kind)
        block = cls(columns, imputer, scaler, formats, encoding=encoded, standard_copy=copy == "standard")
        block.last_words = words
        return block

    @property
    def indicator_columns(self) -> list[str]:
        indicator = self.imputer.indicator_
        return [] if indicator is None else [self.columns[i] for i in indicator.features_]

    @property
    def encoded_width(self) -> int:
        """The features of the measured values before the standardised copy and the indicators: one per column
        standardised, or the encoding's z and bins."""
        return len(self.columns) if self.encoding is None else sum(self.encoding.widths)

    def feature_names(self) -> list[str]:
        measured = list(self.columns) if self.encoding is None else self.encoding.feature_names(self.columns)
        copies = [f"{name}:standard" for name in self.columns] if self.standard_copy else []
        return measured + copies + [f"{name}_missing" for name in self.indicator_columns]

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        x, self.last_words = numeric_matrix(df, self.columns, self.formats)
        imputed = self.imputer.transform(x)
        n = len(self.columns)
        # Indicators stay 0/1; only the measured values are standardised (or encoded).
        measured = self.scaler if self.encoding is None else self.encoding
        copies = [self.scaler.transform(imputed[:, :n])] if self.standard_copy else []
        return np.hstack([measured.transform(imputed[:, :n]), *copies, imputed[:, n:]])

    def to_dict(self) -> dict[str, Any]:
        data = {
            "columns": list(self.columns),
            "median": _floats(self.imputer.statistics_),
            "missing_indicator": self.indicator_columns,
            "mean": _floats(self.scaler.mean_),
            "var": _floats(self.scaler.var_),
            "scale": _floats(self.scaler.scale_),
            "n_samples_seen": int(np.max(self.scaler.n_samples_seen_)),
        }
        if self.formats:  # only where a column's numbers are not written plainly: older files stay as they were
            data["formats"] = dict(self.formats)
        if self.encoding is not None:
            data["encoding"] = self.encoding.to_dict()
        if self.standard_copy:  # only when set: records without the copy stay as they were
            data["standard_copy"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], owner: str = "preprocessing.numeric") -> NumericBlock:
        columns = stored.strings(data, "columns", owner, unique=True)
        n = len(columns)
        median = stored.floats(data, "median", owner, n)
        flagged_names = stored.strings(data, "missing_indicator", owner, unique=True)
        stored.subset(flagged_names, columns, "missing_indicator", owner)
        flagged = [columns.index(c) for c in flagged_names]
        mean = stored.floats(data, "mean", owner, n)
        var = stored.floats(data, "var", owner, n, minimum=0.0)
        scale = stored.floats(data, "scale", owner, n, minimum=0.0, above=True)
        n_samples = stored.integer(data, "n_samples_seen", owner, minimum=1)
        formats = data.get("formats", {})
        if not isinstance(formats, dict) or not all(c in columns and f in FORMATS for c, f in formats.items()):
            raise invalid("formats", owner, f"an object mapping columns to one of {FORMATS}", formats, kind="entry")
        # Three rows of the medians, with gaps where training had them, give back the same fitted imputer.
        synthetic = np.tile(median, (3, 1))
        synthetic[2, flagged] = np.nan
        imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True).fit(synthetic)
        imputer.statistics_ = median
        scaler = StandardScaler()
        scaler.mean_, scaler.var_, scaler.scale_ = mean, var, scale
        scaler.n_features_in_ = n
        scaler.n_samples_seen_ = n_samples
        encoding = (
            None
            if data.get("encoding") is None
            else NumericEncoding.from_dict(data["encoding"], n, f"{owner}.encoding")
        )
        standard_copy = data.get("standard_copy", False)
        if not isinstance(standard_copy, bool) or (standard_copy and encoding is None):
            raise invalid(
                "standard_copy", owner, "true or false (true only beside an encoding)", standard_copy, kind="entry"
            )
        return cls(columns, imputer, scaler, dict(formats), encoding=encoding, standard_copy=standard_copy)


@dataclass
class CategoricalBlock:
    column: str
    encoder: OneHotEncoder

    @classmethod
    def fit(cls, df: pd.DataFrame, column: str, max_categories: int) -> CategoricalBlock:
        values = category_column(df[column])
        too_many = len(set(values[:, 0])) > max_categories
        encoder = OneHotEncoder(handle_unknown="ignore", max_categories=max_categories if too_many else None)
        return cls(column, encoder.fit(values))

    @property
    def categories(self) -> list[str]:
        return [str(c) for c in self.encoder.categories_[0]]

    @property
    def infrequent(self) -> list[str]:
        found = self.encoder.infrequent_categories_[0] if self.encoder.max_categories else None
        return [] if found is None else [str(c) for c in found]

    def feature_names(self) -> list[str]:
        rare = set(self.infrequent)
        names = [f"{self.column}={c}" for c in self.categories if c not in rare]
        return names + ([f"{self.column}={OTHER}"] if rare else [])

    def transform(self, df: pd.DataFrame) -> tuple[sparse.csr_matrix, int, list[str]]:
        """The one-hot block, how many rows held a category unseen in training, and a few of those values."""
        values = category_column(df[self.column])
        # A gap where training had none is encoded as zeros too, but it is missing data, not a new category.
        unseen = ~np.isin(values[:, 0], self.encoder.categories_[0]) & (values[:, 0] != MISSING)
        examples = list(dict.fromkeys(values[unseen, 0].tolist()))[:3]
        return self.encoder.transform(values).tocsr(), int(unseen.sum()), examples

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "categories": self.categories,
            "infrequent": self.infrequent,
            "max_categories": self.encoder.max_categories,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], owner: str = "preprocessing.categorical") -> CategoricalBlock:
        column = stored.get(data, "column", owner)
        if not isinstance(column, str):
            raise invalid("column", owner, "a string", column, kind="entry")
        categories = stored.strings(data, "categories", owner, unique=True)
        if not categories:
            raise invalid("categories", owner, "a non-empty list of strings", categories, kind="entry")
        infrequent = stored.strings(data, "infrequent", owner, unique=True)
        stored.subset(infrequent, categories, "infrequent", owner)
        stored.integer(data, "max_categories", owner, minimum=2, allow_none=True)
        rare = set(infrequent)
        # Kept categories twice, rare ones once: the encoder's own frequency rule then picks the same rare set.
        rows = [c for c in categories if c not in rare] * 2 + [c for c in categories if c in rare]
        encoder = OneHotEncoder(
            categories=[np.array(categories, dtype=object)],
            handle_unknown="ignore",
            max_categories=data["max_categories"],
        ).fit(np.array(rows, dtype=object).reshape(-1, 1))
        block = cls(column, encoder)
        if set(block.infrequent) != rare:
            raise ValueError(
                f"The stored encoding of column '{block.column}' is inconsistent; the model file is damaged."
            )
        return block


@dataclass
class TextBlock:
    column: str
    method: str
    vectorizer: TfidfVectorizer | HashingVectorizer
    weighting: TfidfTransformer | None = None  # idf weights on top of hashing

    @staticmethod
    def _tfidf(ngram_range: tuple[int, int], max_features: int | None) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=ngram_range, max_features=max_features, sublinear_tf=True)

    @staticmethod
    def _hashing(ngram_range: tuple[int, int], n_features: int) -> HashingVectorizer:
        return HashingVectorizer(n_features=n_features, ngram_range=ngram_range, alternate_sign=False, norm=None)

    @classmethod
    def fit(cls, df: pd.DataFrame, column: str, method: str, ngram_range: tuple[int, int], max_features: int):
        docs = text_column(df[column])
        try:
            if method == "tfidf":
                return cls(column, method, cls._tfidf(ngram_range, max_features).fit(docs))
            hashing = cls._hashing(ngram_range, max_features)
            return cls(column, method, hashing, TfidfTransformer(sublinear_tf=True).fit(hashing.transform(docs)))
        except ValueError as error:
            if "empty vocabulary" not in str(error):
                raise
            raise ValueError(
                f"The text column '{column}' has no words to learn from (empty or all stop words)."
            ) from None

    def feature_names(self) -> list[str]:
        if self.method == "tfidf":
            return [f"{self.column}:{term}" for term in self.vectorizer.get_feature_names_out()]
        return [f"{self.column}:hash{i}" for i in range(self.vectorizer.n_features)]

    def transform(self, df: pd.DataFrame) -> sparse.csr_matrix:
        docs = text_column(df[self.column])
        if self.method == "tfidf":
            return self.vectorizer.transform(docs).tocsr()
        return self.weighting.transform(self.vectorizer.transform(docs)).tocsr()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "column": self.column,
            "method": self.method,
            "ngram_range": list(self.vectorizer.ngram_range),
        }
        if self.method == "tfidf":
            vocabulary = self.vectorizer.vocabulary_
            data["terms"] = sorted(vocabulary, key=vocabulary.get)
            data["idf"] = _floats(self.vectorizer.idf_)
            data["max_features"] = self.vectorizer.max_features
        else:
            data["n_features"] = int(self.vectorizer.n_features)
            data["idf"] = _floats(self.weighting.idf_)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], owner: str = "preprocessing.text") -> TextBlock:
        column = stored.get(data, "column", owner)
        if not isinstance(column, str):
            raise invalid("column", owner, "a string", column, kind="entry")
        ngrams = stored.get(data, "ngram_range", owner)
        pair = isinstance(ngrams, list) and len(ngrams) == 2
        if not (pair and all(type(v) is int for v in ngrams) and 1 <= ngrams[0] <= ngrams[1]):
            raise invalid(
                "ngram_range", owner, "a pair [min_n, max_n] of ints with 1 <= min_n <= max_n", ngrams, kind="entry"
            )
        ngram_range = (ngrams[0], ngrams[1])
        method = stored.get(data, "method", owner)
        if method == "tfidf":
            terms = stored.strings(data, "terms", owner, unique=True)
            idf = stored.floats(data, "idf", owner, len(terms), minimum=0.0)
            vectorizer = cls._tfidf(
                ngram_range, stored.integer(data, "max_features", owner, minimum=1, allow_none=True)
            )
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
            vectorizer.idf_ = idf
            return cls(column, "tfidf", vectorizer)
        if method != "hashing":
            raise invalid("method", owner, "'tfidf' or 'hashing'", method, kind="entry")
        n_features = stored.integer(data, "n_features", owner, minimum=1)
        weighting = TfidfTransformer(sublinear_tf=True)
        weighting.idf_ = stored.floats(data, "idf", owner, n_features, minimum=0.0)
        weighting.n_features_in_ = n_features
        return cls(column, "hashing", cls._hashing(ngram_range, n_features), weighting)
