"""fit's arguments, validated once, in one place, and turned into the arrays the engine trains on."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from twoclass.core.arrays import as_binary_targets, as_features, as_sample_weight
from twoclass.core.targets import balanced_class_weight
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
        class_weight = balanced_class_weight(y)
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
    if isinstance(verbose, bool):  # verbose=False / True, as tutorials write it (Keras takes it, and evaluate did)
        return int(verbose)
    if verbose not in (0, 1, 2):
        raise invalid("verbose", "fit", "one of 0, 1, 2, True, False or 'auto'", verbose)
    return int(verbose)


def dense(x):
    """A SciPy sparse matrix (CountVectorizer's output) as a dense float32 array, as Keras on JAX densifies it; other
    inputs unchanged. SciPy is not imported: a sparse matrix is recognised by its methods."""
    if hasattr(x, "toarray") and hasattr(x, "tocsr") and hasattr(x, "nnz"):
        return np.asarray(x.toarray(), dtype=np.float32)
    return x


def _batches_per_pass(rows: int, batch_size: int) -> int:
    return max(1, math.ceil(rows / batch_size))


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
    validation_steps=None,
    validation_batch_size=None,
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
        steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", "fit", minimum=1)
    if validation_steps is not None:
        validation_steps = check_int(validation_steps, "validation_steps", "fit", minimum=1)
    if validation_freq != 1:
        raise invalid("validation_freq", "fit", "1 (validation figures are computed every epoch)", validation_freq)
    if hasattr(x, "element_spec") or hasattr(x, "__next__"):
        raise TypeError(
            "fit takes arrays (NumPy, lists, pandas): tf.data is TensorFlow's input pipeline; pass the arrays and "
            f"batch_size=, shuffle=True instead. Received: x of type {type(x).__name__}."
        )

    features = as_features(dense(x), "x", "fit")
    targets = as_binary_targets(y, features.shape[0], "y", "fit")
    weight = as_sample_weight(sample_weight, features.shape[0])

    x_val = y_val = weight_val = None
    if validation_data is not None:
        vx, vy, vw = _validation_tuple(validation_data)
        x_val = as_features(dense(vx), "validation_data[0]", "fit", n_features=features.shape[1])
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
    if steps_per_epoch is not None and steps_per_epoch < _batches_per_pass(features.shape[0], batch_size):
        # Keras then takes the epochs' batches one after another from a pass over the data (an epoch ends where a
        # pass ends); the compiled engine runs whole passes, so only steps_per_epoch >= one pass's batches (which
        # Keras also runs as whole passes) is taken.
        passes = _batches_per_pass(features.shape[0], batch_size)
        raise invalid(
            "steps_per_epoch",
            "fit",
            f"None or at least the {passes} batches of one pass over the {features.shape[0]} rows (then Keras too "
            f"runs whole passes); for fewer steps per epoch use "
            f"batch_size={math.ceil(features.shape[0] / steps_per_epoch)}",
            steps_per_epoch,
        )
    if validation_steps is not None and x_val is not None:
        # Keras evaluates the first validation_steps batches of the validation rows (they are never shuffled)
        keep = validation_steps * (validation_batch_size or batch_size)
        x_val, y_val = x_val[:keep], y_val[:keep]
        weight_val = None if weight_val is None else weight_val[:keep]
    # As in Keras, class weights apply to the training rows only, never to validation figures.
    weight = weight * class_weight_vector(class_weight, targets)
    return FitInputs(
        features, targets, weight, x_val, y_val, weight_val, batch_size, epochs, verbose, shuffle, initial_epoch
    )
