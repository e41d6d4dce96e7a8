"""Argument checks shared by every face of twoclass.

One error template everywhere (scikit-learn's): name the argument, say what was expected, show what was received.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


class Description(str):
    """A description of what was received ("an array of shape (3, 2)"), shown as written, not quoted."""

    def __repr__(self) -> str:
        return str(self)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def invalid(name: str, owner: str, expected: str, got: Any, hint: str = "", *, kind: str = "parameter") -> ValueError:
    """Build the standard error for a parameter (or an argument, a column, a stored entry: ``kind``) that failed its
    constraint: "The 'epochs' parameter of fit must be an int >= 1. Got -3 instead."

    >>> str(invalid("value", "threshold", "a float in (0, 1)", 5.0, kind="entry"))
    "The 'value' entry of threshold must be a float in (0, 1). Got 5.0 instead."
    """
    message = f"The '{name}' {kind} of {owner} must be {expected}. Got {_shown(got)} instead."
    if hint:
        message += " " + hint
    return ValueError(message)


def stored_entry(record: Any, name: str, owner: str) -> Any:
    """The entry `name` of a stored record (a JSON object read from a model file), or the standard error: the record
    is not an object, or the entry is missing. `owner` says where the record sits ("preprocessing.numeric")."""
    if not isinstance(record, Mapping):
        parent, _, leaf = owner.rpartition(".")
        raise invalid(leaf, parent or "the record", "an object", record, kind="entry")
    if name not in record:
        raise missing(name, owner)
    return record[name]


def missing(name: str, owner: str, *, kind: str = "entry") -> ValueError:
    """The same template for something required that is absent.

    >>> str(missing("positive", "labels"))
    "The 'positive' entry of labels is missing."
    """
    return ValueError(f"The '{name}' {kind} of {owner} is missing.")


def check_int(value: Any, name: str, owner: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"The '{name}' parameter of {owner} must be an int. Got {_shown(value)} instead.")
    low_ok = minimum is None or value >= minimum
    high_ok = maximum is None or value <= maximum
    if not (low_ok and high_ok):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        expected = f"an int >= {minimum}" if maximum is None else f"an int in the range [{low}, {high}]"
        raise invalid(name, owner, expected, value)
    return int(value)


def check_float(
    value: Any,
    name: str,
    owner: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    include_minimum: bool = True,
    include_maximum: bool = True,
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"The '{name}' parameter of {owner} must be a float. Got {_shown(value)} instead.")
    value = float(value)
    if not np.isfinite(value):
        raise invalid(name, owner, "a finite float", value)
    too_low = minimum is not None and (value < minimum or (not include_minimum and value == minimum))
    too_high = maximum is not None and (value > maximum or (not include_maximum and value == maximum))
    if too_low or too_high:
        left = "[" if include_minimum and minimum is not None else "("
        right = "]" if include_maximum and maximum is not None else ")"
        low = "-inf" if minimum is None else f"{minimum:g}"
        high = "inf" if maximum is None else f"{maximum:g}"
        raise invalid(name, owner, f"a float in the range {left}{low}, {high}{right}", value)
    return value


def check_choice(value: Any, name: str, owner: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise invalid(name, owner, f"one of {listed}", value)
    return value


def check_bool(value: Any, name: str, owner: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The '{name}' parameter of {owner} must be a bool. Got {_shown(value)} instead.")
    return bool(value)


def unknown_name(kind: str, value: Any, valid: Iterable[str]) -> ValueError:
    listed = ", ".join(sorted(valid))
    return ValueError(f"Unknown {kind} {_shown(value)}. Valid names are: {listed}.")
