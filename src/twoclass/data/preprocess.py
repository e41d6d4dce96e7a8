"""The fitted preprocessing that is part of a model: a DataFrame in, a float32 feature matrix out, JSON to store it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse as scipy_sparse
from sklearn.exceptions import NotFittedError

from twoclass.core.validation import check_choice, check_int, invalid
from twoclass.data import stored
from twoclass.data.blocks import CategoricalBlock, NumericBlock, TextBlock
from twoclass.data.columns import KINDS, ColumnTypes, infer_column_types
from twoclass.data.guesses import copies_target
from twoclass.data.written_numbers import shown_words

FORMAT = 1
# 'binned+standard': the binned encoding and the standardised columns side by side, for the recipe's two views
NUMERIC_ENCODINGS = ("standard", "robust", "binned", "binned+standard")
_OWNER = "Preprocessor"


class FeatureViews(NamedTuple):
    """The output features of each view of numeric_encoding 'binned+standard' (`Preprocessor.view_features`)."""

    binned: list[int]
    standard: list[int]


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


def drop_target_copies(
    frame: pd.DataFrame,
    types: ColumnTypes,
    y: Any,
    target: str | None,
    given: Mapping[str, str],
    rows: str = "the rows",
) -> None:
    """Leave out (and announce) columns that pair one-to-one with the labels: the target under another name. The
    user's own kinds (`given`) are kept; `rows` says which rows were compared (streaming sees the first chunk)."""
    named = "the target" + (f" {target!r}" if target else "")
    for name in list(types):
        if types[name] in ("drop", "id") or name in given:
            continue
        agreement = copies_target(frame[name], y)
        if agreement is None:
            continue
        types[name] = "drop"
        types.notes.pop(name, None)
        types.reasons[name] = (
            f"it matches {named} on {agreement:.1%} of {rows} (a copy of the target under another name would make "
            f"every prediction look perfect); give its kind in column_types (--numeric or --categorical) to use it "
            f"anyway"
        )


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
        numeric_encoding: str = "standard",
    ) -> None:
        self.column_types = _check_column_types(column_types)
        # 'robust' / 'binned': robust scaling with smooth clipping (and tree-chosen piecewise-linear bins), the
        # estimator's recipe (data/numeric.py); 'standard' keeps standardisation, what Keras-style users expect
        self.numeric_encoding = check_choice(numeric_encoding, "numeric_encoding", _OWNER, NUMERIC_ENCODINGS)
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

    def fit(
        self, df: pd.DataFrame, *, target: str | None = None, y: Any = None, target_name: str | None = None
    ) -> Preprocessor:
        """Learn column kinds (unless given), medians, scales, categories and vocabularies from training rows.

        With ``y`` (the labels of df's rows; ``target_name`` says what the target is called), a column that is a copy
        of the target under another name is left out, with a notice (pass its kind in column_types to keep it).
        """
        df = _checked_frame(df, "fit")
        target = target if target is None or isinstance(target, str) else str(target)
        if len(df) == 0:
            raise ValueError("Preprocessor.fit needs at least one row. Got an empty DataFrame.")
        types = self._types(df, target)
        if y is not None:
            drop_target_copies(df, types, y, target_name or target, self.column_types or {})
        numeric = types.columns("numeric")
        self._numeric = (
            NumericBlock.fit(df, numeric, types.formats, encoding=self.numeric_encoding, y=y) if numeric else None
        )
        for name, words in ({} if self._numeric is None else self._numeric.last_words).items():
            types.notes.setdefault(
                name,
                f"numbers, except for {len(words)} value(s) {shown_words(words)}: read as "
                "numbers with those values missing",
            )
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
        self.last_non_numbers_: dict[str, pd.Series] = {}  # column -> values that were not numbers (read as missing)

    def view_features(self) -> FeatureViews | None:
        """With numeric_encoding 'binned+standard': the output features each of the recipe's two views reads (the
        binned encoding, or the standardised copy, each with the indicators, categories and text); None otherwise.

        Example:
            >>> p = Preprocessor(numeric_encoding="binned+standard").fit(pd.DataFrame({"a": [1.0, 2.0]}))
            >>> p.feature_names_out_, p.view_features()
            (['a', 'a:standard'], FeatureViews(binned=[0], standard=[1]))
        """
        self._check_fitted()
        block = self._numeric
        if block is None or not block.standard_copy:
            return None
        encoded, copies = block.encoded_width, len(block.columns)
        rest = list(range(encoded + copies, self.n_features_out_))
        return FeatureViews(list(range(encoded)) + rest, list(range(encoded, encoded + copies)) + rest)

    # ----------------------------------------------------------- transform
    @property
    def required_columns_(self) -> list[str]:
        """The input columns transform needs (in the order they were seen in training)."""
        self._check_fitted()
        return [n for n, k in self.column_types_.items() if k in ("numeric", "categorical", "text")]

    def _check_fitted(self) -> None:
        if not hasattr(self, "column_types_"):
            raise NotFittedError("This Preprocessor is not fitted yet. Call fit(df) first.")

    def transform(self, df: pd.DataFrame, *, sparse: bool = False) -> np.ndarray:
        """The float32 feature matrix (n_rows, n_features_out_). Extra columns are ignored; missing ones raise.

        With ``sparse=True`` it is a scipy CSR matrix: TF-IDF text stays sparse (20,000 dense columns of 67,000 rows
        would take 5 GB), for the estimator's sparse first layer."""
        self._check_fitted()
        df = _checked_frame(df, "transform")
        absent = [c for c in self.required_columns_ if c not in df.columns]
        if absent:
            raise ValueError(f"The data is missing column(s) the model was trained on: {', '.join(map(repr, absent))}.")
        out = np.zeros((len(df), 0 if sparse else self.n_features_out_), dtype=np.float32)
        pieces: list = []  # the blocks in order, when sparse
        self.last_unseen_counts_ = {}
        self.last_non_numbers_ = {}
        if len(df) == 0:
            return scipy_sparse.csr_matrix((0, self.n_features_out_), dtype=np.float32) if sparse else out
        start = 0
        if self._numeric is not None:
            block = self._numeric.transform(df)
            if sparse:
                pieces.append(scipy_sparse.csr_matrix(block.astype(np.float32)))
            else:
                out[:, : block.shape[1]] = block
            start = block.shape[1]
            self.last_non_numbers_ = dict(self._numeric.last_words)
        if self.last_non_numbers_:
            found = "; ".join(
                f"'{c}': {len(w)} row(s), e.g. {shown_words(w)}" for c, w in self.last_non_numbers_.items()
            )
            warnings.warn(
                f"Values that are not numbers in numeric columns (read as missing): {found}.", UserWarning, stacklevel=2
            )
        unseen: list[str] = []
        for cat in self._categorical:
            matrix, count, examples = cat.transform(df)
            if sparse:
                pieces.append(matrix)
            else:
                out[:, start : start + matrix.shape[1]] = matrix.toarray()
            start += matrix.shape[1]
            if count:
                self.last_unseen_counts_[cat.column] = count
                shown = ", ".join(repr(e) for e in examples)
                unseen.append(f"'{cat.column}': {count} row(s), e.g. {shown}")
        for text in self._text:
            matrix = text.transform(df)
            if sparse:
                pieces.append(matrix)
            else:
                out[:, start : start + matrix.shape[1]] = matrix.toarray()
            start += matrix.shape[1]
        if unseen:
            warnings.warn(
                "Categories not seen in training (encoded as all zeros): " + "; ".join(unseen) + ".",
                UserWarning,
                stacklevel=2,
            )
        if sparse:
            return scipy_sparse.hstack(pieces, format="csr", dtype=np.float32)
        return out

    def fit_transform(
        self,
        df: pd.DataFrame,
        *,
        target: str | None = None,
        y: Any = None,
        target_name: str | None = None,
        sparse: bool = False,
    ) -> np.ndarray:
        self.fit(df, target=target, y=y, target_name=target_name)
        with warnings.catch_warnings():  # the words were announced by fit, as notices
            warnings.filterwarnings("ignore", message="Values that are not numbers")
            return self.transform(df, sparse=sparse)

    def transform_records(self, records: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Transform rows given as dicts (one dict, or a list of them), as a server receives them.

        Example:
            >>> p.transform_records([{"age": 30, "sex": "female"}])  # doctest: +SKIP
        """
        rows = [records] if isinstance(records, Mapping) else list(records)
        if not all(isinstance(r, Mapping) for r in rows):
            raise TypeError("transform_records expects a dict or a list of dicts (column name -> value).")
        self._check_fitted()
        known = set(self.column_types_) | ({self.target_} if self.target_ else set())
        for number, row in enumerate(rows):  # a misspelt field is refused, as it would be in a record alone
            unknown = [str(k) for k in row if k not in known]
            if unknown:
                listed = ", ".join(repr(c) for c in list(self.column_types_)[:20])
                raise ValueError(
                    f"Record {number} has field(s) the model does not know: "
                    f"{', '.join(map(repr, unknown))}. The model's fields are: {listed}."
                )
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
                # only when not standard: records written before the option stay as they were
                **({} if self.numeric_encoding == "standard" else {"numeric_encoding": self.numeric_encoding}),
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
        """Rebuild a fitted Preprocessor from ``to_dict()`` output; a damaged or newer record raises a ValueError that
        names the entry (see `twoclass.data.stored`)."""
        owner = "preprocessing"
        if stored.get(data, "kind", owner) != "twoclass.Preprocessor":
            raise invalid("kind", owner, "'twoclass.Preprocessor'", data["kind"], kind="entry")
        if stored.get(data, "format", owner) != FORMAT:
            raise invalid(
                "format", owner, f"{FORMAT} (newer formats need a newer twoclass)", data["format"], kind="entry"
            )
        params = dict(stored.get(data, "params", owner))
        try:
            params["text_ngram_range"] = tuple(stored.get(params, "text_ngram_range", f"{owner}.params"))
            self = cls(
                stored.get(params, "column_types", f"{owner}.params"),
                **{k: v for k, v in params.items() if k != "column_types"},
            )
        except (TypeError, ValueError) as error:
            raise invalid(
                "params", owner, "the parameters of a Preprocessor", params, kind="entry", hint=f"({error})"
            ) from None
        numeric = stored.get(data, "numeric", owner)
        self._numeric = None if numeric is None else NumericBlock.from_dict(numeric, f"{owner}.numeric")
        self._categorical = [
            CategoricalBlock.from_dict(d, f"{owner}.categorical[{i}]")
            for i, d in enumerate(_list(data, "categorical", owner))
        ]
        self._text = [TextBlock.from_dict(d, f"{owner}.text[{i}]") for i, d in enumerate(_list(data, "text", owner))]
        kinds, reasons = stored.get(data, "column_types", owner), stored.get(data, "reasons", owner)
        if not isinstance(kinds, Mapping) or not all(k in KINDS for k in kinds.values()):
            raise invalid("column_types", owner, f"an object mapping columns to one of {KINDS}", kinds, kind="entry")
        if not isinstance(reasons, Mapping):
            raise invalid("reasons", owner, "an object", reasons, kind="entry")
        target = stored.get(data, "target", owner)
        if target is not None and not isinstance(target, str):
            raise invalid("target", owner, "a string or null", target, kind="entry")
        self._finish(ColumnTypes(dict(kinds), dict(reasons)), target)
        used = [n for n, k in kinds.items() if k in ("numeric", "categorical", "text")]
        blocks = ([] if self._numeric is None else self._numeric.columns) + [b.column for b in self._categorical]
        if sorted(used) != sorted(blocks + [b.column for b in self._text]):
            raise invalid("column_types", owner, f"the columns its blocks encode ({blocks})", kinds, kind="entry")
        if self.feature_names_out_ != stored.get(data, "feature_names_out", owner):
            raise invalid(
                "feature_names_out", owner, "the names its blocks give", data["feature_names_out"], kind="entry"
            )
        return self

    def __repr__(self) -> str:
        state = f"{self.n_features_out_} features" if hasattr(self, "column_types_") else "not fitted"
        return f"Preprocessor({state})"


def _list(data: Mapping[str, Any], key: str, owner: str) -> list:
    value = stored.get(data, key, owner)
    if not isinstance(value, list):
        raise invalid(key, owner, "a list", value, kind="entry")
    return value


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
