"""Layer weights as Keras exposes them: `layer.kernel`, `layer.bias` (with `.assign`, `.numpy()`, `.shape`),
`layer.weights`, `layer.get_weights()` / `set_weights()`, and a layer called on data.

The weights themselves stay where the engine keeps them, in the model's parameter list (and layer states for
batch-norm statistics); a `Variable` is a view onto one entry, so `model.layers[-1].bias.assign([0.0])` (the
TensorFlow imbalanced-data tutorial) changes what the next `fit` starts from. A layer knows the model it was last
added to; a layer in no built model has no weights yet, as in Keras before `build`.

>>> from twoclass.models import Sequential
>>> from twoclass.layers import Dense, Input
>>> model = Sequential([Input((3,)), Dense(1, activation="sigmoid")])
>>> model.layers[-1].bias.assign([0.5]).numpy()
array([0.5], dtype=float32)
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

# Keras's order of a layer's variables: trainable ones first, then the non-trainable statistics.
_TRAINABLE = ("kernel", "bias", "gamma", "beta")
_NON_TRAINABLE = ("moving_mean", "moving_variance", "mean", "variance")


# layer -> its model, both weakly held (nothing on the layer itself, so layers still copy and pickle)
_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach(layer, model) -> None:
    """Called when a layer is added to a model: its variables are that model's entries."""
    _MODELS[layer] = weakref.ref(model)


def _position(layer):
    ref = _MODELS.get(layer)
    model = ref() if ref is not None else None
    if model is None:
        return None, None
    index = next((i for i, candidate in enumerate(model.layers) if candidate is layer), None)
    if index is None:
        return None, None
    if model.params is None and model.input_dim is not None:
        model.ensure_built(None, "read weights")  # Keras builds a model whose input shape is known
    if model.params is None:
        return None, None
    return model, index


def variable_names(layer) -> list[str]:
    model, index = _position(layer)
    if model is None:
        return []
    params, state = model.params[index], model.states[index]
    return [n for n in _TRAINABLE if n in params] + [n for n in _NON_TRAINABLE if n in state]


class Variable:
    """One weight of a layer: `numpy()`, `shape`, `dtype`, `assign(value)`, and NumPy conversion (`np.asarray(v)`)."""

    def __init__(self, layer, name: str):
        self._layer, self.name = layer, name
        self.trainable = name in _TRAINABLE

    @property
    def path(self) -> str:
        ref = _MODELS.get(self._layer)
        model = ref() if ref is not None else None
        prefix = f"{model.name}/" if model is not None else ""
        return f"{prefix}{self._layer.name}/{self.name}"  # Keras 3: 'sequential/dense/kernel'

    def _where(self) -> tuple[Any, int, str]:
        model, index = _position(self._layer)
        if model is None:
            raise ValueError(f"Layer '{self._layer.name}' has no weights yet: add it to a model and build or fit it.")
        return model, index, ("params" if self.trainable else "states")

    def numpy(self) -> np.ndarray:
        model, index, which = self._where()
        return np.array(getattr(model, which)[index][self.name], np.float32)

    value = property(numpy)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.numpy().shape)

    @property
    def dtype(self) -> str:
        return "float32"

    def assign(self, value) -> Variable:
        """Replace the values (broadcast as Keras does: `bias.assign([0.0])`); the next fit starts from them."""
        model, index, which = self._where()
        current = getattr(model, which)[index][self.name]
        new = np.asarray(value, np.float32)
        if new.shape != np.shape(current):
            try:
                new = np.broadcast_to(new, np.shape(current)).copy()
            except ValueError:
                raise ValueError(
                    f"{self.path}.assign expects an array of shape {np.shape(current)}. Received: shape {new.shape}."
                ) from None
        entries = list(getattr(model, which))
        entries[index] = {**entries[index], self.name: new}
        if which == "params":
            model.replace_weights(entries, model.states)
        else:
            model.replace_weights(model.params, entries)
        return self

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype=float32>"


def layer_variable(layer, name: str) -> Variable:
    if name in _TRAINABLE + _NON_TRAINABLE and name in variable_names(layer):
        return Variable(layer, name)
    raise AttributeError(f"'{type(layer).__name__}' object has no attribute '{name}'")


def layer_weights(layer) -> list[Variable]:
    return [Variable(layer, name) for name in variable_names(layer)]


def get_layer_weights(layer) -> list[np.ndarray]:
    model, index = _position(layer)
    if model is None:
        return []
    return [np.array(w) for w in layer.keras_weights(model.params[index], model.states[index])]


def set_layer_weights(layer, weights: list) -> None:
    model, index = _position(layer)
    expected = get_layer_weights(layer)
    if model is None or len(weights) != len(expected):
        raise ValueError(
            f"Layer '{layer.name}'.set_weights expects {len(expected)} arrays (shapes "
            f"{[w.shape for w in expected]}). Received: {len(weights)} arrays."
        )
    for position, (new, old) in enumerate(zip(weights, expected)):
        if np.shape(new) != old.shape:
            raise ValueError(f"set_weights: array {position} must have shape {old.shape}. Received: {np.shape(new)}.")
    input_dim = model.input_dim if index == 0 else model.output_dims()[index - 1]
    p, s = layer.from_keras_weights([np.array(w, np.float32) for w in weights], input_dim)
    params, states = list(model.params), list(model.states)
    params[index], states[index] = p, s
    model.replace_weights(params, states)


def call_eagerly(layer, inputs) -> np.ndarray:
    """A layer called on data computes its output, as in Keras: Normalization and Activation by themselves, a
    layer with weights from the model it belongs to; Dropout and GaussianNoise pass data through (inference)."""
    from twoclass.engine.activations import get as activation

    def apply_activation(name, values):
        return activation(name)(values)

    x = np.asarray(getattr(inputs, "values", inputs), np.float32)
    kind = layer.kind
    if kind == "normalization" and layer.is_adapted():
        return ((x - layer.mean) / np.maximum(np.sqrt(layer.variance), 1e-7)).astype(np.float32)
    if kind == "activation":
        return np.asarray(apply_activation(layer.activation, x), np.float32)
    if kind in ("dropout", "gaussian_noise"):
        return x
    if kind == "dense" and variable_names(layer):
        out = x @ layer.kernel.numpy() + (layer.bias.numpy() if layer.use_bias else 0.0)
        return np.asarray(apply_activation(layer.activation, out), np.float32)
    raise TypeError(
        f"Layer '{layer.name}' has no weights to compute with yet. Received: inputs of type {type(inputs).__name__}. "
        "Put it in a model and build or fit it, or call it on Input(...) to build a model."
    )
