"""The two classes in the user's own labels: which one is positive, encoding to 0/1, decoding back, class weights.

Labels are kept as plain JSON scalars (str, int, float, bool) so the mapping is stored in the model file as JSON.
Matching a label tolerates the string/number mismatch a command line brings ('1' for 1, 'True' for True).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from twoclass.core.targets import balanced_class_weight

Label = str | int | float | bool

# Pairs that name their positive class without doubt, compared case-insensitively: (negative, positive).
_UNAMBIGUOUS = (
    ("0", "1"),
    ("false", "true"),
    ("no", "yes"),
    ("neg", "pos"),
    ("negative", "positive"),
)


def to_scalar(value: Any) -> Label:
    """Turn a NumPy/pandas scalar into the matching JSON-able Python scalar."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"A class label must be a str, int, float or bool. Got {value!r} of type {type(value).__name__}.")


def label_key(value: Any) -> str:
    """A loose key under which '1', 1 and 1.0 (or 'True' and True) meet; case and spaces kept apart from that."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return label_key(number) if math.isfinite(number) else text


def _strict_key(value: Any) -> str:
    return f"{type(to_scalar(value)).__name__}:{to_scalar(value)!r}"


def _shown_counts(counts: pd.Series, limit: int = 10) -> str:
    parts = [f"{to_scalar(v)!r} ({n} rows)" for v, n in counts.head(limit).items()]
    more = len(counts) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class LabelEncoding:
    """The user's two class labels; ``encode`` maps them to 0/1 and ``decode`` maps 0/1 (or bools) back.

    Example:
        >>> enc = LabelEncoding(negative="ham", positive="spam")
        >>> enc.encode(["spam", "ham"]).tolist()
        [1, 0]
        >>> enc.decode([0, 1]).tolist()
        ['ham', 'spam']
    """

    negative: Label
    positive: Label

    def __post_init__(self) -> None:
        object.__setattr__(self, "negative", to_scalar(self.negative))
        object.__setattr__(self, "positive", to_scalar(self.positive))
        if _strict_key(self.negative) == _strict_key(self.positive):
            raise ValueError(f"The negative and positive labels must differ. Got {self.negative!r} for both.")

    @property
    def classes(self) -> list[Label]:
        """``[negative, positive]``, the order of the codes 0 and 1."""
        return [self.negative, self.positive]

    def _key(self) -> Any:
        loose = label_key(self.negative) != label_key(self.positive)
        return label_key if loose else _strict_key

    def encode(self, values: Any) -> np.ndarray:
        """Map user labels to int32 codes (negative -> 0, positive -> 1); unknown or missing labels raise ValueError."""
        series = pd.Series(np.asarray(values, dtype=object).ravel() if not isinstance(values, pd.Series) else values)
        missing = int(series.isna().sum())
        if missing:
            raise ValueError(f"The labels contain {missing} missing value(s). Remove those rows or fill them.")
        key = self._key()
        table = {key(self.negative): 0, key(self.positive): 1}
        codes = series.map(lambda v: table.get(key(v), -1)).to_numpy(dtype=np.int32)
        if (codes < 0).any():
            unknown = series[codes < 0].value_counts()
            raise ValueError(
                f"Unknown class label(s): {_shown_counts(unknown)}. "
                f"Expected {self.negative!r} (negative) or {self.positive!r} (positive)."
            )
        return codes

    def decode(self, codes: Any) -> np.ndarray:
        """Map 0/1 codes or booleans back to the user's labels (bool, int or float dtype when both labels share it)."""
        array = np.asarray(codes)
        if array.dtype != bool:
            if not np.isin(array, (0, 1)).all():
                raise ValueError("decode expects 0/1 codes or booleans. Got values other than 0 and 1.")
            array = array.astype(bool)
        both = (type(self.negative), type(self.positive))
        dtype = {(bool, bool): bool, (int, int): np.int64}.get(both)
        if dtype is None and all(t in (int, float) for t in both):
            dtype = np.float64
        table = np.array(self.classes, dtype=dtype or object)
        return table[array.astype(np.int64)]

    def to_dict(self) -> dict[str, Label]:
        return {"negative": self.negative, "positive": self.positive}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelEncoding:
        if not isinstance(data, Mapping) or not {"negative", "positive"} <= set(data):
            raise ValueError(f"A label encoding needs the keys 'negative' and 'positive'. Got {data!r} instead.")
        return cls(negative=data["negative"], positive=data["positive"])


