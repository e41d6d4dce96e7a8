"""Turning what users pass as x and y into checked NumPy arrays, with errors that say what to fix.

This is the single gate between user data and the engine: after it, arrays are finite float32 of the right shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None:
        return f"{type(value).__name__} with shape {tuple(shape)} and dtype {dtype}"
    return f"{type(value).__name__}"


def as_features(x: Any, name: str = "x", owner: str = "fit", *, n_features: int | None = None) -> np.ndarray:
    """Check a feature table: 2-D, numeric, finite; returns float32 (rows, features)."""
    if x is None:
        raise ValueError(f"The '{name}' argument of {owner} is required. Received: {name}=None.")
    if hasattr(x, "to_numpy") and hasattr(x, "dtypes"):  # pandas DataFrame
        non_numeric = [c for c, t in x.dtypes.items() if not (np.issubdtype(t, np.number) or t is np.dtype(bool))]
        if non_numeric:
            raise TypeError(
                f"The '{name}' argument of {owner} must hold numbers only; columns {non_numeric[:5]} are not numeric. "
                "Encode them first, or use twoclass.TwoClassClassifier / `twoclass train`, which handle text and "
                "categories."
            )
        x = x.to_numpy()
    try:
        array = np.asarray(x)
    except Exception as error:  # ragged lists and the like
        raise TypeError(
            f"The '{name}' argument of {owner} must be a 2-D array of numbers. Received: {_describe(x)} ({error})."
        ) from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"The '{name}' argument of {owner} must be a 2-D array of numbers. Received: {_describe(array)}, "
                f"e.g. {array.ravel()[:3].tolist()!r}."
            ) from None
    if array.ndim == 1:
        raise ValueError(
            f"The '{name}' argument of {owner} must be 2-D (rows, features). Received: shape {array.shape}. "
            f"Did you mean {name}.reshape(-1, 1) (one feature) or {name}.reshape(1, -1) (one row)?"
        )
    if array.ndim != 2:
        raise ValueError(
            f"The '{name}' argument of {owner} must be 2-D (rows, features). Received: shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"The '{name}' argument of {owner} has no rows. Received: shape {array.shape}.")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"The '{name}' argument of {owner} must have {n_features} features (columns), as the model was built "
            f"with. Received: shape {array.shape}."
        )
    array = array.astype(np.float32, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        rows, cols = np.nonzero(~finite)
        raise ValueError(
            f"The '{name}' argument of {owner} contains {(~finite).sum()} NaN or infinite value(s), first at row "
            f"{rows[0]}, column {cols[0]} ({array[rows[0], cols[0]]}). Impute or drop them first (TwoClassClassifier "
            "does this for you)."
        )
    return np.ascontiguousarray(array)


def as_binary_targets(
    y: Any, n_rows: int, name: str = "y", owner: str = "fit", *, require_both: bool = True
) -> np.ndarray:
    """Check targets: one per row, values 0/1 (or bool); returns float32 of shape (rows,)."""
    if y is None:
        raise ValueError(f"The '{name}' argument of {owner} is required. Received: {name}=None.")
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"The '{name}' argument of {owner} must have shape (n,) or (n, 1): one 0/1 label per row. Received: "
            f"shape {array.shape}."
        )
    if array.shape[0] != n_rows:
        raise ValueError(
            f"x and {name} must have the same number of rows. Received: {n_rows} rows in x and {array.shape[0]} in "
            f"{name}."
        )
    values = np.unique(array[~_isnan(array)]) if array.dtype != object else np.unique(array.astype(str))
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(
            f"The '{name}' argument of {owner} must hold 0/1 labels. Received labels {values[:5].tolist()!r}. Map "
            "them to 0/1 (1 = the positive class), or use twoclass.TwoClassClassifier, which takes any two labels."
        )
    if _isnan(array).any():
        raise ValueError(
            f"The '{name}' argument of {owner} contains {int(_isnan(array).sum())} missing label(s) (NaN)."
        )
    if not set(values.tolist()) <= {0, 1}:
        raise ValueError(
            f"The '{name}' argument of {owner} must hold the labels 0 and 1 only (binary classification). Received "
            f"{len(values)} distinct values: {values[:10].tolist()!r}."
        )
    if require_both and len(values) < 2:
        raise ValueError(
            f"The '{name}' argument of {owner} holds one class only ({values.tolist()!r}); a classifier needs examples "
            "of both 0 and 1."
        )
    return array.astype(np.float32)


def as_sample_weight(weight: Any, n_rows: int, owner: str = "fit") -> np.ndarray:
    array = np.asarray(weight, dtype=np.float64).reshape(-1) if weight is not None else np.ones(n_rows)
    if array.shape[0] != n_rows:
        raise ValueError(
            f"sample_weight must have one value per row. Received: {array.shape[0]} values for {n_rows} rows."
        )
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"The 'sample_weight' parameter of {owner} must hold finite values >= 0.")
    return array.astype(np.float32)


def _isnan(array: np.ndarray) -> np.ndarray:
    return np.isnan(array) if np.issubdtype(array.dtype, np.floating) else np.zeros(array.shape, bool)
