"""The checks of TwoClassClassifier's parameter values, one per kind of value: each takes the value as given and
returns the checked value, or raises the project's standard message naming the parameter (`OWNER`'s). The table in
`params` pairs each parameter with its check.

Example:
    >>> _hidden(32)
    (32,)
    >>> _auto_or_int("epochs")("auto")
    'auto'
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

from twoclass.core.validation import check_choice, check_float, check_int, invalid

OWNER = "TwoClassClassifier"


def _auto_or_int(name: str) -> Callable[[Any], int | str]:
    def check(value: Any) -> int | str:
        if isinstance(value, str) and value == "auto":
            return value
        if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
            return int(value)
        raise invalid(name, OWNER, "'auto' or an int >= 1", value)

    return check


def _int(name: str, minimum: int) -> Callable[[Any], int]:
    return lambda value: check_int(value, name, OWNER, minimum=minimum)


def _float(name: str, **bounds: Any) -> Callable[[Any], float]:
    return lambda value: check_float(value, name, OWNER, **bounds)


def _lowercase_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in choices:
            raise invalid(name, OWNER, f"one of {', '.join(map(repr, choices))}", value)
        return value.lower()

    return check


def _optional_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else check_choice(value, name, OWNER, choices)


def _verbose(value: Any) -> int:
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise invalid("verbose", OWNER, "one of 0, 1, 2", value)
    return int(value)


def _hidden(value: Any) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    ok = isinstance(value, (tuple, list)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
    )
    if not ok:
        raise invalid("hidden_layer_sizes", OWNER, "a tuple of ints >= 1 (one per hidden layer; () for none)", value)
    return tuple(int(v) for v in value)


def _threshold(value: Any) -> Any:
    from twoclass.threshold import parse_objective

    if value is None:
        return None
    try:
        parse_objective(value)
    except ValueError:
        raise invalid(
            "threshold",
            OWNER,
            "'f1', 'youden', {'recall': r}, {'precision': p}, {'cost_fp': a, 'cost_fn': b}, a float in (0, 1) "
            "or None (0.5)",
            value,
        ) from None
    return value


def _class_weight(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value == "balanced") or isinstance(value, Mapping):
        return value
    raise invalid("class_weight", OWNER, "'balanced', a dict {label: weight} or None", value)


def _column_types(value: Any, text_columns: tuple[str, ...]) -> dict[str, str] | None:
    from twoclass.data.columns import KINDS  # pandas loads with the data, not with `twoclass train --help`

    if value is not None and not isinstance(value, Mapping):
        raise invalid("column_types", OWNER, "a dict {column: kind} or None", value)
    merged = dict(value or {})
    for name, kind in merged.items():
        if kind not in KINDS:
            raise invalid(
                "column_types", OWNER, f"a dict whose kinds are among {', '.join(map(repr, KINDS))}", {name: kind}
            )
    for name in text_columns:
        if merged.get(name, "text") != "text":
            raise ValueError(f"Column '{name}' is in text_columns but column_types gives it kind '{merged[name]}'.")
        merged[name] = "text"
    return merged or None


def _text_columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise invalid("text_columns", OWNER, "a tuple of column names", value)
    return tuple(value)


def _seed(value: Any) -> int | None:
    import numpy as np

    if value is None:
        return None
    if isinstance(value, np.random.RandomState):
        return int(value.randint(0, 2**31 - 1))
    return check_int(value, "random_state", OWNER, minimum=0, maximum=2**32 - 1)


def _n_networks(value: Any) -> int | str:
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise invalid("n_networks", OWNER, "'auto' or an int >= 1", value)
