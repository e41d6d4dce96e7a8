"""The floor: a short hand-written JAX program per workload, the whole run in ONE jitted function.

Epochs are a ``lax.scan``; inside it a ``jax.random`` permutation and a ``lax.scan`` over minibatches (the last
partial batch kept, masked); optax for the optimizer; for W2 the validation metrics of every epoch inside the scan
too. W4 is the same function ``vmap``-ed over 32 seeds. It shows what this machine can do.
"""

from __future__ import annotations

import functools
import json
import math
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from benchmarks.speed.peers import common

ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu}


def init_params(key, sizes):
    """Glorot-uniform kernels and zero biases, as Keras's Dense."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        params.append(
            (jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -limit, limit), jnp.zeros((fan_out,), jnp.float32))
        )
    return params


def logits(params, x, activations):
    h = x
    for (w, b), name in zip(params[:-1], activations):
        h = ACTIVATIONS[name](h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[:, 0]


def _optimizer(spec):
    if spec["optimizer"] == "sgd":
        return optax.sgd(spec["learning_rate"])
    return optax.adam(spec["learning_rate"], eps=1e-7)  # Keras's epsilon


def _build_run(spec, n, n_features):
    activations = tuple(act for _, act in spec["layers"][:-1])
    sizes = [n_features] + [units for units, _ in spec["layers"]]
    batch, epochs = spec["batch_size"], spec["epochs"]
    n_batches = -(-n // batch)
    padded = n_batches * batch
    opt = _optimizer(spec)

    def batch_loss(params, xb, yb, mask):
        z = logits(params, xb, activations)
        count = mask.sum()
        loss = jnp.sum(optax.sigmoid_binary_cross_entropy(z, yb) * mask) / count
        correct = jnp.sum(((z > 0) == (yb > 0.5)) * mask)
        return loss, (count, correct)

    grad_fn = jax.value_and_grad(batch_loss, has_aux=True)

    def run(key, x, y, x_val, y_val):
        init_key, shuffle_key = jax.random.split(key)
        params = init_params(init_key, sizes)
        mask = (jnp.arange(padded) < n).astype(jnp.float32).reshape(n_batches, batch)

        def epoch(carry, epoch_key):
            def step(carry, batch_of):
                params, opt_state = carry
                (loss, (count, correct)), grads = grad_fn(params, *batch_of)
                updates, opt_state = opt.update(grads, opt_state, params)
                return (optax.apply_updates(params, updates), opt_state), (loss * count, correct)

            # One gather per epoch, then the scan walks contiguous minibatches.
            perm = jax.random.permutation(epoch_key, n)
            index = jnp.concatenate([perm, jnp.zeros(padded - n, perm.dtype)])
            batches = (x[index].reshape(n_batches, batch, -1), y[index].reshape(n_batches, batch), mask)
            carry, (losses, corrects) = lax.scan(step, carry, batches)
            metrics = {"loss": losses.sum() / n, "accuracy": corrects.sum() / n}
            if spec["validation"]:
                z = logits(carry[0], x_val, activations)
                metrics["val_loss"] = optax.sigmoid_binary_cross_entropy(z, y_val).mean()
                metrics["val_accuracy"] = jnp.mean((z > 0) == (y_val > 0.5))
            return carry, metrics

        (params, _), history = lax.scan(epoch, (params, opt.init(params)), jax.random.split(shuffle_key, epochs))
        return params, history

    return run


@functools.cache
def _compiled(spec_json: str, n: int, n_features: int, seeds: int):
    # A user writes this program once and calls it again: built (and traced) once per process.
    run = _build_run(json.loads(spec_json), n, n_features)
    if seeds:
        return jax.jit(jax.vmap(run, in_axes=(0, None, None, None, None)))
    return jax.jit(run)


def train(spec, split, seed):
    run = _compiled(json.dumps(spec), len(split.y), split.x.shape[1], 0)
    out = run(jax.random.key(seed), split.x, split.y, split.x_val, split.y_val)
    return jax.block_until_ready(out)


def check(trained, spec, split):
    params, history = trained
    activations = [a for _, a in spec["layers"][:-1]]
    return common.fit_figures(history, spec, split, lambda: jax.nn.sigmoid(logits(params, split.x_val, activations)))


def train_seeds(spec, split, seeds):
    run = _compiled(json.dumps(spec), len(split.y), split.x.shape[1], len(seeds))
    keys = jax.vmap(jax.random.key)(jnp.asarray(seeds))
    return jax.block_until_ready(run(keys, split.x, split.y, split.x_val, split.y_val))


def check_seeds(trained, spec, split):
    return {"train_accuracies": [float(a) for a in np.asarray(trained[1]["accuracy"])[:, -1]]}


def predict_bench(spec, split, predict_x, workdir: Path):
    params, _ = train(spec, split, 0)
    activations = tuple(a for _, a in spec["layers"][:-1])
    path = workdir / "floor_params.npz"
    np.savez(path, *[np.asarray(a) for layer in params for a in layer])
    start = time.perf_counter()
    arrays = np.load(path)
    flat = [jnp.asarray(arrays[f"arr_{i}"]) for i in range(len(arrays.files))]
    loaded = list(zip(flat[::2], flat[1::2]))
    predict = jax.jit(lambda p, x: jax.nn.sigmoid(logits(p, x, activations)))
    load_s = time.perf_counter() - start

    def proba(x):
        return np.asarray(predict(loaded, x))

    reference = np.asarray(jax.nn.sigmoid(logits(params, split.x_val, activations)))
    return common.predict_figures(proba, reference, split, predict_x, load_s)
