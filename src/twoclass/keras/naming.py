"""Names handed out in a session: the first Dense is 'dense', the next 'dense_1', as Keras names layers, models and
metrics; `clear_session` starts the count again.

Example:
    >>> clear_session()
    >>> unique_name("block"), unique_name("block"), _snake("BatchNormalization")
    ('block', 'block_1', 'batch_normalization')
"""

from __future__ import annotations

import itertools
from collections import defaultdict

_name_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def clear_session() -> None:
    """Forget the names handed out so far (the next Dense is 'dense' again), as Keras's clear_session does."""
    _name_counters.clear()


def unique_name(base: str) -> str:
    index = next(_name_counters[base])
    return base if index == 0 else f"{base}_{index}"


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out
