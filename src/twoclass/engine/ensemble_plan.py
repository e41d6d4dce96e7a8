"""What the ensemble's programs are keyed by and read (`twoclass.engine.ensemble`): the plan, the rows (dense or
(column, value) pairs, padded with zero-weight rows), the numeric inputs, what the programs give back, and the
defaults `train_ensemble` fills in (no validation rows, every member on every row).

Example:
    >>> layer_widths(EnsemblePlan(n_features=8, hidden=(16,), members=4, batch_size=32, epochs=10))
    (16,)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import numpy as np

EVAL_CHUNK = 512  # validation rows per step of the evaluation loop (a sparse gather holds chunk x nonzeros x width)


class EnsemblePlan(NamedTuple):
    """What the compiled program is keyed by."""

    n_features: int  # input width (dense) or vocabulary (sparse), padded to a bucket by the caller
    hidden: tuple[int, ...]  # hidden widths of each member
    members: int
    batch_size: int
    epochs: int
    sparse: bool = False
    dropout: float = 0.0
    schedule: str = "flat_cosine"  # or "constant" (the ablation in BENCHMARKS.md)
    stop: bool = True  # stop once the epochs since the best outnumber half the epochs up to it (`keeps_going`)
    embed: int = 0  # units of each member's per-column embedding layer before ``hidden`` (0: none; dense rows only)
    average: float = 0.0  # weights judged and kept: 0 as trained; in (0, 1) an exponential moving average with
    # this decay per step; 1 the mean over each epoch's steps (`ensemble_training._train`)


def layer_widths(plan: EnsemblePlan) -> tuple[int, ...]:
    """Each member's layer widths: the embedding layer's (when ``plan.embed``), then ``plan.hidden``.

    Example:
        >>> layer_widths(EnsemblePlan(n_features=8, hidden=(512,), members=2, batch_size=32, epochs=4, embed=64))
        (64, 512)
    """
    return ((plan.embed,) if plan.embed else ()) + tuple(plan.hidden)


class Rows(NamedTuple):
    """Rows as the programs read them. Dense: ``values`` (n, features), ``columns`` (n, 0). Sparse: ``values`` and
    ``columns`` (n, nonzeros), padded with value 0 at column 0. Padding rows have weight 0."""

    values: jax.Array
    columns: jax.Array
    y: jax.Array
    weight: jax.Array


class Hyper(NamedTuple):
    """The programs' numeric inputs; ``first_mask`` (features, plan.embed), 0 or 1, is the embedding layer's block
    mask (None without one)."""

    learning_rate: Any
    weight_decay: Any
    label_smoothing: Any
    first_mask: Any = None


class TrainedEnsemble(NamedTuple):
    """What `train_ensemble` gives: the members' parameters at the best epoch, that epoch (0-based), and the curve
    (epochs, 2): mean training loss, validation loss."""

    params: dict
    best_epoch: int
    curve: np.ndarray


class FittedAndTrained(NamedTuple):
    """What `fit_and_train_ensemble` gives: the logistic regressions' kernels (fits, features) and intercepts
    (fits,) in float64, then what `train_ensemble` gives."""

    kernels: np.ndarray
    intercepts: np.ndarray
    params: dict
    best_epoch: int
    curve: np.ndarray


def dense_rows(x: np.ndarray, y: np.ndarray, weight: np.ndarray, rows: int) -> Rows:
    """``rows`` rows (the real ones first, then zero-weight padding) of a dense float32 matrix."""
    n = len(x)
    values = np.zeros((rows, x.shape[1]), np.float32)
    values[:n] = x
    return Rows(values, np.zeros((rows, 0), np.int32), _padded(y, rows), _padded(weight, rows))


def sparse_rows(x, y: np.ndarray, weight: np.ndarray, rows: int, nonzeros: int) -> Rows:
    """``rows`` rows of a scipy CSR matrix as (column, value) pairs, ``nonzeros`` per row (longer rows keep their
    largest values: the caller chooses ``nonzeros`` as the longest row, so none is cut)."""
    x = x.tocsr()
    values = np.zeros((rows, nonzeros), np.float32)
    columns = np.zeros((rows, nonzeros), np.int32)
    counts = np.diff(x.indptr)
    for row in np.flatnonzero(counts):
        start, end = x.indptr[row], x.indptr[row + 1]
        data, index = x.data[start:end], x.indices[start:end]
        if len(data) > nonzeros:
            keep = np.argsort(-np.abs(data))[:nonzeros]
            data, index = data[keep], index[keep]
        values[row, : len(data)] = data
        columns[row, : len(data)] = index
    return Rows(values, columns, _padded(y, rows), _padded(weight, rows))


def _padded(v: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros(rows, np.float32)
    out[: len(v)] = v
    return out


class Masks(NamedTuple):
    """Which rows each member trains on and is judged on, and the embedding layer's block mask; None: the default."""

    train: Any = None  # (training rows, members): 1 where a member trains on a row; default every member on every row
    val: Any = None  # (validation rows, members): 1 where a member judges a row (cross-validation bagging: the rows
    # it held out); default every member judges every row
    first: Any = None  # (features, plan.embed): the embedding layer's block mask, with ``plan.embed`` (`member_logits`)


