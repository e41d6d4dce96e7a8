"""Reading the entries of a stored preprocessing record with every value checked: present, of the right type, in
range. Errors use the one template of `twoclass.core.validation`, naming the entry and where it sits
("The 'scale' entry of preprocessing.numeric must be a list of 2 finite floats > 0. Got [0.0, 1.0] instead.").
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from twoclass.core.validation import invalid, stored_entry

get = stored_entry  # the entry of a stored record, present, or the standard error


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def floats(
    data: Any, key: str, owner: str, length: int | None = None, *, minimum: float | None = None, above: bool = False
) -> np.ndarray:
    """A list of finite floats (of ``length`` items), each >= ``minimum`` (> with ``above``), as float64."""
    values = get(data, key, owner)
    bound = "" if minimum is None else f" {'>' if above else '>='} {minimum:g}"
    size = "" if length is None else f"{length} "
    expected = f"a list of {size}finite floats{bound}"
    ok = isinstance(values, list) and (length is None or len(values) == length)
    ok = ok and all(_real(v) and math.isfinite(v) for v in values)
    if ok and minimum is not None:
        ok = all(v > minimum if above else v >= minimum for v in values)
    if not ok:
        raise invalid(key, owner, expected, values, kind="entry")
    return np.asarray(values, dtype=np.float64)


def strings(data: Any, key: str, owner: str, *, unique: bool = False) -> list[str]:
    values = get(data, key, owner)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise invalid(key, owner, "a list of strings", values, kind="entry")
    if unique and len(set(values)) != len(values):
        raise invalid(key, owner, "a list of distinct strings", values, kind="entry")
    return list(values)


def integer(data: Any, key: str, owner: str, *, minimum: int, allow_none: bool = False) -> int | None:
    value = get(data, key, owner)
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid(key, owner, f"an int >= {minimum}" + (" or null" if allow_none else ""), value, kind="entry")
    return value


def subset(values: list[str], of: list[str], key: str, owner: str) -> None:
    unknown = [v for v in values if v not in of]
    if unknown:
        raise invalid(
            key,
            owner,
            f"a list of names among {of[:10]}",
            values,
            kind="entry",
            hint=f"{', '.join(map(repr, unknown[:5]))} is not one of them.",
        )
