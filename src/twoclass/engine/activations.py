"""Activation functions by their Keras names. Pure jax.numpy; no state."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from twoclass.core.validation import unknown_name


def _linear(x):
    return x


def _hard_sigmoid(x):
    return jax.nn.relu6(x + 3.0) / 6.0


def _leaky_relu(x):
    return jax.nn.leaky_relu(x, negative_slope=0.2)


def _exponential(x):
    return jnp.exp(x)


def _gelu(x):
    return jax.nn.gelu(x, approximate=False)


def _mish(x):
    return x * jnp.tanh(jax.nn.softplus(x))


ACTIVATIONS: dict[str, Callable] = {
    "linear": _linear,
    "relu": jax.nn.relu,
    "relu6": jax.nn.relu6,
    "sigmoid": jax.nn.sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "tanh": jnp.tanh,
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "gelu": _gelu,
    "swish": jax.nn.silu,
    "silu": jax.nn.silu,
    "softplus": jax.nn.softplus,
    "softsign": jax.nn.soft_sign,
    "leaky_relu": _leaky_relu,
    "exponential": _exponential,
    "mish": _mish,
    "softmax": jax.nn.softmax,  # accepted so that a two-unit softmax output gets a clear "use one unit" error
}


def activation_name(activation) -> str:
    """Normalise what a user passes as `activation=` (None, a name, or one of our functions) to a name."""
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        name = activation.lower()
        if name not in ACTIVATIONS:
            raise unknown_name("activation", activation, ACTIVATIONS)
        return name
    for name, function in ACTIVATIONS.items():
        if activation is function or getattr(activation, "__name__", None) == name:
            return name
    raise unknown_name("activation", activation, ACTIVATIONS)


def get(name: str) -> Callable:
    return ACTIVATIONS[activation_name(name)]
