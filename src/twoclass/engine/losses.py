"""Per-row losses for a single sigmoid output: pure functions of (structure, hyper, target, output, is_logit).

When the model ends in a sigmoid, the engine hands the loss the logit (pre-activation) instead of the probability,
so binary cross-entropy is computed as softplus(z) - y*z: exact for any z, never log(0). The Keras-style `Loss`
objects (`twoclass.keras.losses`) only name a structure and its numbers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

EPSILON = 1e-7  # Keras's backend.epsilon(), used when a loss must take probabilities


def _smooth(y, hyper):
    return y * (1.0 - hyper["label_smoothing"]) + 0.5 * hyper["label_smoothing"]


def _bce_from_logits(y, z):
    # JAX gives max(z, 0) a gradient of 0 at z = 0; the last term (exactly 0 in value, and in gradient anywhere else)
    # adds the missing 1/2 there, so a logit of exactly 0 (a zero-initialised model) trains on sigmoid(0) - y, as
    # Keras does, and every other number stays bit for bit what it was
    return jnp.maximum(z, 0.0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))) + 0.5 * jnp.where(z == 0.0, z, 0.0)


def _bce_from_probabilities(y, p):
    p = jnp.clip(p, EPSILON, 1.0 - EPSILON)
    return -(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p))


def _bce(structure, hyper, y, out, is_logit):
    y = _smooth(y, hyper)
    return _bce_from_logits(y, out) if is_logit else _bce_from_probabilities(y, out)


def _focal(structure, hyper, y, out, is_logit):
    _, _, class_balancing = structure
    y = _smooth(y, hyper)
    p = jax.nn.sigmoid(out) if is_logit else jnp.clip(out, EPSILON, 1.0 - EPSILON)
    bce = _bce_from_logits(y, out) if is_logit else _bce_from_probabilities(y, out)
    p_t = y * p + (1.0 - y) * (1.0 - p)
    # the double-where trick: d/dx x**gamma at x = 0 is 0 * inf = NaN for gamma < 1, and 1 - p_t is exactly 0 once
    # sigmoid(z) rounds to 1; the same value there, but the gradient flows only through x > 0 (elsewhere x**gamma
    # is taken at 1, and its gradient masked away)
    remaining = 1.0 - p_t
    positive = remaining > 0.0
    modulating = jnp.where(
        positive,
        jnp.power(jnp.where(positive, remaining, 1.0), hyper["gamma"]),
        jax.lax.stop_gradient(jnp.power(remaining, hyper["gamma"])),
    )
    loss = modulating * bce
    if class_balancing:
        loss = loss * (y * hyper["alpha"] + (1.0 - y) * (1.0 - hyper["alpha"]))
    return loss


def _mse(structure, hyper, y, out, is_logit):
    p = jax.nn.sigmoid(out) if is_logit else out
    return jnp.square(y - p)


def _mae(structure, hyper, y, out, is_logit):
    p = jax.nn.sigmoid(out) if is_logit else out
    return jnp.abs(y - p)


PER_ROW = {"bce": _bce, "focal": _focal, "mse": _mse, "mae": _mae}
