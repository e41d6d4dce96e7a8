"""Data as the engine sees it: rows padded to bucketed sizes, features, label and weight side by side."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import numpy as np


class Table(NamedTuple):
    """Rows padded to a bucketed size. Padding rows have weight 0; `n` counts the real rows.

    Features, label and weight sit side by side in one array, built once on the host, so that shuffling an epoch is
    one gather of whole rows (and no copy is made to put them together inside the compiled program).
    """

    rows: jax.Array  # (rows, features + 2) float32: the features, then y in {0, 1}, then the row weight
    n: jax.Array  # () int32

    @property
    def x(self):
        return self.rows[:, :-2]

    @property
    def y(self):
        return self.rows[:, -2]

    @property
    def weight(self):
        return self.rows[:, -1]


def float32_tree(values: Any):
    """Numbers (hyperparameters) as float32 NumPy leaves: the same dtype every call, so nothing retraces."""
    return jax.tree_util.tree_map(lambda v: np.asarray(v, np.float32), values)


def bucket(count: int) -> int:
    """Round up to a size with 3 significant bits (8, 9, ..., 15, 16, 18, ..., 30, 32, 36, ...): at most 12.5% waste."""
    if count <= 16:
        return max(count, 1)
    shift = count.bit_length() - 4
    return ((count + (1 << shift) - 1) >> shift) << shift


def pad_table(x: np.ndarray, y: np.ndarray | None, weight: np.ndarray | None, batch_size: int) -> Table:
    n, n_features = x.shape
    padded = np.zeros((padded_rows(n, batch_size), n_features + 2), np.float32)
    padded[:n, :-2] = x  # the column layout that Table's x, y and weight read
    if y is not None:
        padded[:n, -2] = y
    padded[:n, -1] = 1.0 if weight is None else weight
    table = Table(padded, np.int32(n))
    # A compiled call copies small NumPy arguments faster than jax.device_put does (~0.1 ms against ~0.3 ms a leaf),
    # which is most of a small fit's host time; a large table goes to the device once, as a fit passes it each call.
    return jax.device_put(table) if padded.nbytes >= _DEVICE_PUT_BYTES else table


_DEVICE_PUT_BYTES = 1 << 20


def padded_rows(n: int, batch_size: int) -> int:
    """The rows of a table of `n` rows: whole minibatches, their count rounded up to a bucket."""
    return bucket(math.ceil(n / batch_size)) * batch_size


def eval_batch_size(n: int) -> int:
    return min(1024, 1 << max(n - 1, 0).bit_length())
