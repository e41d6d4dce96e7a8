"""The recipe's features (`twoclass.estimator.recipe`): the preprocessed rows as the engine's programs read them
(padded to the compiled width), the source column of each feature and the embedding layer's block mask, and
scikit-learn's logistic regression for sparse rows.

Example:
    >>> padded_width(40), padded_width(300), padded_width(20_001, sparse=True)
    (64, 320, 20480)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import sparse as scipy_sparse

LINEAR_L2 = 1.0  # the logistic regression's penalty: scikit-learn's default C=1


def column_groups(names: list[str], columns: list[str]) -> list[str]:
    """The source column of each output feature: 'age' and 'age:bin3' -> 'age', 'sex=Male' -> 'sex' (the longest
    column name that the feature's name is, or starts with followed by ':' or '=').

    Example:
        >>> column_groups(["age", "age:bin1", "sex=Male", "sex=Female"], ["sex", "age"])
        ['age', 'age', 'sex', 'sex']
    """
    by_length = sorted(columns, key=len, reverse=True)
    groups = []
    for name in names:
        match = next((c for c in by_length if name == c or name.startswith((f"{c}:", f"{c}="))), name)
        groups.append(match)
    return groups


def embedding_mask(groups: list[str], width: int, units: int) -> np.ndarray:
    """The embedding layer's 0/1 block mask (width, units x columns): the features of the k-th source column (in
    order of first appearance) feed units k * units ... (k + 1) * units - 1 and no others; padding rows are 0.

    Example:
        >>> embedding_mask(["a", "a", "b"], 4, 2).astype(int).tolist()
        [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]]
    """
    order = {g: k for k, g in enumerate(dict.fromkeys(groups))}
    mask = np.zeros((width, units * len(order)), np.float32)
    for row, group in enumerate(groups):
        k = order[group]
        mask[row, k * units : (k + 1) * units] = 1.0
    return mask


# ------------------------------------------------------------------------------------------------ features


def _quietly(preprocessor, frame: pd.DataFrame, sparse: bool):
    # A level that only the validation rows have is expected there; the warning is meant for prediction time.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Categories not seen in training")
        warnings.filterwarnings("ignore", message="Values that are not numbers")
        return preprocessor.transform(frame, sparse=sparse)


def _times(x, kernel: np.ndarray) -> np.ndarray:
    """x @ kernel in float64 for a dense or scipy sparse x."""
    if scipy_sparse.issparse(x):
        return np.asarray(x.astype(np.float64) @ kernel)
    return np.asarray(x, np.float64) @ kernel


def _rows(x, y: np.ndarray, weight: np.ndarray, rows: int, width: int, nonzeros: int):
    from twoclass.engine.ensemble import dense_rows, sparse_rows

    if scipy_sparse.issparse(x):
        return sparse_rows(x, y, weight, rows, nonzeros)
    padded = np.zeros((x.shape[0], width), np.float32)
    padded[:, : x.shape[1]] = x
    return dense_rows(padded, y, weight, rows)


def _padded_rows(m: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros((rows, m.shape[1]), np.float32)
    out[: len(m)] = m
    return out


def padded_width(n_features: int, sparse: bool = False) -> int:
    """The input width the programs are compiled for: a multiple of 32 up to 256 features, then 3 significant bits;
    a vocabulary (sparse), a multiple of 4,096. Bins and vocabularies differ from fold to fold, so exact widths
    compiled a program per fold (Banknote: 2.5 s a fold instead of 0.3 s); zero columns cost a little arithmetic."""
    from twoclass.engine.tables import bucket

    if sparse:
        return 4096 * math.ceil(n_features / 4096)
    return 32 * math.ceil(n_features / 32) if n_features <= 256 else bucket(n_features)


def _logistic_regression(x, y: np.ndarray, weight: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """scikit-learn's LogisticRegression (C=1) on sparse rows: on TF-IDF its L-BFGS reads the CSR matrix directly
    (SMS spam, 3,800 rows x 20,000 terms: 0.6 s), where the engine's L-BFGS gathers and scatters each nonzero in
    every line-search step (5.6 s). Dense tables use the engine's (Adult: 0.9 s against scikit-learn's 7 s)."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning at max_iter: the networks start from it anyway
        model = LogisticRegression(C=1.0 / LINEAR_L2, max_iter=200).fit(x, y, sample_weight=weight)
    kernel = np.zeros(width)
    kernel[: x.shape[1]] = model.coef_[0]
    return kernel, float(model.intercept_[0])
