"""The network on screen as a twoclass model, and what the pictures need from its weights.

`build_model` makes exactly the model the code panel's script makes (same layers, compile arguments and seed), so
the script reproduces the page's weights. The pictures (the output's surface, each neuron's small map, the losses
and the confusion matrix) come from `forward`: the model's weights (`get_weights()`) applied in NumPy to a few
thousand points, which takes about a millisecond and compiles nothing. Dropout is the identity at inference.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from twoclass import regularizers
from twoclass.layers import Dense, Dropout, Input
from twoclass.models import Sequential
from twoclass.optimizers import SGD, Adam
from twoclass.utils import set_random_seed

from .data import feature_matrix
from .settings import Settings, seed_number

__all__ = ["EPSILON", "Maps", "build_model", "forward", "losses", "surface"]

EPSILON = 1e-7  # Keras's clip for cross-entropy on probabilities
OUTPUT_DENSITY = 100  # DENSITY in playground.ts: the output's surface is 100 x 100
NEURON_DENSITY = 20  # each neuron's thumbnail

# set_random_seed feeds the generator Sequential() draws its seed from: two sessions building at once must not
# interleave there, or each would get the other's weights.
_SEED_LOCK = threading.Lock()


def regularizer(settings: Settings):
    """The kernel regularizer for every Dense layer, as the Playground applies its own to every weight.

    The Playground's L2 step is ``w -= learning_rate * rate * w`` (penalty ``rate * w**2 / 2``); Keras's L2(l2)
    penalty is ``l2 * w**2``, so its strength is half the Playground's rate. L1 is ``rate * |w|`` in both.
    """
    if settings.regularization == "none" or settings.regularizationRate == 0:
        return None
    if settings.regularization == "L1":
        return regularizers.L1(settings.regularizationRate)
    return regularizers.L2(settings.regularizationRate / 2)


def build_model(settings: Settings) -> Sequential:
    """The compiled, built model for `settings` (seeded from `settings.seed`).

    >>> build_model(Settings(seed="1")).count_params()
    25
    """
    with _SEED_LOCK:
        set_random_seed(seed_number(settings.seed))
        model = Sequential()
    model.add(Input(shape=(len(settings.features),)))
    for units, activation in zip(settings.networkShape, settings.layerActivations):
        model.add(Dense(units, activation=activation, kernel_regularizer=regularizer(settings)))
        if settings.dropout > 0:
            model.add(Dropout(settings.dropout))
    model.add(Dense(1, activation="sigmoid", kernel_regularizer=regularizer(settings)))
    optimizer = (SGD if settings.optimizer == "sgd" else Adam)(learning_rate=settings.learningRate)
    model.compile(
        optimizer=optimizer, loss="mse" if settings.loss == "mse" else "binary_crossentropy", metrics=["accuracy"]
    )
    model.build()
    return model


_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # no overflow warning for large |z|
    "linear": lambda z: z,
}


def dense_weights(weights: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel, bias) per Dense layer from get_weights() (Dropout has none)."""
    return [(weights[i], weights[i + 1]) for i in range(0, len(weights), 2)]


def forward(
    settings: Settings, layers: list[tuple[np.ndarray, np.ndarray]], features: np.ndarray, keep: bool = False
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(logits, probabilities, hidden activations if `keep`) for a feature matrix.

    >>> s = Settings(seed="1", networkShape=(), layerActivations=())
    >>> logits, p, _ = forward(s, [(np.ones((2, 1)), np.zeros(1))], np.array([[1.0, 2.0]]))
    >>> float(logits[0]), round(float(p[0]), 4)
    (3.0, 0.9526)
    """
    values = features.astype(np.float64)
    hidden = []
    for (kernel, bias), activation in zip(layers[:-1], settings.layerActivations):
        values = _ACTIVATIONS[activation](values @ kernel + bias)
        if keep:
            hidden.append(values)
    kernel, bias = layers[-1]
    logits = (values @ kernel + bias)[:, 0]
    return logits, _ACTIVATIONS["sigmoid"](logits), hidden


def losses(
    settings: Settings, logits: np.ndarray, labels: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]
) -> float:
    """The loss Keras reports for these rows: the mean loss plus the weight penalty.

    Cross-entropy from logits (the engine's form: a saturated sigmoid never gives log(0)); squared error on the
    sigmoid's output.
    """
    y = labels.astype(np.float64)
    if settings.loss == "bce":
        per_row = np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    else:
        per_row = np.square(y - _ACTIVATIONS["sigmoid"](logits))
    penalty = 0.0
    if settings.regularization != "none" and settings.regularizationRate > 0:
        kernels = [kernel for kernel, _ in layers]
        if settings.regularization == "L1":
            penalty = settings.regularizationRate * sum(float(np.abs(k).sum()) for k in kernels)
        else:
            penalty = settings.regularizationRate / 2 * sum(float(np.square(k).sum()) for k in kernels)
    return float(per_row.mean()) + penalty if len(per_row) else float("nan")


def grid_points(domain: tuple[float, float], density: int) -> np.ndarray:
    """Cell centres of a density x density grid, row-major, the first row at the top (largest x2)."""
    low, high = domain
    step = (high - low) / density
    axis = low + step * (np.arange(density) + 0.5)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


@dataclass
class Maps:
    """What the pictures show, as bytes 0-255: the output's probability, and each node's value in [-1, 1]."""

    output: bytes  # OUTPUT_DENSITY**2 probabilities
    nodes: list[list[bytes]]  # [hidden layer 1, ..., output]: NEURON_DENSITY**2 values per node (the page draws
    # the input features' maps itself: they never change)


def _to_bytes(values: np.ndarray, low: float, high: float) -> bytes:
    scaled = (np.clip(values, low, high) - low) / (high - low) * 255.0
    return np.round(scaled).astype(np.uint8).tobytes()


def surface(settings: Settings, layers: list[tuple[np.ndarray, np.ndarray]], domain: tuple[float, float]) -> Maps:
    """The output surface and every node's map over the square `domain`.

    Node colours use the Playground's scale: values clipped to [-1, 1] (so relu's and linear's large values
    saturate, as there); the output node's map shows 2p - 1, the Playground's tanh output.
    """
    fine = grid_points(domain, OUTPUT_DENSITY)
    _, probability, _ = forward(settings, layers, feature_matrix(fine, settings.features))
    coarse = feature_matrix(grid_points(domain, NEURON_DENSITY), settings.features)
    _, coarse_p, hidden = forward(settings, layers, coarse, keep=True)
    nodes = [[_to_bytes(values[:, j], -1, 1) for j in range(values.shape[1])] for values in hidden]
    nodes.append([_to_bytes(2 * coarse_p - 1, -1, 1)])
    return Maps(_to_bytes(probability, 0, 1), nodes)
