"""Where seeds come from. `set_random_seed(s)` makes every later model build and fit reproducible."""

from __future__ import annotations

import random

import numpy as np

_generator = np.random.default_rng()


def set_random_seed(seed: int) -> None:
    """As `keras.utils.set_random_seed`: seeds twoclass, NumPy's global generator and Python's `random`."""
    global _generator
    _generator = np.random.default_rng(seed)
    np.random.seed(seed)
    random.seed(seed)


def draw_seed() -> int:
    return int(_generator.integers(0, 2**31 - 1))
