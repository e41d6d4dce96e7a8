"""A sweep's grid: which values of learning rate, L2, dropout rate, hidden sizes and seed, checked once.

The grid is a dict (Python) or a string (the command line); every combination is one member. Values that are not
swept stay those of the model or estimator (None in a `Member`).

Example:
    >>> members = expand(check_grid(parse_grid("learning_rate=1e-3,1e-2 l2=0,1e-4 seeds=2")))
    >>> len(members), members[0]
    (8, Member(learning_rate=0.001, l2=0.0, dropout=None, hidden_layer_sizes=None, seed=0))
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from twoclass.core.validation import invalid

OWNER = "sweep"
KEYS = ("learning_rate", "l2", "dropout", "hidden_layer_sizes", "seed")
_ALIASES = {"lr": "learning_rate", "seeds": "seed", "dropout_rate": "dropout", "hidden": "hidden_layer_sizes"}
MAX_MEMBERS = 4096  # more than this is a typing slip (seeds=10000), not a sweep a laptop should start


class Member(NamedTuple):
    """One combination of the grid; None where the grid does not sweep that value."""

    learning_rate: float | None
    l2: float | None
    dropout: float | None
    hidden_layer_sizes: tuple[int, ...] | None
    seed: int

    def label(self) -> str:
        """A short text for tables and legends: 'lr=0.003 l2=0.0001 seed=2'."""
        parts = []
        if self.learning_rate is not None:
            parts.append(f"lr={self.learning_rate:g}")
        if self.l2 is not None:
            parts.append(f"l2={self.l2:g}")
        if self.dropout is not None:
            parts.append(f"dropout={self.dropout:g}")
        if self.hidden_layer_sizes is not None:
            parts.append("hidden=" + ("-".join(map(str, self.hidden_layer_sizes)) or "none"))
        return " ".join([*parts, f"seed={self.seed}"])


def _floats(key: str, values: Any, minimum: float, maximum: float | None, include_minimum: bool) -> list[float]:
    items = values if isinstance(values, (list, tuple)) else [values]
    ok = bool(items) and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in items)
    result = [float(v) for v in items] if ok else []
    low_ok = all((v >= minimum) if include_minimum else (v > minimum) for v in result)
    high_ok = maximum is None or all(v < maximum for v in result)
    if not ok or not low_ok or not high_ok:
        bound = f"{'[' if include_minimum else '('}{minimum:g}, {'inf' if maximum is None else f'{maximum:g}'})"
        raise invalid(f"grid['{key}']", OWNER, f"a non-empty list of numbers in the range {bound}", values)
    return list(dict.fromkeys(result))  # repeated values would be repeated members


def _seeds(values: Any, base: int) -> list[int]:
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        if not 1 <= values <= MAX_MEMBERS:
            raise invalid("grid['seed']", OWNER, f"a count in [1, {MAX_MEMBERS}] or a list of ints >= 0", values)
        return [base + i for i in range(int(values))]
    items = list(values) if isinstance(values, (list, tuple, range)) else None
    if not items or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in items):
        raise invalid("grid['seed']", OWNER, f"a count in [1, {MAX_MEMBERS}] or a list of ints >= 0", values)
    return list(dict.fromkeys(int(v) for v in items))


def _sizes(values: Any) -> list[tuple[int, ...]]:
    items = values if isinstance(values, list) else [values]
    sizes = []
    for item in items:
        size = (item,) if isinstance(item, numbers.Integral) and not isinstance(item, bool) else item
        if not isinstance(size, (tuple, list)) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in size
        ):
            raise invalid(
                "grid['hidden_layer_sizes']", OWNER, "a list of tuples of ints >= 1, e.g. [(64, 32), (16,)]", values
            )
        sizes.append(tuple(int(v) for v in size))
    return list(dict.fromkeys(sizes))


def check_grid(grid: Any, *, base_seed: int = 0) -> dict[str, list[Any]]:
    """The grid with known keys only and checked values; 'seeds': n becomes n seeds from `base_seed`."""
    if not isinstance(grid, Mapping) or not grid:
        raise invalid("grid", OWNER, "a non-empty dict such as {'learning_rate': [1e-3, 1e-2], 'seed': 4}", grid)
    checked: dict[str, list[Any]] = {}
    for raw_key, values in grid.items():
        key = _ALIASES.get(raw_key, raw_key)
        if key not in KEYS:
            raise ValueError(
                f"The grid of {OWNER} cannot sweep {raw_key!r}; it sweeps {', '.join(KEYS)} "
                f"(these are inputs of one compiled program). Got {raw_key!r} instead."
            )
        if key in checked:
            raise ValueError(f"The grid of {OWNER} names {key!r} twice (once as {raw_key!r}).")
        if key == "learning_rate":
            checked[key] = _floats(key, values, 0.0, None, include_minimum=False)
        elif key == "l2":
            checked[key] = _floats(key, values, 0.0, None, include_minimum=True)
        elif key == "dropout":
            checked[key] = _floats(key, values, 0.0, 1.0, include_minimum=True)
        elif key == "hidden_layer_sizes":
            checked[key] = _sizes(values)
        else:
            checked[key] = _seeds(values, base_seed)
    count = 1
    for values in checked.values():
        count *= len(values)
    if count > MAX_MEMBERS:
        raise ValueError(f"The grid of {OWNER} has {count:,} members; at most {MAX_MEMBERS:,} are allowed.")
    return checked


def expand(grid: Mapping[str, Sequence[Any]], default_seed: int = 0) -> list[Member]:
    """Every combination of a checked grid, the seed varying fastest (members of one setting sit together)."""
    keys = ["learning_rate", "l2", "dropout", "hidden_layer_sizes"]
    axes = [list(grid.get(k, [None])) for k in keys] + [list(grid.get("seed", [default_seed]))]
    return [Member(*combo) for combo in itertools.product(*axes)]


def _number(text: str, key: str, spec: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"The grid entry {spec!r} holds {text!r}, which is not a number.") from None
    return int(value) if key == "seed" and value.is_integer() else value


def parse_grid(text: str) -> dict[str, Any]:
    """The command line's grid: space-separated `key=v1,v2,...`; `seeds=8` is a count, `hidden_layer_sizes=64-32,16`
    lists sizes with '-' between layers.

    Example:
        >>> parse_grid("learning_rate=1e-3,1e-2 seeds=4 hidden_layer_sizes=64-32,16")
        {'learning_rate': [0.001, 0.01], 'seed': 4, 'hidden_layer_sizes': [(64, 32), (16,)]}
    """
    if not isinstance(text, str) or not text.strip():
        raise invalid("grid", OWNER, "text such as 'learning_rate=1e-3,1e-2 l2=0,1e-4 seeds=8'", text)
    grid: dict[str, Any] = {}
    for spec in text.replace(";", " ").split():
        key, sep, values = spec.partition("=")
        if not sep or not values:
            raise ValueError(f"The grid entry {spec!r} must look like key=value1,value2 (e.g. l2=0,1e-4).")
        key = _ALIASES.get(key.strip(), key.strip())
        if key in grid:
            raise ValueError(f"The grid names {key!r} twice.")
        parts = [v for v in values.split(",") if v]
        if key == "hidden_layer_sizes":
            grid[key] = [tuple(int(_number(u, "seed", spec)) for u in v.split("-") if u) for v in parts]
        elif key == "seed" and spec.split("=")[0].strip() == "seeds" and len(parts) == 1:
            grid[key] = int(_number(parts[0], "seed", spec))
        else:
            grid[key] = [_number(v, key, spec) for v in parts]
    return grid
