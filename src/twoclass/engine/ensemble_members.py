"""The members of the recipe's ensemble (`twoclass.engine.ensemble`): their log-odds (the linear path plus each
member's MLP, dense or sparse rows), the losses the programs minimise and judge by, and their initial weights.

Example:
    >>> from twoclass.engine.ensemble_plan import EnsemblePlan
    >>> params = initial_params(EnsemblePlan(8, (16,), 4, 32, 10), np.zeros(8), 0.0, seed=0)
    >>> params["first"]["kernel"].shape
    (8, 64)
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from twoclass.engine.ensemble_plan import EVAL_CHUNK, EnsemblePlan, Rows, _mask, layer_widths

# ------------------------------------------------------------------------------------------------ forward


def _times(kernel: jax.Array, values: jax.Array, columns: jax.Array, sparse: bool) -> jax.Array:
    """rows @ kernel, for dense rows or (column, value) pairs (a gather of the kernel's rows, weighted and summed)."""
    if sparse:
        return jnp.einsum("bn,bno->bo", values, kernel[columns])
    return values @ kernel


def _linear(params: dict, values: jax.Array, columns: jax.Array, sparse: bool) -> jax.Array:
    kernel = params["linear"]["kernel"]
    z = jnp.sum(values * kernel[columns], axis=1) if sparse else values @ kernel
    return z + params["linear"]["bias"]


def _member_linear(params: dict, values: jax.Array, columns: jax.Array, sparse: bool) -> jax.Array:
    """Every member's linear path, (rows, members); the kernels are stored (members, features)."""
    kernel = params["linear"]["kernel"].T
    z = jnp.einsum("bn,bnk->bk", values, kernel[columns]) if sparse else values @ kernel
    return z + params["linear"]["bias"]


def member_logits(
    params: dict,
    plan: EnsemblePlan,
    values: jax.Array,
    columns: jax.Array,
    key: jax.Array | None = None,
    first_mask: jax.Array | None = None,
) -> jax.Array:
    """Log-odds of every member, shape (rows, members); ``key`` turns dropout on (training). With ``plan.embed``
    the first kernel is multiplied by ``first_mask`` (features, embed), the same for every member, and no dropout
    follows the embedding layer (it follows the hidden layers)."""
    z_linear = _member_linear(params, values, columns, plan.sparse)
    if not plan.hidden:
        return z_linear
    widths = layer_widths(plan)
    first = params["first"]
    kernel = first["kernel"]
    if plan.embed:
        kernel = kernel * jnp.tile(first_mask, (1, plan.members))
    h = jax.nn.relu(_times(kernel, values, columns, plan.sparse) + first["bias"])
    h = h.reshape(h.shape[0], plan.members, widths[0])
    keys = jax.random.split(key, len(widths)) if key is not None and plan.dropout > 0 else None
    for index, layer in enumerate([None, *params["hidden"]]):
        if layer is not None:
            h = jax.nn.relu(jnp.einsum("bkw,kwo->bko", h, layer["kernel"]) + layer["bias"])
        if keys is not None and not (plan.embed and index == 0):
            keep = jax.random.bernoulli(keys[index], 1.0 - plan.dropout, h.shape)
            h = jnp.where(keep, h / (1.0 - plan.dropout), 0.0)
    out = jnp.einsum("bkw,kw->bk", h, params["head"]["kernel"]) + params["head"]["bias"]
    return out + z_linear


def _bce(z: jax.Array, y: jax.Array) -> jax.Array:
    """Binary cross-entropy from log-odds, per element (softplus form: finite for any z)."""
    return jax.nn.softplus(z) - y * z


def _held_out_mean(z: jax.Array, held: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Per row, the mean log-odds of the members that hold it out (``held`` (rows, members), 0 or 1), and whether
    any does. With every member holding every row out (a validation split) it is the members' mean."""
    count = jnp.sum(held, axis=1)
    return jnp.sum(z * held, axis=1) / jnp.maximum(count, 1.0), (count > 0).astype(z.dtype)


def _mean_logit_loss(
    params: dict, plan: EnsemblePlan, rows: Rows, held: jax.Array, first_mask: jax.Array | None = None
) -> jax.Array:
    """Weighted validation loss of the held-out members' mean log-odds (`_held_out_mean`), evaluated in chunks."""
    chunk = min(EVAL_CHUNK, rows.y.shape[0])
    count = rows.y.shape[0] // chunk

    def part(pieces):
        values, columns, y, weight, mask = pieces
        z, any_held = _held_out_mean(member_logits(params, plan, values, columns, first_mask=first_mask), mask)
        return jnp.stack([jnp.sum(weight * any_held * _bce(z, y)), jnp.sum(weight * any_held)])

    pieces = jax.tree_util.tree_map(lambda a: a.reshape(count, chunk, *a.shape[1:]), (*rows, held))
    total = jnp.sum(jax.lax.map(part, pieces), axis=0)
    return total[0] / jnp.maximum(total[1], 1e-12)


# ------------------------------------------------------------------------------------------------ initial weights


def started_linear(start: Any, kernels: Any, biases: Any) -> dict:
    """The members' linear paths: member m's is its fit (``kernels[m]``, ``biases[m]``) where ``start[m]`` is 1, zero
    where it is 0; the one rule for `initial_params`, the one-program fit and its data-parallel twin (NumPy or JAX)."""
    return {"kernel": (start[:, None] * kernels).astype(np.float32), "bias": (start * biases).astype(np.float32)}


def initial_params(
    plan: EnsemblePlan,
    linear_kernel: np.ndarray,
    linear_bias: Any,
    seed: int,
    fitted: Any = True,
    first_mask: np.ndarray | None = None,
) -> dict:
    """The members' weights (He-normal kernels, zero biases, zero output layers); the linear path of the members
    where ``fitted`` is true (a bool, or one per member) starts from ``linear_kernel`` and ``linear_bias``, the
    others' at zero. A kernel (members, features) and biases (members,) give each member its own start (the
    logistic regression of its own training rows, in cross-validation bagging). With ``plan.embed``, ``first_mask``
    (features, embed) is the embedding layer's block mask: each unit's He scale counts only the features it reads."""
    rng = np.random.default_rng(seed)
    k, widths = plan.members, layer_widths(plan)
    start = np.broadcast_to(np.asarray(fitted, bool), (k,)).astype(np.float32)
    kernels = np.broadcast_to(np.asarray(linear_kernel, np.float32), (k, plan.n_features))
    biases = np.broadcast_to(np.asarray(linear_bias, np.float32), (k,))
    params: dict = {"linear": started_linear(start, kernels, biases)}
    if not plan.hidden:
        return params
    fan_in: Any = plan.n_features
    mask = _mask(plan, first_mask)
    if mask is not None:  # each embedding unit reads only its column's features
        fan_in = np.tile(np.maximum(mask.astype(np.float64).sum(axis=0), 1.0), k)
    params["first"] = {
        "kernel": (rng.standard_normal((plan.n_features, k * widths[0])) * np.sqrt(2.0 / fan_in)).astype(np.float32),
        "bias": np.zeros(k * widths[0], np.float32),
    }
    params["hidden"] = [
        {
            "kernel": (rng.standard_normal((k, a, b)) * math.sqrt(2.0 / a)).astype(np.float32),
            "bias": np.zeros((k, b), np.float32),
        }
        for a, b in zip(widths[:-1], widths[1:])
    ]
    params["head"] = {"kernel": np.zeros((k, widths[-1]), np.float32), "bias": np.zeros(k, np.float32)}
    return params


def folded(params: dict, plan: EnsemblePlan, first_mask: np.ndarray | None) -> dict:
    """The parameters with the embedding layer's mask multiplied into its kernel (as the program applies it), so
    the first layer is a plain Dense kernel; unchanged without an embedding layer."""
    if not plan.embed or not plan.hidden:
        return params
    mask = np.tile(np.asarray(first_mask, np.float32), (1, plan.members))
    return {**params, "first": {**params["first"], "kernel": np.asarray(params["first"]["kernel"]) * mask}}
