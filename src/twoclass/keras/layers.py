"""Layers: what each computes, never how it is trained.

A layer object holds configuration only. The engine sees three things from it: `structure()` (a hashable tuple that
keys compiled functions), `hyper()` (numbers fed to the compiled step as inputs, so changing a dropout rate or an L2
strength compiles nothing) and `init()` (fresh parameters). The computation itself is a pure function in
`twoclass.engine.forward.APPLY`, under the structure's kind, so compiled code depends on structure alone.

The base class `Layer` is in `base_layer.py` and the session's names (`unique_name`, `clear_session`) in
`naming.py`; both stay importable from here. This module holds the layers themselves, the registry of their Keras
class names (`LAYER_CLASSES`, which configs are read through) and `Input`.

Example:
    >>> sorted(LAYER_CLASSES)[:3]
    ['Activation', 'BatchNormalization', 'Dense']
"""

from __future__ import annotations

import numpy as np

from twoclass.core.validation import check_float, check_int
from twoclass.engine.activations import activation_name
from twoclass.engine.forward import ActivationStructure, BatchNormStructure, DenseStructure
from twoclass.keras import initializers as initializers
from twoclass.keras import regularizers as regularizers

# Re-exported: the model, metrics, configs, weight files and twoclass.layers import these from here.
from twoclass.keras.base_layer import Layer as Layer
from twoclass.keras.base_layer import _input_dim_from as _input_dim_from
from twoclass.keras.naming import _name_counters as _name_counters
from twoclass.keras.naming import _snake as _snake
from twoclass.keras.naming import clear_session as clear_session
from twoclass.keras.naming import unique_name as unique_name