def _find(value: Any, candidates: list[Label]) -> Label | None:
    for key in (_strict_key, label_key, lambda v: label_key(v).lower()):
        matches = [c for c in candidates if key(c) == key(value)]
        if len(matches) == 1:
            return matches[0]
    return None


def infer_labels(y: Any, positive: Any = None, *, name: str = "target") -> LabelEncoding:
    """Find the two classes in ``y`` and which one is positive.

    Without ``positive`` the choice is made only for an unambiguous pair (0/1, False/True, no/yes, neg/pos,
    negative/positive, any case); anything else raises a ValueError asking for ``positive=``.

    Example:
        >>> infer_labels(["yes", "no", "yes"])
        LabelEncoding(negative='no', positive='yes')
    """
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y, dtype=object).ravel())
    missing = series.isna().to_numpy()
    if missing.any():
        rows = ", ".join(str(i) for i in np.flatnonzero(missing)[:5])
        raise ValueError(
            f"The target column '{name}' has {int(missing.sum())} missing value(s) (rows {rows}"
            f"{', ...' if missing.sum() > 5 else ''}). Remove those rows or fill them."
        )
    counts = series.value_counts()
    if len(counts) != 2:
        what = "no values" if len(counts) == 0 else f"{len(counts)} class(es): {_shown_counts(counts)}"
        raise ValueError(f"The target column '{name}' must have exactly two classes. Found {what}.")
    values = sorted((to_scalar(v) for v in counts.index), key=label_key)
    if positive is not None:
        found = _find(positive, values)
        if found is None:
            raise ValueError(
                f"The 'positive' parameter must be one of the target values {values[0]!r}, {values[1]!r}. "
                f"Got {positive!r} instead."
            )
        other = values[1 - values.index(found)]
        return LabelEncoding(negative=other, positive=found)
    keys = [label_key(v).lower() for v in values]
    for negative, positive_key in _UNAMBIGUOUS:
        if sorted(keys) == sorted([negative, positive_key]):
            pos = values[keys.index(positive_key)]
            neg = values[keys.index(negative)]
            return LabelEncoding(negative=neg, positive=pos)
    minority = to_scalar(counts.index[-1])
    raise ValueError(
        f"Cannot tell which class of '{name}' is positive: found {_shown_counts(counts)}. "
        f"Pass positive= with one of them (for example positive={minority!r})."
    )


def _weight(value: Any, key: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"A class weight must be a finite number > 0. Got {value!r} for class {key!r}.")
    return float(value)


def _weights_from_mapping(weights: Mapping[Any, Any], encoding: LabelEncoding | None) -> dict[int, float]:
    keys = list(weights)
    if encoding is not None and all(_find(k, encoding.classes) is not None for k in keys):
        codes = [encoding.classes.index(_find(k, encoding.classes)) for k in keys]
    elif all(not isinstance(k, bool) and label_key(k) in ("0", "1") for k in keys):
        codes = [int(label_key(k)) for k in keys]
    else:
        valid = "0, 1" + (f", {encoding.negative!r}, {encoding.positive!r}" if encoding else "")
        raise ValueError(f"The keys of class_weight must be among {valid}. Got {keys!r} instead.")
    if len(set(codes)) != len(codes):
        raise ValueError(f"The keys of class_weight name the same class twice. Got {keys!r}.")
    result = {0: 1.0, 1: 1.0}
    for key, code in zip(keys, codes):
        result[code] = _weight(weights[key], key)
    return result


def compute_class_weight(
    y01: Any, class_weight: str | Mapping[Any, Any] | None, encoding: LabelEncoding | None = None
) -> dict[int, float] | None:
    """Class weights keyed by code 0/1: ``'balanced'`` (n / (2 * count), scikit-learn's formula), a dict keyed by
    0/1 or by the user's labels (translated through ``encoding``), or None. Classes a dict leaves out weigh 1.

    Example:
        >>> compute_class_weight([0, 0, 0, 1], "balanced")
        {0: 0.6666666666666666, 1: 2.0}
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, Mapping):
        return _weights_from_mapping(class_weight, encoding)
    if not (isinstance(class_weight, str) and class_weight == "balanced"):
        raise ValueError(
            f"The 'class_weight' parameter must be 'balanced', a dict or None. Got {class_weight!r} instead."
        )
    return balanced_class_weight(y01, "compute_class_weight")
