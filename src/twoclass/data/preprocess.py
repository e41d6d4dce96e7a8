"""The fitted preprocessing that is part of a model: a DataFrame in, a float32 feature matrix out, JSON to store it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from twoclass.core.validation import check_choice, check_int
from twoclass.data.blocks import CategoricalBlock, NumericBlock, TextBlock
from twoclass.data.columns import KINDS, ColumnTypes, infer_column_types

FORMAT = 1
_OWNER = "Preprocessor"


def _check_ngram_range(value: Any) -> tuple[int, int]:
    ok = (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    )
    if not ok:
        raise ValueError(
            f"The 'text_ngram_range' parameter of {_OWNER} must be a pair (min_n, max_n) of ints with "
            f"1 <= min_n <= max_n. Got {value!r} instead."
        )
    return int(value[0]), int(value[1])


def _check_column_types(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"The 'column_types' parameter of {_OWNER} must be a dict or None. Got {value!r} instead.")
    for name, kind in value.items():
        if kind not in KINDS:
            listed = ", ".join(repr(k) for k in KINDS)
            raise ValueError(
                f"The kind of column '{name}' in column_types must be one of {listed}. Got {kind!r} instead."
            )
    return dict(value)


class Preprocessor:
    """Turns a DataFrame into a float32 matrix: numeric columns imputed (median, plus a missing-indicator for
    columns with gaps in training) and standardised, categorical columns one-hot encoded (rare levels pooled past
    ``max_categories``, unseen levels warned about and encoded as zeros), text columns as TF-IDF word n-grams.
    Identifier-like and constant columns are dropped with a notice.

    The output is dense float32; the text block is sparse inside and densified last, which suits up to some
    tens of thousands of features (the default cap is 20,000 terms per text column).

    Example:
        >>> df = pd.DataFrame({"age": [22.0, None, 38.0], "sex": ["male", "female", "male"]})
        >>> Preprocessor().fit(df).transform(df).shape
        (3, 4)
    """

    def __init__(
        self,
        column_types: Mapping[str, str] | None = None,
        *,
        text_max_features: int = 20_000,
        text_ngram_range: tuple[int, int] = (1, 2),
        text_method: str = "tfidf",
        max_categories: int = 100,
    ) -> None:
        self.column_types = _check_column_types(column_types)
        self.text_max_features = check_int(text_max_features, "text_max_features", _OWNER, minimum=1)
        self.text_ngram_range = _check_ngram_range(text_ngram_range)
        self.text_method = check_choice(text_method, "text_method", _OWNER, ("tfidf", "hashing"))
        self.max_categories = check_int(max_categories, "max_categories", _OWNER, minimum=2)

    # ----------------------------------------------------------------- fit
    def _types(self, df: pd.DataFrame, target: str | None) -> ColumnTypes:
        given = self.column_types or {}
        by_kind = {kind: [n for n, k in given.items() if k == kind and n != target] for kind in KINDS}
        types = infer_column_types(
            df,
            target=target,
            text=by_kind["text"],
            categorical=by_kind["categorical"],
            numeric=by_kind["numeric"],
            drop=by_kind["drop"] + by_kind["id"],
            max_categories=self.max_categories,
        )
        for name in by_kind["id"]:
            types[name] = "id"
            types.reasons[name] = "marked as an identifier"
        return types

    def fit(self, df: pd.DataFrame, *, target: str | None = None) -> Preprocessor:
        """Learn column kinds (unless given), medians, scales, categories and vocabularies from training rows."""
        df = _checked_frame(df, "fit")
        target = target if target is None or isinstance(target, str) else str(target)
        if len(df) == 0:
            raise ValueError("Preprocessor.fit needs at least one row. Got an empty DataFrame.")
        types = self._types(df, target)
        numeric = types.columns("numeric")
        self._numeric = NumericBlock.fit(df, numeric) if numeric else None
        self._categorical = [CategoricalBlock.fit(df, c, self.max_categories) for c in types.columns("categorical")]
        self._text = [
            TextBlock.fit(df, c, self.text_method, self.text_ngram_range, self.text_max_features)
            for c in types.columns("text")
        ]
        self._finish(types, target)
        if self.n_features_out_ == 0:
            raise ValueError(
                "No usable feature columns: every column is the target, an identifier or constant. "
                + " ".join(self.notices_)
            )
        return self

    def _finish(self, types: ColumnTypes, target: str | None) -> None:
        self.column_types_ = types
        self.target_ = target
        self.notices_ = types.notices()
        names: list[str] = [] if self._numeric is None else self._numeric.feature_names()
        for block in [*self._categorical, *self._text]:
            names += block.feature_names()
        self.feature_names_out_ = names
        self.n_features_out_ = len(names)
        self.last_unseen_counts_: dict[str, int] = {}

    # ----------------------------------------------------------- transform
    @property
    def required_columns_(self) -> list[str]:
        """The input columns transform needs (in the order they were seen in training)."""
        self._check_fitted()
        return [n for n, k in self.column_types_.items() if k in ("numeric", "categorical", "text")]

    def _check_fitted(self) -> None:
        if not hasattr(self, "column_types_"):
            raise NotFittedError("This Preprocessor is not fitted yet. Call fit(df) first.")

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The float32 feature matrix (n_rows, n_features_out_). Extra columns are ignored; missing ones raise."""
        self._check_fitted()
        df = _checked_frame(df, "transform")
        absent = [c for c in self.required_columns_ if c not in df.columns]
        if absent:
            raise ValueError(f"The data is missing column(s) the model was trained on: {', '.join(map(repr, absent))}.")
        out = np.zeros((len(df), self.n_features_out_), dtype=np.float32)
        self.last_unseen_counts_ = {}
        if len(df) == 0:
            return out
        start = 0
        if self._numeric is not None:
            block = self._numeric.transform(df)
            out[:, : block.shape[1]] = block
            start = block.shape[1]
        unseen: list[str] = []
        for cat in self._categorical:
            matrix, count, examples = cat.transform(df)
            out[:, start : start + matrix.shape[1]] = matrix.toarray()
            start += matrix.shape[1]
            if count:
                self.last_unseen_counts_[cat.column] = count
                shown = ", ".join(repr(e) for e in examples)
                unseen.append(f"'{cat.column}': {count} row(s), e.g. {shown}")
        for text in self._text:
            matrix = text.transform(df)
            out[:, start : start + matrix.shape[1]] = matrix.toarray()
            start += matrix.shape[1]
        if unseen:
            warnings.warn(
                "Categories not seen in training (encoded as all zeros): " + "; ".join(unseen) + ".",
                UserWarning,
                stacklevel=2,
            )
        return out

    def fit_transform(self, df: pd.DataFrame, *, target: str | None = None) -> np.ndarray:
        return self.fit(df, target=target).transform(df)

    def transform_records(self, records: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Transform rows given as dicts (one dict, or a list of them), as a server receives them.

        Example:
            >>> p.transform_records([{"age": 30, "sex": "female"}])  # doctest: +SKIP
        """
        rows = [records] if isinstance(records, Mapping) else list(records)
        if not all(isinstance(r, Mapping) for r in rows):
            raise TypeError("transform_records expects a dict or a list of dicts (column name -> value).")
        self._check_fitted()
        frame = (
            pd.DataFrame.from_records(rows, columns=self.required_columns_)
            if rows
            else pd.DataFrame(columns=self.required_columns_)
        )
        absent = [c for c in self.required_columns_ if not any(c in r for r in rows)] if rows else []
        if absent:
            raise ValueError(
                f"The records are missing field(s) the model was trained on: {', '.join(map(repr, absent))}."
            )
        return self.transform(frame)

    def get_feature_names_out(self) -> np.ndarray:
        self._check_fitted()
        return np.array(self.feature_names_out_, dtype=object)

    # -------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The fitted state as plain JSON types (no pickle); ``Preprocessor.from_dict`` rebuilds it exactly."""
        self._check_fitted()
        return {
            "format": FORMAT,
            "kind": "twoclass.Preprocessor",
            "params": {
                "column_types": self.column_types,
                "text_max_features": self.text_max_features,
                "text_ngram_range": list(self.text_ngram_range),
                "text_method": self.text_method,
                "max_categories": self.max_categories,
            },
            "target": self.target_,
            "column_types": dict(self.column_types_),
            "reasons": dict(self.column_types_.reasons),
            "numeric": None if self._numeric is None else self._numeric.to_dict(),
            "categorical": [block.to_dict() for block in self._categorical],
            "text": [block.to_dict() for block in self._text],
            "feature_names_out": list(self.feature_names_out_),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preprocessor:
        """Rebuild a fitted Preprocessor from ``to_dict()`` output; a damaged or newer file raises ValueError."""
        if not isinstance(data, Mapping) or data.get("kind") != "twoclass.Preprocessor":
            raise ValueError(
                "The preprocessing data is not a twoclass Preprocessor (missing kind 'twoclass.Preprocessor')."
            )
        if data.get("format") != FORMAT:
            raise ValueError(
                f"The preprocessing data has format {data.get('format')!r}; this version of twoclass reads format "
                f"{FORMAT}. Upgrade twoclass or retrain the model."
            )
        try:
            params = dict(data["params"])
            params["text_ngram_range"] = tuple(params["text_ngram_range"])
            self = cls(params.pop("column_types"), **params)
            self._numeric = None if data["numeric"] is None else NumericBlock.from_dict(data["numeric"])
            self._categorical = [CategoricalBlock.from_dict(d) for d in data["categorical"]]
            self._text = [TextBlock.from_dict(d) for d in data["text"]]
            self._finish(ColumnTypes(data["column_types"], data["reasons"]), data["target"])
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"The preprocessing data is damaged: {type(error).__name__} {error}.") from None
        if self.feature_names_out_ != list(data["feature_names_out"]):
            raise ValueError("The preprocessing data is damaged: its feature names do not match its contents.")
        return self

    def __repr__(self) -> str:
        state = f"{self.n_features_out_} features" if hasattr(self, "column_types_") else "not fitted"
        return f"Preprocessor({state})"


def _checked_frame(df: Any, method: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Preprocessor.{method} expects a pandas DataFrame. Got {type(df).__name__} instead.")
    if df.columns.duplicated().any():
        twice = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"The data has duplicate column names: {', '.join(map(repr, twice))}. Rename them.")
    if not all(isinstance(c, str) for c in df.columns):
        # Names are JSON object keys in the model file, so they are strings from the start.
        df = df.set_axis([str(c) for c in df.columns], axis=1)
    return df
