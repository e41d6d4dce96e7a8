"""After fit: short hints when something typical went wrong, each naming the problem and what to do.

Every detector is a small pure function of plain arrays (the training inputs, the history, the layers' kinds) that
returns one sentence or None. `diagnose` gathers them; it costs one forward pass over (at most) a few thousand
training rows, and only when the model has ReLU units to inspect.

>>> scale_hint(np.array([[1.0, 1000.0], [2.0, 3000.0]]), first_layer_kind="dense") is not None
True
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from twoclass.engine import programs as engine
from twoclass.engine.forward import activation_of

SCALE_RATIO = 100.0  # columns whose spreads differ this much make gradient steps fit one and ignore the others
FLAT_LOSS_TOLERANCE = 0.02  # relative distance to the class-prior entropy counted as "learned nothing"
FLAT_ACCURACY_TOLERANCE = 0.02
DEAD_FRACTION = 0.5
OVERFIT_GAP = 0.15
DIVERGENCE_FACTOR = 3.0
DIVERGENCE_MARGIN = 0.1
_MIN_ROWS_FOR_DEAD = 32  # on a handful of rows a unit can be silent by chance, not dead
_FORWARD_ROWS = 4096  # dead units are judged on this many training rows at most, to keep diagnose cheap
_ACCURACY_KEYS = ("accuracy", "acc", "binary_accuracy")


# --------------------------------------------------------------------------------------------------------------------
# Detectors: pure functions, one problem each.


def scale_hint(x: np.ndarray, first_layer_kind: str) -> str | None:
    """(a) Input columns whose standard deviations differ by SCALE_RATIO or more, with nothing standardising them."""
    if first_layer_kind in ("normalization", "batch_norm") or x.ndim != 2 or x.shape[1] < 2:
        return None
    spread = np.std(np.asarray(x, np.float64), axis=0)
    spread = spread[np.isfinite(spread) & (spread > 0)]
    if spread.size < 2 or spread.max() / spread.min() < SCALE_RATIO:
        return None
    return (
        f"The input columns differ in scale by {spread.max() / spread.min():.0f}x (standard deviations from "
        f"{spread.min():.3g} to {spread.max():.3g}); put a Normalization layer first and call its adapt(x_train) "
        "before fit, so every column counts."
    )


def prior_loss(y: np.ndarray, weight: np.ndarray) -> float:
    """The binary cross-entropy of always predicting the (weighted) positive rate: what guessing the balance costs."""
    total = float(np.sum(weight))
    if total <= 0:
        return float("nan")
    p = float(np.sum(weight * y)) / total
    if p <= 0.0 or p >= 1.0:
        return 0.0
    entropy = -(p * math.log(p) + (1.0 - p) * math.log(1.0 - p))
    return entropy * total / len(y)  # fit's loss averages weight * row loss over rows


def flat_loss_hint(
    loss: list[float], accuracy: list[float] | None, y: np.ndarray, weight: np.ndarray, is_cross_entropy: bool
) -> str | None:
    """(b) The final training loss sits at the class-prior entropy and accuracy at the majority rate."""
    if not is_cross_entropy or not loss or not math.isfinite(loss[-1]):
        return None
    level = prior_loss(y, weight)
    if not level > 0 or abs(loss[-1] - level) > FLAT_LOSS_TOLERANCE * level:
        return None
    majority = max(float(np.mean(y)), 1.0 - float(np.mean(y)))
    if accuracy and abs(accuracy[-1] - majority) > FLAT_ACCURACY_TOLERANCE:
        return None
    return (
        f"The training loss ({loss[-1]:.4f}) stayed at the level of always guessing the class balance "
        f"({level:.4f}): the network learned nothing beyond how common each class is; scale the inputs, raise "
        "the learning rate or train for more epochs."
    )


def dead_relu_hint(dead: int, total: int) -> str | None:
    """(c) Most hidden ReLU units output zero on every training row, so no gradient reaches them any more."""
    if total == 0 or dead / total <= DEAD_FRACTION:
        return None
    return (
        f"{dead} of {total} hidden ReLU units output zero on every training row (dead units that no longer "
        "learn); lower the learning rate, use kernel_initializer='he_normal', or switch to "
        "activation='leaky_relu'."
    )


def overfit_hint(history: dict[str, list[float]]) -> str | None:
    """(d) Training accuracy far above validation, or validation loss rising while training loss falls."""
    accuracy_key = next((k for k in _ACCURACY_KEYS if k in history and f"val_{k}" in history), None)
    if accuracy_key is not None:
        gap = history[accuracy_key][-1] - history[f"val_{accuracy_key}"][-1]
        if gap > OVERFIT_GAP:
            return (
                f"Training accuracy ({history[accuracy_key][-1]:.3f}) is far above validation accuracy "
                f"({history[f'val_{accuracy_key}'][-1]:.3f}): the model is over-fitting; use "
                "EarlyStopping(monitor='val_loss', restore_best_weights=True), add Dropout, or an L2 "
                "kernel_regularizer."
            )
    loss, val_loss = history.get("loss", []), history.get("val_loss", [])
    if len(val_loss) < 6 or len(loss) != len(val_loss):
        return None
    start = len(loss) - max(2, len(loss) // 3) - 1
    train_falls = loss[-1] < loss[start] and all(b <= a * 1.01 for a, b in zip(loss[start:], loss[start + 1 :]))
    val_rises = val_loss[-1] > val_loss[start] * 1.05 and val_loss[-1] > min(val_loss) * 1.10
    if train_falls and val_rises:
        best = int(np.argmin(val_loss))
        return (
            f"The validation loss rose over the last epochs (best {val_loss[best]:.4f} at epoch {best + 1}, now "
            f"{val_loss[-1]:.4f}) while the training loss kept falling: the model is over-fitting; use "
            "EarlyStopping(monitor='val_loss', restore_best_weights=True), add Dropout, or an L2 "
            "kernel_regularizer."
        )
    return None


def divergence_hint(loss: list[float], learning_rate: float | None) -> str | None:
    """(e) The loss ended far above its minimum and trends upwards: the steps overshoot."""
    finite = [v for v in loss if math.isfinite(v)]
    if len(finite) < 3:
        return None
    third = max(1, len(finite) // 3)
    # Epoch losses of an overshooting run zig-zag, so "rising" compares the last third with the first.
    if np.mean(finite[-third:]) <= np.mean(finite[:third]):
        return None
    # Relative and absolute: a loss wobbling between 0.001 and 0.004 near zero has not diverged.
    if finite[-1] <= DIVERGENCE_FACTOR * min(finite) or finite[-1] - min(finite) < DIVERGENCE_MARGIN:
        return None
    rate = f" ({learning_rate:g})" if learning_rate is not None else ""
    return (
        f"The training loss diverged: it ended at {finite[-1]:.4g}, over {DIVERGENCE_FACTOR:.0f}x its minimum "
        f"({min(finite):.4g}), and was still rising; the learning rate{rate} is too high, lower it (e.g. by 10x)."
    )


# --------------------------------------------------------------------------------------------------------------------
# Facts about the model that the detectors need.


def count_dead_relu_units(model, x: np.ndarray) -> tuple[int, int]:
    """(dead, total) hidden ReLU units over the rows of x: a unit is dead when it is zero on every row."""
    structures = model.layer_structures()
    relu_at = tuple(i for i, s in enumerate(structures[:-1]) if _is_relu(s))
    if not relu_at or model.params is None or x.shape[0] < _MIN_ROWS_FOR_DEAD:
        return 0, 0
    table = engine.pad_table(x[:_FORWARD_ROWS], None, None, batch_size=1)  # bucketed rows: few shapes, few programs
    activity = engine.unit_activity_fn(structures, relu_at)
    active = activity(model.params, model.states, model.layer_hyper(), table)
    alive = np.concatenate(jax.device_get(active))
    return int(alive.size - alive.sum()), int(alive.size)


def _is_relu(structure) -> bool:
    return activation_of(structure) == "relu"


def _learning_rate(model) -> float | None:
    try:
        return float(model.optimizer.current_learning_rate())
    except (AttributeError, TypeError, ValueError):
        return None  # a schedule or an optimizer without a plain rate: the hint is still useful without it


def diagnose(model, inputs, history) -> list[str]:
    """Hints for what went wrong in a finished fit (an empty list for a healthy run).

    >>> import twoclass as keras
    >>> model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="binary_crossentropy")
    >>> h = model.fit(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]), epochs=1, verbose=0)
    >>> h.diagnostics
    []
    """
    logs: dict[str, Any] = history.history
    loss = list(logs.get("loss", []))
    structures = model.layer_structures()
    first_kind = structures[0].kind if structures else ""
    accuracy_key = next((k for k in _ACCURACY_KEYS if k in logs), None)
    loss_structure = model.loss.structure() if model.loss is not None else ("",)
    smoothing = getattr(model.loss, "label_smoothing", 0.0)
    is_cross_entropy = loss_structure[0] == "bce" and not smoothing

    diverged = divergence_hint(loss, _learning_rate(model))
    hints = [
        scale_hint(inputs.x, first_kind),
        diverged,
        # A diverged run's loss says nothing about the class balance; one hint is enough.
        None if diverged else flat_loss_hint(loss, logs.get(accuracy_key), inputs.y, inputs.weight, is_cross_entropy),
    ]
    if any(_is_relu(s) for s in structures[:-1]):
        hints.append(dead_relu_hint(*count_dead_relu_units(model, inputs.x)))
    hints.append(overfit_hint(logs))
    return [hint for hint in hints if hint]
