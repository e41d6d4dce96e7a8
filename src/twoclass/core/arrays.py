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


FLOAT32_MAX = float(np.finfo(np.float32).max)


def row_block(n_inputs: int) -> int:
    """How many rows one compiled (or BLAS) matrix product takes when predicting, fixed per model: every row then
    goes through products of one shape whatever else is in its batch, so its output is the same bit for bit alone
    or among others (XLA and BLAS pick their kernels, and so their order of additions, by shape). About 64k input
    values a block, 16 to 1024 rows.

    >>> row_block(2), row_block(100), row_block(50_000)
    (1024, 512, 16)
    """
    rows = 1 << max(0, (65536 // max(n_inputs, 1)).bit_length() - 1)
    return int(min(1024, max(16, rows)))


def _frame_values(frame: Any, name: str, owner: str) -> np.ndarray:
    """A DataFrame's columns as float64 (missing values as NaN), or a TypeError naming the first column that is not
    numbers: pandas' nullable Int64 / Float64 / boolean and sparse columns are numbers; categorical, string, object
    words, dates and the like are not."""
    import pandas as pd

    out = np.empty(frame.shape, dtype=np.float64)
    for j, (column, dtype) in enumerate(frame.dtypes.items()):
        values = frame.iloc[:, j]
        why = ""
        if isinstance(dtype, pd.CategoricalDtype):
            why = "is categorical; encode it first (pd.get_dummies, or its .cat.codes if the order means something)"
        elif pd.api.types.is_complex_dtype(dtype):
            why = "holds complex numbers"
        elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            out[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        elif pd.api.types.is_object_dtype(dtype):
            converted = pd.to_numeric(values, errors="coerce")
            bad = values.notna() & converted.isna()
            if not bad.any() and not values.map(lambda v: isinstance(v, (str, bytes))).any():
                out[:, j] = converted.to_numpy(dtype=np.float64, na_value=np.nan)
                continue
            example = values[bad].iloc[0] if bad.any() else values.dropna().iloc[0]
            why = f"holds values that are not numbers (e.g. {example!r})"
        else:
            why = f"has dtype {dtype}, not numbers"
        raise TypeError(
            f"The '{name}' argument of {owner} must hold numbers only; column {str(column)!r} {why}. Encode it "
            "first, or use twoclass.TwoClassClassifier / `twoclass train`, which handle text and categories."
        )
    return out


def _where(columns: list[str] | None, column: int) -> str:
    return f"column {column}" if columns is None else f"column {columns[column]!r}"


def as_features(x: Any, name: str = "x", owner: str = "fit", *, n_features: int | None = None) -> np.ndarray:
    """Check a feature table: 2-D, numeric, finite and within float32's range; returns float32 (rows, features).

    A DataFrame may hold any numeric pandas dtype (nullable ones included); errors name its columns.

    >>> as_features([[1, 2], [3, 4]]).dtype
    dtype('float32')
    """
    if x is None:
        raise ValueError(f"The '{name}' argument of {owner} is required. Received: {name}=None.")
    columns = None
    if hasattr(x, "to_numpy") and hasattr(x, "dtypes") and hasattr(x, "columns"):  # pandas DataFrame
        columns = [str(c) for c in x.columns]
        array = _frame_values(x, name, owner)
    else:
        try:
            array = np.asarray(x)
        except Exception as error:  # ragged lists and the like
            raise TypeError(
                f"The '{name}' argument of {owner} must be a 2-D array of numbers. Received: {_describe(x)} ({error})."
            ) from None
    if array.dtype.kind == "c":
        raise TypeError(
            f"The '{name}' argument of {owner} must hold real numbers; it holds complex numbers "
            f"({array.dtype}), whose imaginary parts would be lost. Pass x.real or abs(x)."
        )
    if array.dtype.kind in "mMSUV" or array.dtype == object:
        try:
            if array.dtype.kind in "mM":
                raise TypeError
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
    wide = array.astype(np.float64, copy=False)
    _check_values(wide, columns, name, owner)
    return np.ascontiguousarray(wide.astype(np.float32))


def _check_values(wide: np.ndarray, columns: list[str] | None, name: str, owner: str) -> None:
    finite = np.isfinite(wide)
    if not finite.all():
        rows, cols = np.nonzero(~finite)
        value = wide[rows[0], cols[0]]
        kind = "missing (NaN)" if np.isnan(value) else "infinite"
        raise ValueError(
            f"The '{name}' argument of {owner} contains {(~finite).sum()} NaN or infinite value(s), first at row "
            f"{rows[0]}, {_where(columns, cols[0])} ({kind}). Impute or drop them first (TwoClassClassifier "
            "does this for you)."
        )
    too_large = np.abs(wide) > FLOAT32_MAX
    if too_large.any():
        rows, cols = np.nonzero(too_large)
        raise ValueError(
            f"The '{name}' argument of {owner} holds {too_large.sum()} value(s) too large for float32 (the largest "
            f"is {FLOAT32_MAX:.3g}), first {wide[rows[0], cols[0]]:.3g} at row {rows[0]}, {_where(columns, cols[0])}. "
            "Rescale them (a Normalization layer cannot, since they overflow before it)."
        )


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
    if array.dtype.kind == "c":
        raise TypeError(f"The '{name}' argument of {owner} must hold 0/1 labels. Received complex numbers.")
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
    try:
        array = np.asarray(weight, dtype=np.float64).reshape(-1) if weight is not None else np.ones(n_rows)
    except (TypeError, ValueError):
        raise TypeError(
            f"The 'sample_weight' parameter of {owner} must hold numbers, one per row. Got {str(weight)[:60]} instead."
        ) from None
    if array.shape[0] != n_rows:
        raise ValueError(
            f"sample_weight must have one value per row. Received: {array.shape[0]} values for {n_rows} rows."
        )
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"The 'sample_weight' parameter of {owner} must hold finite values >= 0.")
    return array.astype(np.float32)


def _isnan(array: np.ndarray) -> np.ndarray:
    return np.isnan(array) if np.issubdtype(array.dtype, np.floating) else np.zeros(array.shape, bool)