class ProgramInputs(NamedTuple):
    """What `program_inputs` gives: the validation rows, both row masks and the numeric inputs, as the programs
    read them."""

    val: Rows
    train_mask: np.ndarray
    val_mask: np.ndarray
    hyper: Hyper


def program_inputs(
    plan: EnsemblePlan,
    train: Rows,
    val: Rows | None,
    masks: Masks,
    learning_rate: float,
    weight_decay: float,
    label_smoothing: float = 0.0,
) -> ProgramInputs:
    """The programs' inputs beside the parameters, the training rows and the key, with the defaults filled in: no
    validation rows as an empty table, every member on every row, the embedding mask checked (`_mask`).

    Example:
        >>> plan = EnsemblePlan(n_features=2, hidden=(4,), members=3, batch_size=4, epochs=1)
        >>> rows = dense_rows(np.zeros((4, 2), np.float32), np.zeros(4), np.ones(4), 4)
        >>> inputs = program_inputs(plan, rows, None, Masks(), 1e-3, 0.0)
        >>> inputs.val.y.shape, inputs.train_mask.shape, inputs.val_mask.shape
        ((0,), (4, 3), (0, 3))
    """
    if val is None:
        val = Rows(
            np.zeros((0, *train.values.shape[1:]), np.float32),
            np.zeros((0, *train.columns.shape[1:]), np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.float32),
        )
    train_mask = np.ones((train.y.shape[0], plan.members)) if masks.train is None else masks.train
    val_mask = np.ones((val.y.shape[0], plan.members)) if masks.val is None else masks.val
    hyper = Hyper(
        np.float32(learning_rate), np.float32(weight_decay), np.float32(label_smoothing), _mask(plan, masks.first)
    )
    return ProgramInputs(val, np.asarray(train_mask, np.float32), np.asarray(val_mask, np.float32), hyper)


def _mask(plan: EnsemblePlan, first_mask: Any) -> np.ndarray | None:
    """The embedding layer's mask as the program's input, checked (None without an embedding layer)."""
    if not plan.embed or not plan.hidden:
        return None
    mask = None if first_mask is None else np.asarray(first_mask, np.float32)
    if mask is None or mask.shape != (plan.n_features, plan.embed):
        raise ValueError(
            f"The 'first_mask' of an embedding layer of {plan.embed} units over {plan.n_features} features must have "
            f"shape ({plan.n_features}, {plan.embed}). Got {None if mask is None else mask.shape} instead."
        )
    return mask


def eval_rows(n: int) -> int:
    """Rows the validation table is padded to: whole chunks of `EVAL_CHUNK` (or one smaller chunk)."""
    if n <= EVAL_CHUNK:
        from twoclass.engine.tables import bucket

        return bucket(n)
    return EVAL_CHUNK * math.ceil(n / EVAL_CHUNK)
