"""Deciding what each column is: numeric, categorical, free text, an identifier, or something to drop.

The rules are heuristics tuned on the kinds of files practitioners bring (Titanic's PassengerId, Name and Ticket are
identifiers; an SMS or a review is text; 'workclass' is a category). Every guess can be overridden, and every column
left out gets a reason the model prints as a notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from twoclass.data.guesses import date_example, near_duplicate_names
from twoclass.data.written_numbers import looks_numeric_with_words, number_format, parse_numbers, shown_words

KINDS = ("numeric", "categorical", "text", "id", "drop")
MIN_ROWS_FOR_ID = 10  # below this, 'unique per row' says nothing
TEXT_MIN_MEAN_LENGTH = 40  # Titanic names run 27-31 characters on average and are not text
TEXT_MIN_MEAN_WORDS = 6
ID_UNIQUE_RATIO = 0.95
HIGH_CARDINALITY = 100  # above this many levels, mostly-singleton strings are identifiers (Titanic's Ticket)
SINGLETON_SHARE = 0.5

_ID_NAME = re.compile(
    r"^(id|key|index|uuid|guid|unnamed: ?\d+|row_?(id|num|number)?)$|[_\s.-](id|key|uuid)$|[a-z]I[dD]$",
)


class ColumnTypes(dict):
    """A ``dict`` column name -> kind, plus ``reasons`` (why each 'id' or 'drop' column is left out), ``notes``
    (guesses made about a used column, announced: numbers with thousands separators, a few words among numbers)
    and ``formats`` (how a numeric column's numbers are written, where not plain: 'thousands', 'decimal_comma')."""

    def __init__(
        self,
        kinds: dict[str, str] | None = None,
        reasons: dict[str, str] | None = None,
        notes: dict[str, str] | None = None,
        formats: dict[str, str] | None = None,
    ) -> None:
        super().__init__(kinds or {})
        self.reasons: dict[str, str] = dict(reasons or {})
        self.notes: dict[str, str] = dict(notes or {})
        self.formats: dict[str, str] = dict(formats or {})

    def columns(self, kind: str) -> list[str]:
        return [name for name, k in self.items() if k == kind]

    def notices(self) -> list[str]:
        used = [f"Column '{name}': {note}." for name, note in self.notes.items()]
        return used + [f"Column '{name}' is not used: {reason}." for name, reason in self.reasons.items()]


class Guess(NamedTuple):
    """What one column is taken to be, and what must be said about it."""

    kind: str
    reason: str = ""  # why an 'id' or 'drop' column is left out
    note: str = ""  # a guess about a used column, announced
    number_format: str = "plain"


def looks_like_id_name(name: Any) -> bool:
    """True for names such as 'id', 'user_id', 'PassengerId', 'Unnamed: 0'."""
    text = str(name).strip()
    return bool(_ID_NAME.search(text.lower()) or _ID_NAME.search(text))


def _shown(value: Any) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _numeric_kind(name: str, values: pd.Series, n_rows: int) -> tuple[str, str]:
    integer = pd.api.types.is_integer_dtype(values.dtype)
    unique_per_row = values.nunique() == n_rows and n_rows >= MIN_ROWS_FOR_ID
    if integer and unique_per_row:
        if looks_like_id_name(name):
            return "id", "a unique integer per row with an identifier-like name"
        steps = np.diff(values.to_numpy(dtype=np.int64))
        if len(steps) and (steps == 1).all():
            return "id", "a unique integer per row counting up by one (a row number)"
    return "numeric", ""


def _string_kind(values: pd.Series, n_rows: int, max_categories: int) -> tuple[str, str]:
    texts = values.dropna().astype(str)
    counts = texts.value_counts()
    n_unique = len(counts)
    mean_length = float(texts.str.len().mean())
    mean_words = float(texts.str.split().str.len().mean())
    varied = n_unique >= 0.5 * len(texts) or n_unique > max_categories
    if varied and (mean_length >= TEXT_MIN_MEAN_LENGTH or mean_words >= TEXT_MIN_MEAN_WORDS):
        return "text", ""
    if n_rows >= MIN_ROWS_FOR_ID and n_unique >= ID_UNIQUE_RATIO * n_rows:
        return "id", f"short strings, {n_unique} distinct in {n_rows} rows (an identifier or name)"
    singletons = int((counts == 1).sum())
    if n_unique > HIGH_CARDINALITY and singletons >= SINGLETON_SHARE * n_rows:
        return "id", f"{n_unique} distinct short strings, {singletons} of {n_rows} rows unique (identifier-like)"
    return "categorical", ""


def infer_kind(name: str, column: pd.Series, max_categories: int = 100) -> tuple[str, str]:
    """The kind of one column and, for 'id' or 'drop', the reason."""
    guess = guess_kind(name, column, max_categories)
    return guess.kind, guess.reason


def guess_kind(name: str, column: pd.Series, max_categories: int = 100) -> Guess:
    """The kind of one column, with the reason it is left out or the guess to announce (see ColumnTypes)."""
    n_rows = len(column)
    if column.nunique(dropna=False) <= 1:
        shown = "missing" if column.isna().all() else _shown(column.iloc[0])
        return Guess("drop", f"constant (every row is {shown})")
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return Guess("categorical")
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return Guess("drop", "dates and times are not supported as features; turn them into numbers first")
    if pd.api.types.is_numeric_dtype(dtype):
        return Guess(*_numeric_kind(name, column, n_rows))
    non_missing = column.dropna()
    if len(non_missing) and non_missing.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return Guess("categorical")
    as_numbers = pd.to_numeric(non_missing, errors="coerce")
    if len(non_missing) and as_numbers.notna().all():
        return Guess(*_numeric_kind(name, as_numbers, n_rows))
    return _written_kind(name, column, n_rows) or Guess(*_string_kind(column, n_rows, max_categories))


def _written_kind(name: str, column: pd.Series, n_rows: int) -> Guess | None:
    """Numbers written with separators, dates, numbers with a few words: each guess is announced."""
    fmt = number_format(column)
    if fmt is not None:
        example = str(column.dropna().astype(str).str.strip().loc[lambda t: t.str.contains(",")].iloc[0])
        how = "thousands separators" if fmt == "thousands" else "decimal commas"
        kind, reason = _numeric_kind(name, pd.Series(parse_numbers(column, fmt).values), n_rows)
        return Guess(kind, reason, f"numbers written with {how} (e.g. {example!r}), read as numbers", fmt)
    example = date_example(column)
    if example is not None:
        return Guess(
            "drop",
            f"it holds dates (e.g. {example!r}), which are not used as features; turn them into "
            "numbers (for example days since a start date) to use them",
        )
    found = looks_numeric_with_words(column)
    if found is not None:
        words, rows = found
        return Guess(
            "numeric",
            note=f"numbers, except for {rows} value(s) {shown_words(words)}: read as numbers with "
            f"those values missing (pass categorical=['{name}'] to treat it as categories)",
        )
    return None


def _names(value: Iterable[str] | str, argument: str, df: pd.DataFrame) -> list[str]:
    names = [value] if isinstance(value, str) else list(value)
    unknown = [n for n in names if n not in df.columns]
    if unknown:
        listed = ", ".join(repr(str(c)) for c in list(df.columns)[:20])
        raise ValueError(
            f"The '{argument}' parameter names column(s) not in the data: {', '.join(map(repr, unknown))}. "
            f"The columns are: {listed}."
        )
    return names


def infer_column_types(
    df: pd.DataFrame,
    *,
    target: str | None = None,
    text: Iterable[str] = (),
    categorical: Iterable[str] = (),
    numeric: Iterable[str] = (),
    drop: Iterable[str] = (),
    max_categories: int = 100,
) -> ColumnTypes:
    """Kind of every column except ``target``: 'numeric', 'categorical', 'text', 'id' or 'drop'. Overrides win.

    The result is a dict; its ``reasons`` attribute says why each 'id' or 'drop' column is left out.

    Example:
        >>> df = pd.DataFrame({"age": [22.0, 38.0], "sex": ["male", "female"]})
        >>> dict(infer_column_types(df))
        {'age': 'numeric', 'sex': 'categorical'}
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"infer_column_types expects a pandas DataFrame. Got {type(df).__name__} instead.")
    if target is not None and target not in df.columns:
        _names([target], "target", df)
    overrides: dict[str, str] = {}
    for kind, value in (("text", text), ("categorical", categorical), ("numeric", numeric), ("drop", drop)):
        for name in _names(value, kind, df):
            if name in overrides and overrides[name] != kind:
                raise ValueError(f"Column '{name}' is given two kinds: '{overrides[name]}' and '{kind}'.")
            overrides[name] = kind
    if target is not None and target in overrides:
        raise ValueError(f"Column '{target}' is the target; it cannot also be given as a '{overrides[target]}' column.")
    result = ColumnTypes()
    for name in df.columns:
        if name == target:
            continue
        if name in overrides:
            result[name] = overrides[name]
            if overrides[name] == "drop":
                result.reasons[name] = "dropped as requested"
            elif overrides[name] == "numeric" and not pd.api.types.is_numeric_dtype(df[name].dtype):
                fmt = number_format(df[name])
                if fmt is not None:
                    result.formats[name] = fmt
            continue
        guess = guess_kind(name, df[name], max_categories)
        result[name] = guess.kind
        if guess.number_format != "plain":
            result.formats[name] = guess.number_format
        if guess.note:
            result.notes[name] = guess.note
        if guess.kind in ("id", "drop"):
            reason = guess.reason
            if guess.kind == "id":
                numeric_column = pd.api.types.is_numeric_dtype(df[name].dtype) or guess.number_format != "plain"
                options = f"numeric=['{name}']" if numeric_column else f"categorical=['{name}'] or text=['{name}']"
                reason += f"; pass {options} to use it"
            result.reasons[name] = reason
    for group in near_duplicate_names(n for n in df.columns if n != target):
        names = " and ".join(repr(n) for n in group)
        result.notes.setdefault(
            group[0],
            f"{names} differ only in case or spaces; each is used as a separate "
            "column (rename or drop one if they are the same)",
        )
    return result


def category_text(value: Any) -> str | None:
    """The string a category value is encoded under, the same whether it came from a CSV, a record or a float column
    (3, 3.0 and '3' all become '3'); None for missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    return text if text else None
