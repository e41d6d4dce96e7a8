"""What TwoClassClassifier does to X, y and sample_weight before any training: checks with clear messages.

X is a DataFrame (any column kinds; the Preprocessor handles them) or a numeric array (a numeric-only Preprocessor
then imputes and standardises it). y must hold exactly two labels; which is positive follows `positive=`, else the
unambiguous pairs of `data.infer_labels` (0/1, no/yes, ...), else scikit-learn's rule (the larger sorted label).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from twoclass.data.labels import LabelEncoding, compute_class_weight, infer_labels, label_key, to_scalar

OWNER = "TwoClassClassifier"


class FitRows(NamedTuple):
    """The rows a fit works on: the checked frame, labels as 0/1, row weights, the training and validation row
    indices (no validation rows when there are too few), the seed used and the label encoding; ``target_name`` is
    y's column name when y was a named Series."""

    frame: pd.DataFrame
    y01: np.ndarray
    weights: np.ndarray
    train: np.ndarray
    val: np.ndarray | None
    seed: int
    encoding: LabelEncoding
    target_name: str | None


def weighted_by_class(rows: FitRows, train: np.ndarray, class_weight: Any) -> np.ndarray:
    """Every row's weight in a fit: its sample weight times its class's weight, the class weights (the estimator's
    ``class_weight``: None, 'balanced' or a dict) worked out on the rows ``train``.

    Example:
        >>> rows = FitRows(pd.DataFrame(), np.array([0, 0, 0, 1]), np.ones(4), np.arange(4), None, 0,
        ...                LabelEncoding(0, 1), None)
        >>> weighted_by_class(rows, rows.train, "balanced").tolist()
        [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    weights = compute_class_weight(rows.y01[train], class_weight, rows.encoding)
    factor = np.ones(2) if weights is None else np.array([weights[0], weights[1]])
    return rows.weights * factor[rows.y01]


def checked_array(estimator: Any, X: Any, method: str, reset: bool) -> np.ndarray:
    """scikit-learn's validate_data for a numeric X, its errors restated to name 'X' (and, for a word among the
    numbers, its column and the fix: a DataFrame, whose text and categories are encoded for you)."""
    from sklearn.utils.validation import validate_data

    try:
        return validate_data(estimator, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
    except (ValueError, TypeError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        if "could not convert" in message:
            array = np.asarray(X, dtype=object)
            where = _first_non_number(array)
            if where is not None:
                row, column, value = where
                raise ValueError(
                    f"The 'X' argument of {OWNER}.{method} must hold numbers when it is an array; column {column} "
                    f"has {value!r} (row {row}). Pass a DataFrame to have text and categories encoded for you."
                ) from None
        raise type(error)(f"The 'X' argument of {OWNER}.{method} is not valid: {message}") from None


def _first_non_number(array: np.ndarray) -> tuple[int, int, Any] | None:
    if array.ndim != 2:
        return None
    for (row, column), value in np.ndenumerate(array):
        try:
            complex_value = complex(value)
        except (TypeError, ValueError):
            return row, column, value
        if complex_value.imag:
            return row, column, value
    return None


def aligned_target(X: Any, y: Any) -> Any:
    """y paired with X's rows as pandas pairs them: by index when both are pandas objects (reordered when y holds
    the same labels in another order), refused when their indexes hold different labels."""
    if not isinstance(X, pd.DataFrame) or not isinstance(y, (pd.Series, pd.DataFrame)) or y.index.equals(X.index):
        return y
    if len(y.index) == len(X.index) and y.index.is_unique and X.index.is_unique and set(y.index) == set(X.index):
        return y.reindex(X.index)
    shown_x, shown_y = ", ".join(map(repr, X.index[:3].tolist())), ", ".join(map(repr, y.index[:3].tolist()))
    raise ValueError(
        f"The 'y' argument of {OWNER}.fit has a different index from X (X: {shown_x}, ...; y: {shown_y}, ...), so "
        "pandas would pair their rows by index and find labels missing. Pass y.loc[X.index] to pair them by index, "
        "or y.to_numpy() to pair them by position."
    )


def array_columns(n_features: int) -> list[str]:
    """The column names a numeric array's features get inside the model: x0, x1, ..."""
    return [f"x{i}" for i in range(n_features)]


