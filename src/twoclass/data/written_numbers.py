"""Numbers as people write them in files: plain, with thousands separators ('12,345'), with decimal commas ('3,5'),
and columns of numbers with a few words in them ('unknown', 'n/a').

`number_format` recognises the written form of a column; `parse_numbers` reads a column in a known form and says which
values were not numbers (they become missing values: the caller announces them, naming the column and the words).
Values beyond float32's range (the network computes in float32) are refused by name: they cannot be used as they are.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

FORMATS = ("plain", "thousands", "decimal_comma")
FLOAT32_MAX = float(np.finfo(np.float32).max)
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
MAX_WORDS = 3  # distinct non-numbers a numeric column may hold ('unknown', '?', 'n/a')
MIN_NUMBER_SHARE = 0.5  # of the non-missing values


class Parsed(NamedTuple):
    values: np.ndarray  # float64, NaN where missing or not a number
    words: pd.Series  # the non-missing values that were not numbers (original text), by row


def _texts(column: pd.Series) -> pd.Series:
    """The non-missing values as stripped strings (empty strings count as missing)."""
    texts = column.dropna().astype(str).str.strip()
    return texts[texts != ""]


def number_format(column: pd.Series) -> str | None:
    """'thousands' or 'decimal_comma' when every value of a text column is a number written that way (and at least
    one uses the separator); None otherwise. '1,234' is read as thousands: the more common reading.

    >>> number_format(pd.Series(["1,234", "56", "7,890.5"]))
    'thousands'
    >>> number_format(pd.Series(["3,5", "12,25", "7"]))
    'decimal_comma'
    """
    texts = _texts(column)
    if texts.empty:
        return None
    plain = texts.str.match(_PLAIN)
    thousands = texts.str.match(_THOUSANDS)
    if thousands.any() and (plain | thousands).all():
        return "thousands"
    comma = texts.str.match(_DECIMAL_COMMA)
    if comma.any() and (texts.str.match(_INTEGER) | comma).all():
        return "decimal_comma"
    return None


def _normalised(texts: pd.Series, fmt: str) -> pd.Series:
    if fmt == "thousands":
        return texts.str.replace(",", "", regex=False)
    if fmt == "decimal_comma":
        return texts.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return texts


def parse_numbers(column: pd.Series, fmt: str = "plain") -> Parsed:
    """The column as float64 in the written form ``fmt``; values that are not numbers become NaN and are returned
    in ``words``.

    >>> parsed = parse_numbers(pd.Series(["12", "unknown", None, "3.5"]))
    >>> parsed.values.tolist()[1:3], parsed.words.tolist()
    ([nan, nan], ['unknown'])
    """
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = column.to_numpy(dtype=np.float64)
        return Parsed(values, pd.Series([], dtype=object))
    raw = column.astype(object)
    present = raw.map(
        lambda v: (
            not (
                v is None
                or v is pd.NA
                or (isinstance(v, float) and np.isnan(v))
                or (isinstance(v, str) and not v.strip())
            )
        )
    )
    texts = raw[present].map(lambda v: v.strip() if isinstance(v, str) else v)
    if fmt != "plain":
        as_text = texts.map(lambda v: v if isinstance(v, str) else str(v))
        texts = _normalised(as_text, fmt)
    converted = pd.to_numeric(texts, errors="coerce")
    values = np.full(len(column), np.nan)
    values[present.to_numpy()] = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    words = raw[present][converted.isna().to_numpy()]
    return Parsed(values, words)


def check_range(values: np.ndarray, name: str) -> None:
    """Refuse infinite values and values beyond float32's range, naming the column."""
    finite = values[~np.isnan(values)]
    if np.isinf(finite).any():
        raise ValueError(f"Column '{name}' contains infinite values. Replace them with numbers or leave them empty.")
    if finite.size and np.abs(finite).max() > FLOAT32_MAX:
        raise ValueError(
            f"Column '{name}' holds a value too large to use ({np.abs(finite).max():.3g}; the network "
            f"computes in float32, whose largest value is {FLOAT32_MAX:.3g}). Rescale the column "
            "(for example divide it by a power of ten) or leave those values empty."
        )


def looks_numeric_with_words(column: pd.Series) -> tuple[pd.Series, int] | None:
    """For a text column that is mostly numbers: (the distinct words, how many rows hold them); else None."""
    texts = _texts(column)
    if texts.empty:
        return None
    converted = pd.to_numeric(texts, errors="coerce")
    words = texts[converted.isna()]
    distinct = pd.unique(words)
    numbers = len(texts) - len(words)
    if len(words) == 0 or numbers < MIN_NUMBER_SHARE * len(texts) or len(distinct) > MAX_WORDS or numbers < 2:
        return None
    return pd.Series(distinct, dtype=object), len(words)


def shown_words(words: Any, limit: int = 3) -> str:
    distinct = list(dict.fromkeys(str(w) for w in words))
    return ", ".join(repr(w) for w in distinct[:limit]) + (", ..." if len(distinct) > limit else "")
