"""The computation of each layer kind, as pure functions keyed by the `kind` of a layer's structure.

The engine runs a model from its structures alone (`apply_model`), so compiled code depends on the architecture,
never on layer objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from twoclass.engine.activations import ACTIVATIONS


class Context(NamedTuple):
    """Per-call facts a layer may need: training or inference, randomness, which rows are real (not padding)."""

    training: bool
    rng: jax.Array | None
    mask: jax.Array | None


# --------------------------------------------------------------------------------------------------------------------
# Layer structures: what compiled code depends on (hashable, named). Numbers (rates, L2 strengths) are not here.


class DenseStructure(NamedTuple):
    kind: str  # "dense"
    units: int
    activation: str
    use_bias: bool
    regularized: bool  # a kernel or bias regularizer adds to the loss


class ActivationStructure(NamedTuple):
    kind: str  # "activation"
    activation: str


class BatchNormStructure(NamedTuple):
    kind: str  # "batch_norm"
    center: bool
    scale: bool


class LayerStructure(NamedTuple):
    """Layers whose code depends on nothing but their kind: dropout, gaussian_noise, normalization."""

    kind: str


def activation_of(structure: NamedTuple) -> str | None:
    """The activation a layer applies last (Dense and Activation layers), else None."""
    return getattr(structure, "activation", None)


# --------------------------------------------------------------------------------------------------------------------
# Pure computations, keyed by structure kind.


def _matmul(x, kernel):
    if kernel.shape[0] > 2:
        return x @ kernel
    # Two inputs (the playground's points): XLA's CPU dot is a library call per product and per gradient, with
    # more overhead than work at this size; two broadcast products fuse with the bias and the activation instead.
    # Measured on the slides' net: 20-30% less time per fit. With 4 or 8 inputs the fused sums were slower.
    y = x[:, 0:1] * kernel[0]
    for i in range(1, kernel.shape[0]):
        y = y + x[:, i : i + 1] * kernel[i]
    return y


def _apply_dense(structure, params, state, hyper, x, ctx, final_linear=False):
    y = _matmul(x, params["kernel"])
    if structure.use_bias:
        y = y + params["bias"]
    if not final_linear:
        y = ACTIVATIONS[structure.activation](y)
    return y, state


def _apply_activation(structure, params, state, hyper, x, ctx, final_linear=False):
    return (x if final_linear else ACTIVATIONS[structure.activation](x)), state


def _apply_dropout(structure, params, state, hyper, x, ctx, final_linear=False):
    if not ctx.training:
        return x, state
    rate = hyper["rate"]
    keep = jax.random.uniform(ctx.rng, x.shape) >= rate
    return jnp.where(keep, x / (1.0 - rate), 0.0), state


def _apply_gaussian_noise(structure, params, state, hyper, x, ctx, final_linear=False):
    if not ctx.training:
        return x, state
    return x + hyper["stddev"] * jax.random.normal(ctx.rng, x.shape), state


def _apply_normalization(structure, params, state, hyper, x, ctx, final_linear=False):
    scale = jnp.maximum(jnp.sqrt(state["variance"]), 1e-7)
    return (x - state["mean"]) / scale, state


def _apply_batch_norm(structure, params, state, hyper, x, ctx, final_linear=False):
    epsilon, momentum = hyper["epsilon"], hyper["momentum"]
    if ctx.training:
        weight = jnp.ones((x.shape[0], 1)) if ctx.mask is None else ctx.mask[:, None].astype(x.dtype)
        count = jnp.maximum(weight.sum(), 1.0)
        mean = (x * weight).sum(0) / count
        variance = (jnp.square(x - mean) * weight).sum(0) / count
        state = {
            "moving_mean": state["moving_mean"] * momentum + mean * (1.0 - momentum),
            "moving_variance": state["moving_variance"] * momentum + variance * (1.0 - momentum),
        }
    else:
        mean, variance = state["moving_mean"], state["moving_variance"]
    y = (x - mean) * jax.lax.rsqrt(variance + epsilon)
    if structure.scale:
        y = y * params["gamma"]
    if structure.center:
        y = y + params["beta"]
    return y, state


APPLY: dict[str, Callable] = {
    "dense": _apply_dense,
    "activation": _apply_activation,
    "dropout": _apply_dropout,
    "gaussian_noise": _apply_gaussian_noise,
    "normalization": _apply_normalization,
    "batch_norm": _apply_batch_norm,
}

NEEDS_RNG = {"dropout", "gaussian_noise"}


def ends_in_sigmoid(structures: tuple) -> bool:
    """Whether the last layer squashes with a sigmoid; the engine then trains on the logit, for numerical safety."""
    if not structures:
        return False
    return activation_of(structures[-1]) == "sigmoid"


def apply_model(structures, params, states, hypers, x, ctx: Context, *, split_sigmoid: bool):
    """Run every layer in order; with `split_sigmoid`, the last sigmoid is left out so the caller gets the logit."""
    new_states = []
    last = len(structures) - 1
    for index, (structure, p, s, h) in enumerate(zip(structures, params, states, hypers)):
        layer_ctx = ctx
        if structure.kind in NEEDS_RNG and ctx.training:
            layer_ctx = ctx._replace(rng=jax.random.fold_in(ctx.rng, index))
        x, s = APPLY[structure.kind](structure, p, s, h, x, layer_ctx, final_linear=split_sigmoid and index == last)
        new_states.append(s)
    return x, new_states


def penalty(structures, params, hypers) -> jax.Array:
    """The regularisation term added to the loss: sum of l1*|w| + l2*w**2 over regularised weights."""
    total = jnp.zeros(())
    for structure, p, h in zip(structures, params, hypers):
        if getattr(structure, "regularized", False):
            kernel = p["kernel"]
            total = total + h["kernel_l1"] * jnp.abs(kernel).sum() + h["kernel_l2"] * jnp.square(kernel).sum()
            if "bias" in p:
                bias = p["bias"]
                total = total + h["bias_l1"] * jnp.abs(bias).sum() + h["bias_l2"] * jnp.square(bias).sum()
    return total
