"""One set of checks for what evaluation takes: 0/1 labels, scores, probabilities, sample weights, and the one
'balanced' class-weight rule. The threshold, calibration, report and plots modules, the estimator and the Keras-style
fit all check through these, so a bad argument reads the same wherever it is passed.

Messages follow the project's template (`twoclass.core.validation.invalid`):
"The 'y_true' parameter of choose_threshold must be an array of 0/1 labels. Got [2, 3] instead."
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twoclass.core.validation import Description as _D
from twoclass.core.validation import invalid

__all__ = ["balanced_class_weight", "binary_labels", "probabilities", "sample_weights", "scores"]


def _column(values: np.ndarray) -> np.ndarray:
    """An (n, 1) column is read as n values, as scikit-learn does."""
    return values.ravel() if values.ndim == 2 and values.shape[1] == 1 else values


def binary_labels(values: Any, name: str, owner: str, *, both_classes: bool = False) -> np.ndarray:
    """``values`` as a 1-D int64 array of 0/1 labels (bools accepted), or the standard ValueError.

    Example:
        >>> binary_labels([True, False, True], "y_true", "roc_curve").tolist()
        [1, 0, 1]
    """
    array = _column(np.asarray(values))
    if array.ndim != 1 or array.size == 0:
        raise invalid(name, owner, "a non-empty 1-D array of 0/1 labels", _D(f"an array of shape {array.shape}"))
    if array.dtype == bool:
        array = array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.number):
        raise invalid(name, owner, "an array of 0/1 labels", _D(f"values of dtype {array.dtype}"))
    outside = ~np.isin(array, (0, 1))
    if outside.any():
        raise invalid(name, owner, "an array of 0/1 labels", np.unique(array[outside])[:5].tolist())
    if both_classes and np.unique(array).size < 2:
        raise invalid(name, owner, "labels of both classes", _D(f"only class {int(array[0])}"))
    return array.astype(np.int64)


def scores(values: Any, name: str, owner: str, what: str = "numbers") -> np.ndarray:
    """``values`` as a 1-D array of finite float64 (an (n, 1) column accepted), or the standard ValueError."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(name, owner, f"an array of {what}", _D(f"a {type(values).__name__}")) from None
    array = _column(array)
    if array.ndim != 1:
        raise invalid(name, owner, f"a 1-D array of {what}", _D(f"an array of shape {array.shape}"))
    if not np.isfinite(array).all():
        raise invalid(name, owner, "finite values", array[~np.isfinite(array)][:3].tolist())
    return array


def probabilities(values: Any, n: int, name: str, owner: str) -> np.ndarray:
    """``values`` as n finite float64 probabilities in [0, 1], or the standard ValueError."""
    array = scores(values, name, owner, "positive-class probabilities")
    if array.shape[0] != n:
        raise invalid(name, owner, f"the same length as the labels ({n})", _D(f"{array.shape[0]} values"))
    outside = (array < 0.0) | (array > 1.0)
    if outside.any():
        raise invalid(name, owner, "probabilities in [0, 1]", array[outside][:3].tolist())
    return array


def sample_weights(values: Any, n: int, owner: str) -> np.ndarray | None:
    """Weights as n finite, non-negative float64 values that are not all zero; None stays None."""
    if values is None:
        return None
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid("sample_weight", owner, "numbers, one per row", _D(f"a {type(values).__name__}")) from None
    array = _column(array)
    if array.ndim != 1 or array.shape[0] != n:
        raise invalid("sample_weight", owner, f"1-D with {n} values", _D(f"an array of shape {array.shape}"))
    if not np.isfinite(array).all() or (array < 0).any() or array.sum() <= 0:
        raise invalid("sample_weight", owner, "finite, non-negative and not all zero", array[:5].tolist())
    return array


def balanced_class_weight(y01: Any, owner: str = "class_weight='balanced'") -> dict[int, float]:
    """scikit-learn's 'balanced' rule, n / (2 * count of the class), for labels coded 0/1.

    Example:
        >>> balanced_class_weight([0, 0, 0, 1])
        {0: 0.6666666666666666, 1: 2.0}
    """
    y = np.asarray(y01).ravel()
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{owner} expects labels coded 0/1. Encode the labels first.")
    counts = np.bincount(y.astype(np.int64), minlength=2)
    if (counts == 0).any():
        absent = int(np.flatnonzero(counts == 0)[0])
        raise ValueError(f"class_weight='balanced' needs both classes. Class {absent} has no rows.")
    return {code: float(len(y) / (2 * counts[code])) for code in (0, 1)}