class InputLayer(Layer):
    kind = "input"

    def __init__(self, shape=None, *, batch_size=None, name=None, input_shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        super().__init__(name=name or unique_name("input_layer"), input_shape=shape, **kwargs)

    def get_config(self):
        return {"batch_shape": [None, self.input_dim], "dtype": "float32", "sparse": False, "name": self.name}


class Dense(Layer):
    """A fully connected layer: `activation(x @ kernel + bias)`.

    >>> Dense(4, activation="tanh", input_shape=(2,))
    <Dense name=dense>
    """

    kind = "dense"

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_int(units, "units", "Dense", minimum=1)
        self.activation = activation_name(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def structure(self):
        regularized = self.kernel_regularizer is not None or self.bias_regularizer is not None
        return DenseStructure("dense", self.units, self.activation, self.use_bias, regularized)

    def hyper(self):
        kernel = self.kernel_regularizer or regularizers.L1L2()
        bias = self.bias_regularizer or regularizers.L1L2()
        return {"kernel_l1": kernel.l1, "kernel_l2": kernel.l2, "bias_l1": bias.l1, "bias_l2": bias.l2}

    def output_dim(self, input_dim):
        return self.units

    def init(self, rng, input_dim):
        params = {"kernel": self.kernel_initializer(rng, (input_dim, self.units))}
        if self.use_bias:
            params["bias"] = self.bias_initializer(rng, (self.units,))
        return params, {}

    def keras_weights(self, params, state):
        return [params["kernel"], params["bias"]] if self.use_bias else [params["kernel"]]

    def from_keras_weights(self, weights, input_dim):
        params = {"kernel": weights[0]}
        if self.use_bias:
            params["bias"] = weights[1]
        return params, {}

    def n_keras_weights(self):
        return 2 if self.use_bias else 1

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": None,
            "bias_constraint": None,
        }


class Activation(Layer):
    kind = "activation"

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation_name(activation)

    def structure(self):
        return ActivationStructure("activation", self.activation)

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


class Dropout(Layer):
    """Zeroes a fraction `rate` of inputs while training and scales the rest by 1 / (1 - rate)."""

    kind = "dropout"

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_float(rate, "rate", "Dropout", minimum=0.0, maximum=1.0, include_maximum=False)
        self.seed = seed

    def hyper(self):
        return {"rate": self.rate}

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": None}


class GaussianNoise(Layer):
    kind = "gaussian_noise"

    def __init__(self, stddev: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_float(stddev, "stddev", "GaussianNoise", minimum=0.0)
        self.seed = seed

    def hyper(self):
        return {"stddev": self.stddev}

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class BatchNormalization(Layer):
    kind = "batch_norm"

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if axis not in (-1, 1):
            raise ValueError(
                f"The 'axis' parameter of BatchNormalization must be -1 or 1 for tables. Got {axis!r} instead."
            )
        self.momentum = check_float(momentum, "momentum", "BatchNormalization", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", "BatchNormalization", minimum=0.0, include_minimum=False)
        self.center, self.scale = bool(center), bool(scale)

    def structure(self):
        return BatchNormStructure("batch_norm", self.center, self.scale)

    def hyper(self):
        return {"momentum": self.momentum, "epsilon": self.epsilon}

    def init(self, rng, input_dim):
        params = {}
        if self.scale:
            params["gamma"] = np.ones((input_dim,), np.float32)
        if self.center:
            params["beta"] = np.zeros((input_dim,), np.float32)
        state = {
            "moving_mean": np.zeros((input_dim,), np.float32),
            "moving_variance": np.ones((input_dim,), np.float32),
        }
        return params, state

    def keras_weights(self, params, state):
        out = [params["gamma"]] if self.scale else []
        out += [params["beta"]] if self.center else []
        return out + [state["moving_mean"], state["moving_variance"]]

    def from_keras_weights(self, weights, input_dim):
        weights = list(weights)
        params = {}
        if self.scale:
            params["gamma"] = weights.pop(0)
        if self.center:
            params["beta"] = weights.pop(0)
        return params, {"moving_mean": weights[0], "moving_variance": weights[1]}

    def n_keras_weights(self):
        return 2 + int(self.scale) + int(self.center)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": -1,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(initializers.Zeros()),
            "gamma_initializer": initializers.serialize(initializers.Ones()),
            "moving_mean_initializer": initializers.serialize(initializers.Zeros()),
            "moving_variance_initializer": initializers.serialize(initializers.Ones()),
            "beta_regularizer": None,
            "gamma_regularizer": None,
            "beta_constraint": None,
            "gamma_constraint": None,
            "synchronized": False,
        }


class Normalization(Layer):
    """Standardises each feature with a mean and variance learned by `adapt(x)` (or given), as Keras does."""

    kind = "normalization"

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if invert:
            raise ValueError("The 'invert' parameter of Normalization is not supported by twoclass. Got True instead.")
        self.mean = None if mean is None else np.asarray(mean, np.float32).reshape(-1)
        self.variance = None if variance is None else np.asarray(variance, np.float32).reshape(-1)
        self.count = 0

    def adapt(self, data) -> None:
        from twoclass.core.arrays import as_features

        x = as_features(data, "data", "Normalization.adapt")
        self.mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
        self.variance = x.var(axis=0, dtype=np.float64).astype(np.float32)
        self.count = x.shape[0]
        self._adapted_state = None  # the model re-reads mean/variance at its next build or fit

    def is_adapted(self) -> bool:
        return self.mean is not None

    def init(self, rng, input_dim):
        if self.mean is None:
            raise ValueError(
                f"The Normalization layer '{self.name}' has no mean and variance yet. Call "
                f"layer.adapt(x_train) before fitting, or pass mean= and variance=."
            )
        mean = np.broadcast_to(self.mean, (input_dim,)).astype(np.float32)
        variance = np.broadcast_to(self.variance, (input_dim,)).astype(np.float32)
        return {}, {"mean": mean, "variance": variance}

    def keras_weights(self, params, state):
        return [state["mean"], state["variance"], np.asarray(self.count, np.int64)]

    def from_keras_weights(self, weights, input_dim):
        self.mean, self.variance = np.asarray(weights[0]), np.asarray(weights[1])
        self.count = int(np.asarray(weights[2])) if len(weights) > 2 else 0
        return {}, {"mean": np.asarray(weights[0], np.float32), "variance": np.asarray(weights[1], np.float32)}

    def n_keras_weights(self):
        return 3

    def get_config(self):
        return {**super().get_config(), "axis": [-1], "invert": False, "mean": None, "variance": None}


LAYER_CLASSES = {
    cls.__name__: cls
    for cls in (InputLayer, Dense, Activation, Dropout, GaussianNoise, BatchNormalization, Normalization)
}


def Input(shape=None, batch_size=None, name=None, **kwargs):
    """The symbolic input of a functional model, or the first item of a Sequential list: `Input(shape=(4,))`."""
    from twoclass.keras.functional import SymbolicTensor

    layer = InputLayer(shape=shape, name=name, **kwargs)
    return SymbolicTensor(layer, ())