def target_1d(y: Any, n_rows: int, method: str = "fit") -> np.ndarray:
    """y as a 1-D array of n_rows labels without missing values, or a ValueError naming 'y'."""
    from sklearn.utils.validation import column_or_1d

    if y is None:
        raise ValueError(f"{OWNER} requires y to be passed, but the target y is None.")
    values = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
    if values.ndim == 2 and values.shape[1] == 1:
        values = column_or_1d(values, warn=True)
    if values.ndim != 1:
        raise ValueError(
            f"The 'y' argument of {OWNER}.{method} must be 1-D (one label per row). Got shape {values.shape} instead."
        )
    if len(values) != n_rows:
        raise ValueError(
            f"The 'X' and 'y' arguments of {OWNER}.{method} must have the same number of rows. "
            f"Got X with {n_rows} rows and y with {len(values)}."
        )
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        rows = ", ".join(str(i) for i in np.flatnonzero(missing)[:5])
        raise ValueError(
            f"The 'y' argument of {OWNER}.{method} has {int(missing.sum())} missing label(s) (NaN or "
            f"None), at rows {rows}{', ...' if missing.sum() > 5 else ''}. Remove those rows or fill "
            "them in."
        )
    if values.dtype.kind in "fc":
        from sklearn.utils.multiclass import check_classification_targets

        try:
            check_classification_targets(values)  # "Unknown label type: continuous ..." for regression targets
        except ValueError as error:
            raise ValueError(f"The 'y' argument of {OWNER}.{method} is not valid: {error}") from None
    return values


def _counts(values: np.ndarray) -> str:
    counts = pd.Series(values, dtype=object).value_counts()
    shown = [f"{to_scalar(v)!r} ({n} rows)" for v, n in counts.head(5).items()]
    return ", ".join(shown) + (f" and {len(counts) - 5} more" if len(counts) > 5 else "")


def label_encoding(y: np.ndarray, positive: Any) -> LabelEncoding:
    """The two classes of y and which is positive; one class or more than two raise a ValueError naming 'y'."""
    n_classes = pd.Series(y, dtype=object).nunique()
    if n_classes < 2:
        raise ValueError(f"The 'y' argument of {OWNER}.fit must hold two classes. Got only one class: {_counts(y)}.")
    if n_classes > 2:
        raise ValueError(
            f"Only binary classification is supported. The 'y' argument of {OWNER}.fit must hold "
            f"exactly two classes; it holds {n_classes}: {_counts(y)}."
        )
    if positive is not None:
        try:
            return infer_labels(y, positive, name="y")
        except ValueError as error:
            raise ValueError(
                str(error).replace("The 'positive' parameter", f"The 'positive' parameter of {OWNER}")
            ) from None
    try:
        return infer_labels(y, name="y")
    except ValueError:
        pass
    # scikit-learn's convention: classes_ sorted, the second one positive.
    values = [to_scalar(v) for v in pd.unique(pd.Series(y, dtype=object))]
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=label_key)
    return LabelEncoding(negative=values[0], positive=values[1])


def row_weights(sample_weight: Any, y01: np.ndarray, X: Any) -> np.ndarray:
    """Checked sample weights (ones when None); each class must keep some weight."""
    from sklearn.utils.validation import _check_sample_weight

    if sample_weight is None:
        return np.ones(len(y01), np.float64)
    try:
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    except ValueError as error:
        raise ValueError(f"The 'sample_weight' argument of {OWNER}.fit is not valid: {error}") from None
    if not np.isfinite(weights).all():
        raise ValueError(f"The 'sample_weight' argument of {OWNER}.fit must be finite. Got NaN or infinite values.")
    for code in (0, 1):
        if weights[y01 == code].sum() <= 0:
            raise ValueError(
                f"The 'sample_weight' argument of {OWNER}.fit gives class {code} a total weight of "
                "zero; both classes need some weight to train a two-class model."
            )
    return weights


def frame_for_predict(estimator: Any, X: Any, method: str) -> pd.DataFrame:
    """X as the DataFrame the fitted Preprocessor reads, with errors naming what does not match the training data."""
    columns = estimator.input_columns_
    if estimator.input_kind_ == "array":
        return pd.DataFrame(checked_array(estimator, X, method, reset=False), columns=columns)
    if not isinstance(X, pd.DataFrame):
        array = np.asarray(X, dtype=object)
        if array.ndim != 2 or array.shape[1] != len(columns):
            raise ValueError(
                f"The 'X' argument of {OWNER}.{method} must be a DataFrame with the training columns "
                f"({len(columns)} columns). Got {type(X).__name__} of shape {array.shape} instead."
            )
        X = pd.DataFrame(array, columns=columns)
    if len(X) == 0:
        raise ValueError(f"The 'X' argument of {OWNER}.{method} has no rows. Got an empty DataFrame.")
    present = {str(c) for c in X.columns}
    missing = [c for c in estimator.preprocessor_.required_columns_ if c not in present]
    if missing:
        raise ValueError(
            f"The 'X' argument of {OWNER}.{method} is missing column(s) the model was trained on: "
            f"{', '.join(map(repr, missing))}."
        )
    return X
