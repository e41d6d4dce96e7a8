"""Training and validation rows: one stratified split, reproducible from a seed."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from twoclass.core.validation import check_bool, check_float, check_int


def split_train_validation(
    x: Any, y: Any, *, validation_fraction: float = 0.2, stratify: bool = True, seed: int = 0
) -> tuple[Any, Any, Any, Any]:
    """Split rows into training and validation sets, by default keeping the class balance in both.

    Works on NumPy arrays, DataFrames and Series (slices keep their type and index).

    Example:
        >>> x_tr, x_val, y_tr, y_val = split_train_validation(np.zeros((10, 2)), np.array([0, 1] * 5))
        >>> len(x_tr), len(x_val)
        (8, 2)
    """
    owner = "split_train_validation"
    fraction = check_float(
        validation_fraction,
        "validation_fraction",
        owner,
        minimum=0.0,
        maximum=1.0,
        include_minimum=False,
        include_maximum=False,
    )
    stratify = check_bool(stratify, "stratify", owner)
    seed = check_int(seed, "seed", owner, minimum=0)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of rows. Got {len(x)} and {len(y)}.")
    labels = np.asarray(y).ravel()
    n_val = int(np.ceil(fraction * len(labels)))
    if n_val < 1 or n_val >= len(labels):
        raise ValueError(
            f"The 'validation_fraction' parameter of {owner} leaves an empty training or validation set with "
            f"{len(labels)} rows. Got {fraction} instead."
        )
    if stratify:
        values, counts = np.unique(labels, return_counts=True)
        if len(values) < 2 or counts.min() < 2:
            raise ValueError(
                "A stratified split needs at least 2 rows of each of two classes. Got counts "
                f"{dict(zip(values.tolist(), counts.tolist()))}. Pass stratify=False or add rows."
            )
        if n_val < len(values) or len(labels) - n_val < len(values):
            raise ValueError(
                f"A stratified split of {len(labels)} rows with validation_fraction={fraction} cannot hold every "
                "class on both sides. Use a larger validation_fraction, more rows, or stratify=False."
            )
    parts = tuple(train_test_split(x, y, test_size=n_val, random_state=seed, stratify=labels if stratify else None))
    if stratify:
        # scikit-learn rounds each class's share: 2 validation rows of 6 + 2 may both come from the larger class
        for side in parts[2:]:
            if len(np.unique(np.asarray(side).ravel())) < len(values):
                raise ValueError(
                    f"A stratified split of {len(labels)} rows with validation_fraction={fraction} cannot hold every "
                    "class on both sides. Use a larger validation_fraction, more rows, or stratify=False."
                )
    return parts
