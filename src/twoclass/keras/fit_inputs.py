"""fit's arguments, validated once, in one place, and turned into the arrays the engine trains on."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from twoclass.core.arrays import as_binary_targets, as_features, as_sample_weight
from twoclass.core.validation import check_bool, check_float, check_int, invalid


class FitInputs(NamedTuple):
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    weight_val: np.ndarray | None
    batch_size: int
    epochs: int
    verbose: int
    shuffle: bool
    initial_epoch: int


def class_weight_vector(class_weight: Any, y: np.ndarray, owner: str = "fit") -> np.ndarray:
    """Per-row weights from Keras's `class_weight={0: w0, 1: w1}`, or 'balanced' (n / (2 * class count))."""
    if class_weight is None:
        return np.ones_like(y)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise invalid("class_weight", owner, "a dict {0: w0, 1: w1}, 'balanced' or None", class_weight)
        counts = np.array([np.sum(y == 0), np.sum(y == 1)], np.float64)
        class_weight = {c: len(y) / (2.0 * counts[c]) if counts[c] else 0.0 for c in (0, 1)}
    if not isinstance(class_weight, dict):
        raise invalid("class_weight", owner, "a dict {0: w0, 1: w1}, 'balanced' or None", class_weight)
    unknown = [k for k in class_weight if k not in (0, 1)]
    if unknown:
        raise invalid("class_weight", owner, "a dict keyed by the classes 0 and 1", class_weight)
    weights = {int(k): check_float(v, f"class_weight[{k}]", owner, minimum=0.0) for k, v in class_weight.items()}
    return np.where(y == 1, weights.get(1, 1.0), weights.get(0, 1.0)).astype(np.float32)


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise invalid("verbose", "fit", "one of 0, 1, 2 or 'auto'", verbose)
    return int(verbose)


def _validation_tuple(validation_data) -> tuple:
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise invalid(
            "validation_data",
            "fit",
            "a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val)",
            type(validation_data).__name__,
        )
    return tuple(validation_data) + ((None,) if len(validation_data) == 2 else ())


def prepare_fit_inputs(
    x,
    y,
    *,
    batch_size,
    epochs,
    verbose,
    validation_split,
    validation_data,
    shuffle,
    class_weight,
    sample_weight,
    initial_epoch,
    steps_per_epoch=None,
    validation_freq=1,
) -> FitInputs:
    epochs = check_int(epochs, "epochs", "fit", minimum=1)
    batch_size = 32 if batch_size is None else check_int(batch_size, "batch_size", "fit", minimum=1)
    initial_epoch = check_int(initial_epoch, "initial_epoch", "fit", minimum=0)
    validation_split = check_float(
        validation_split, "validation_split", "fit", minimum=0.0, maximum=1.0, include_maximum=False
    )
    shuffle = check_bool(shuffle, "shuffle", "fit")
    verbose = _verbosity(verbose)
    if steps_per_epoch is not None:
        raise invalid("steps_per_epoch", "fit", "None (twoclass always runs whole epochs over arrays)", steps_per_epoch)
    if validation_freq != 1:
        raise invalid("validation_freq", "fit", "1 (validation figures are computed every epoch)", validation_freq)
    if hasattr(x, "element_spec") or hasattr(x, "__next__"):
        raise TypeError(
            "fit takes arrays (NumPy, lists, pandas). Received a dataset/generator object; convert it to arrays first."
        )

    features = as_features(x, "x", "fit")
    targets = as_binary_targets(y, features.shape[0], "y", "fit")
    weight = as_sample_weight(sample_weight, features.shape[0])

    x_val = y_val = weight_val = None
    if validation_data is not None:
        vx, vy, vw = _validation_tuple(validation_data)
        x_val = as_features(vx, "validation_data[0]", "fit", n_features=features.shape[1])
        y_val = as_binary_targets(vy, x_val.shape[0], "validation_data[1]", "fit", require_both=False)
        weight_val = as_sample_weight(vw, x_val.shape[0])
    elif validation_split > 0:
        # Keras takes the last rows, before any shuffling.
        split_at = int(math.floor(features.shape[0] * (1.0 - validation_split)))
        if split_at == 0 or split_at == features.shape[0]:
            raise invalid(
                "validation_split",
                "fit",
                f"a fraction leaving rows on both sides of the split of {features.shape[0]} rows",
                validation_split,
            )
        x_val, y_val, weight_val = features[split_at:], targets[split_at:], weight[split_at:]
        features, targets, weight = features[:split_at], targets[:split_at], weight[:split_at]
        if len(np.unique(targets)) < 2:
            raise ValueError(
                "After validation_split, the training rows hold one class only. Shuffle the data "
                "before fit (Keras's validation_split takes the last rows)."
            )
    # As in Keras, class weights apply to the training rows only, never to validation figures.
    weight = weight * class_weight_vector(class_weight, targets)
    return FitInputs(
        features, targets, weight, x_val, y_val, weight_val, batch_size, epochs, verbose, shuffle, initial_epoch
    )
