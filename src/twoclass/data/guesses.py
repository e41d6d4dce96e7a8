"""Guesses about columns that must be announced, never made silently: dates written as text, a copy of the target
under another name, and column names that differ only in case or spaces.

Each function only recognises; `twoclass.data.columns` and `twoclass.data.preprocess` decide what to do and say it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TIME = r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?)?(Z|[+-]\d{2}:?\d{2})?"
_DATE_PATTERNS = [
    re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}" + _TIME + "$"),  # 2021-03-04, 2021/03/04 12:30
    re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2})" + _TIME + "$"),  # 04/03/2021, 4.3.21
    re.compile(r"^\d{1,2}(st|nd|rd|th)?[ -]([A-Za-z]{3,9})\.?,?[ -]\d{2,4}$"),  # 4 Mar 2021, 04-Mar-2021
    re.compile(r"^([A-Za-z]{3,9})\.? \d{1,2}(st|nd|rd|th)?,? \d{4}$"),  # March 4, 2021
]
DATE_SHARE = 0.95  # of the non-missing values
LEAK_AGREEMENT = 0.99  # share of rows where a two-valued column and the target pair up one-to-one
LEAK_MIN_ROWS = 10


def _is_date_text(text: str) -> bool:
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            words = re.findall(r"[A-Za-z]{3,}", text)
            return all(w[:3].lower() in _MONTHS or w.lower() in ("am", "pm") for w in words)
    return False


def date_example(column: pd.Series) -> str | None:
    """An example value when (nearly) every non-missing value of a text column is a date in a common format.

    >>> date_example(pd.Series(["2021-03-04", "2020-12-31", None]))
    '2021-03-04'
    >>> date_example(pd.Series(["12", "13"])) is None
    True
    """
    texts = column.dropna()
    texts = texts[texts.map(lambda v: isinstance(v, str))].str.strip()
    if len(texts) == 0 or len(texts) < DATE_SHARE * column.notna().sum():
        return None
    matches = texts.map(_is_date_text)
    if matches.mean() < DATE_SHARE:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(texts[matches], errors="coerce", format="mixed")
    if parsed.notna().mean() < DATE_SHARE:
        return None
    return str(texts[matches].iloc[0])


def _codes(values: pd.Series) -> pd.Series:
    from twoclass.data.columns import category_text

    return values.map(category_text)


def copies_target(column: pd.Series, y: Any) -> float | None:
    """The share of rows on which a column with two distinct values pairs one-to-one with the two labels of ``y``
    (its best pairing), when that share is at least LEAK_AGREEMENT; else None.

    >>> copies_target(pd.Series(["a", "b", "a", "b"] * 5), [0, 1, 0, 1] * 5)
    1.0
    """
    labels = pd.Series(np.asarray(y, dtype=object), index=column.index)
    if len(column) < LEAK_MIN_ROWS:
        return None
    codes = _codes(column)
    present = codes.notna()
    if present.sum() < LEAK_MIN_ROWS or codes[present].nunique() != 2:
        return None
    values = sorted(codes[present].unique())
    classes = sorted(pd.unique(labels[present].map(str)))
    if len(classes) != 2:
        return None
    text_labels = labels.map(str)
    straight = ((codes == values[0]) & (text_labels == classes[0])) | (
        (codes == values[1]) & (text_labels == classes[1])
    )
    agreement = max(straight.sum(), (present & ~straight).sum()) / len(column)
    return float(agreement) if agreement >= LEAK_AGREEMENT else None


def near_duplicate_names(names: Iterable[Any]) -> list[list[str]]:
    """Groups of column names that differ only in case or spaces ('Age', 'age ', ' AGE').

    >>> near_duplicate_names(["Age", "age ", "Fare"])
    [['Age', 'age ']]
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        key = re.sub(r"\s+", "", str(name)).lower()
        groups.setdefault(key, []).append(str(name))
    return [group for group in groups.values() if len(group) > 1]
