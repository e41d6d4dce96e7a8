"""The training engine: pure functions over arrays and pytrees, compiled by XLA once per structure.

A fit is a few calls of one compiled function, each running several epochs: every epoch draws an order of the
rows from its key (`engine/shuffle.py`), loops over its minibatches (the last partial batch is masked, not dropped), and
computes the training and validation loss and metrics on the device. Between calls the host prints progress and
runs callbacks.

Compiled functions are cached by `Plan` (layer structures, loss, optimizer kind, metrics, batch size), never by
model object, so a new model of the same architecture reuses them. Numbers such as the learning rate, dropout rate
or L2 strength travel in `hyper` as inputs. Row counts are padded to size buckets, so datasets of similar size share
one compiled function too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from twoclass.engine import metrics as metrics
from twoclass.engine import schedules as schedules
from twoclass.engine.cache import CACHE_DIR, PROGRAM_DIR, enable_compilation_cache
from twoclass.engine.forward import NEEDS_RNG, Context, apply_model, ends_in_sigmoid, penalty
from twoclass.engine.losses import PER_ROW
from twoclass.engine.optimizers import OptimizerStructure, build_transform, initial_state, set_hyperparams
from twoclass.engine.shuffle import shuffled_order
from twoclass.engine.stored import PREPARED, StoredFunction, program_cache
from twoclass.engine.tables import Table, bucket, eval_batch_size, float32_tree, pad_table, padded_rows

# Re-exported: callers see the engine's data and cache through this module as before.
__all__ = [
    "CACHE_DIR",
    "CHUNK_EPOCHS",
    "PROGRAM_DIR",
    "Hyper",
    "Plan",
    "Table",
    "TrainState",
    "bucket",
    "enable_compilation_cache",
    "eval_batch_size",
    "evaluate_fn",
    "fit_tables",
    "float32_tree",
    "init_train_state",
    "metric_names",
    "pad_table",
    "padded_rows",
    "predict_fn",
    "prng_key",
    "trace_count",
    "train_fn",
    "unit_activity_fn",
]

CHUNK_EPOCHS = 32  # the most epochs one compiled call runs; fewer are asked for when callbacks need every epoch


def trace_count(kind: str | None = None) -> int:
    """How many programs ("train", "evaluate", "predict", "unit_activity") were traced or loaded for a new argument
    signature: each is one compilation or cache load."""
    return sum(PREPARED.values()) if kind is None else PREPARED[kind]


def fit_tables(plan: Plan, inputs) -> tuple[Table, Table | None]:
    """The padded training table and, when the plan validates, the validation table of checked fit inputs."""
    if plan.layout is not None:
        return plan.layout.tables(plan, inputs)
    train = pad_table(inputs.x, inputs.y, inputs.weight, plan.batch_size)
    val = pad_table(inputs.x_val, inputs.y_val, inputs.weight_val, plan.eval_batch) if plan.has_validation else None
    return train, val


# --------------------------------------------------------------------------------------------------------------------
# What a compiled function is keyed by, and the state it carries.


class Plan(NamedTuple):
    layers: tuple
    loss: tuple
    optimizer: OptimizerStructure
    metrics: tuple
    batch_size: int
    shuffle: bool
    eval_batch: int
    has_validation: bool
    layout: Any = None  # a data-parallel fit's DataLayout (`distribute.py`): its devices and padded row counts


class Hyper(NamedTuple):
    layers: list
    loss: dict
    schedule: dict


class TrainState(NamedTuple):
    params: Any
    state: Any
    opt_state: Any
    key: jax.Array
    step: jax.Array  # optimizer updates applied so far
    epoch: jax.Array  # epochs completed so far


def init_train_state(
    plan_optimizer: OptimizerStructure, optimizer_hyper: dict, params, state, key, step=0, epoch=0
) -> TrainState:
    opt_state = initial_state(plan_optimizer, optimizer_hyper, params)
    return TrainState(params, state, opt_state, key, np.int32(step), np.int32(epoch))


def prng_key(seed: int) -> np.ndarray:
    """The raw key `jax.random.PRNGKey(seed)` would give (threefry: [high word, low word]), made on the host."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return np.array([seed >> 32, seed & 0xFFFFFFFF], np.uint32)


def _splits_sigmoid(layers: tuple, loss: tuple) -> bool:
    from_logits = len(loss) > 1 and loss[1]
    return ends_in_sigmoid(layers) and not from_logits


def _is_logit(layers: tuple, loss: tuple) -> bool:
    return _splits_sigmoid(layers, loss) or (len(loss) > 1 and bool(loss[1]))


def _forward(layers, loss, params, states, layer_hyper, x, ctx):
    """Returns (what the loss takes, what the user sees as output, new layer states)."""
    split = _splits_sigmoid(layers, loss)
    out, states = apply_model(layers, params, states, layer_hyper, x, ctx, split_sigmoid=split)
    out = out[:, 0]
    return out, (jax.nn.sigmoid(out) if split else out), states


def _data_loss(plan_loss, loss_hyper, y, loss_input, weight, is_logit):
    return PER_ROW[plan_loss[0]](plan_loss, loss_hyper, y, loss_input, is_logit) * weight


def _all_finite(tree) -> jax.Array:
    leaves = jax.tree_util.tree_leaves(tree)
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(leaf)) for leaf in leaves])) if leaves else jnp.array(True)


# --------------------------------------------------------------------------------------------------------------------
# Evaluation and prediction.


def _minibatches(layout, table: Table, order, size: int, domain: int):
    """A function of i giving the rows of minibatch i (in `order`, or in table order when None) and which of them
    are real. One device slices them; a data-parallel layout spreads each minibatch over its devices."""
    if layout is not None:
        return layout.minibatches(table, order, size, domain)
    ordered = table.rows if order is None else table.rows[order]  # one gather an epoch, then contiguous slices

    def minibatch(i):
        return jax.lax.dynamic_slice_in_dim(ordered, i * size, size), (i * size + jnp.arange(size)) < table.n

    return minibatch


def _evaluate(layers, loss, metric_structures, eval_batch, params, states, hyper: Hyper, data: Table, layout=None):
    """Loss (plus the weight penalty, as Keras reports it) and metrics over all real rows, in batches."""
    is_logit = _is_logit(layers, loss)
    ctx = Context(False, None, None)
    n_batches = (data.n + eval_batch - 1) // eval_batch
    batches = _minibatches(layout, data, None, eval_batch, layout.val_rows if layout else data.rows.shape[0])

    def body(i, carry):
        loss_sum, metric_states = carry
        rows, row_mask = batches(i)
        minibatch = Table(rows, data.n)
        xb, yb, wb = minibatch.x, minibatch.y, minibatch.weight
        loss_input, output, _ = _forward(layers, loss, params, states, hyper.layers, xb, ctx)
        loss_sum = loss_sum + _data_loss(loss, hyper.loss, yb, loss_input, wb, is_logit).sum()
        metric_states = [
            metrics.update_state(m, s, yb, output, metrics.row_weight(m, wb, row_mask))
            for m, s in zip(metric_structures, metric_states)
        ]
        return loss_sum, metric_states

    start_states = [metrics.init_state(m) for m in metric_structures]
    loss_sum, metric_states = jax.lax.fori_loop(0, n_batches, body, (jnp.zeros(()), start_states))
    total = loss_sum / jnp.maximum(data.n, 1) + penalty(layers, params, hyper.layers)
    return total, [metrics.result(m, s) for m, s in zip(metric_structures, metric_states)]


@program_cache
def evaluate_fn(layers: tuple, loss: tuple, metric_structures: tuple, eval_batch: int) -> StoredFunction:
    def run(params, states, hyper, data):
        return _evaluate(layers, loss, metric_structures, eval_batch, params, states, hyper, data)

    return StoredFunction(
        run,
        "evaluate",
        (layers, loss, metric_structures, eval_batch),
        PROGRAM_DIR,
        output_tree=lambda args: (0, [0] * len(metric_structures)),
    )


@program_cache
def predict_fn(layers: tuple, loss: tuple, eval_batch: int, logits: bool = False) -> StoredFunction:
    """Model outputs (or logits) for every padded row, batch by batch."""
    ctx = Context(False, None, None)

    def run(params, states, layer_hyper, data: Table):
        x = data.x  # sliced here, not on the host: an eager slice of a device array is a program of its own
        batches = x.reshape(-1, eval_batch, x.shape[1])
        loss_for_split = loss if not logits else ("bce", False)

        def one(xb):
            loss_input, output, _ = _forward(layers, loss_for_split, params, states, layer_hyper, xb, ctx)
            return loss_input if logits else output

        return jax.lax.map(one, batches).reshape(-1)

    return StoredFunction(run, "predict", (layers, loss, eval_batch, logits), PROGRAM_DIR, output_tree=lambda args: 0)


@program_cache
def unit_activity_fn(layers: tuple, watched: tuple[int, ...]) -> StoredFunction:
    """For each layer index in `watched`, whether each of its units is positive on at least one real row of `data`
    (not on padding): what the dead-ReLU hint counts. One compiled program, not an eager op per layer, each of
    which would cost a fresh process a compilation or cache load."""
    ctx = Context(False, None, None)

    def run(params, states, layer_hyper, data: Table):
        x = data.x
        real = (jnp.arange(x.shape[0]) < data.n)[:, None]
        active = []
        for index in watched:  # the model cut after each watched layer; XLA computes the shared prefixes once
            end = index + 1
            h, _ = apply_model(layers[:end], params[:end], states[:end], layer_hyper[:end], x, ctx, split_sigmoid=False)
            active.append(jnp.any((h > 0) & real, axis=0))
        return active

    return StoredFunction(
        run, "unit_activity", (layers, watched), PROGRAM_DIR, output_tree=lambda args: [0] * len(watched)
    )


# --------------------------------------------------------------------------------------------------------------------
# Training.


def metric_names(plan: Plan, names: tuple[str, ...]) -> list[str]:
    keys = ["loss", *names]
    if plan.has_validation:
        keys += ["val_" + k for k in keys]
    return keys


def _run_epoch(plan: Plan, hyper: Hyper, ts: TrainState, train: Table, val: Table | None):
    is_logit = _is_logit(plan.layers, plan.loss)
    batch = plan.batch_size
    rows = train.x.shape[0] if plan.layout is None else plan.layout.rows  # what one device's order is drawn over
    transform = build_transform(plan.optimizer, ts.opt_state.hyperparams)
    schedule = plan.optimizer.schedule
    # threefry only where a layer draws noise: each call costs time in every epoch and in the first trace
    needs_rng = any(layer[0] in NEEDS_RNG for layer in plan.layers)
    noise_key = jax.random.fold_in(ts.key, ts.epoch) if needs_rng else None
    order = shuffled_order(ts.key, ts.epoch, rows, train.n) if plan.shuffle else jnp.arange(rows)
    n_batches = (train.n + batch - 1) // batch

    def loss_fn(params, states, xb, yb, wb, mask, rng):
        loss_input, output, new_states = _forward(
            plan.layers, plan.loss, params, states, hyper.layers, xb, Context(True, rng, mask)
        )
        count = jnp.maximum(mask.sum(), 1).astype(jnp.float32)
        data = _data_loss(plan.loss, hyper.loss, yb, loss_input, wb, is_logit).sum() / count
        return data + penalty(plan.layers, params, hyper.layers), (output, new_states)

    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

    batches = _minibatches(plan.layout, train, order if plan.shuffle else None, batch, rows)

    def step(i, carry):
        params, states, opt_state, step_count, metric_states, loss_sum, seen = carry
        rows_i, mask = batches(i)
        minibatch = Table(rows_i, train.n)
        xb, yb, wb = minibatch.x, minibatch.y, minibatch.weight
        (loss_value, (output, states)), grads = grad_fn(
            params, states, xb, yb, wb, mask, jax.random.fold_in(noise_key, i) if needs_rng else None
        )
        if schedule is not None:
            rate = schedules.evaluate(schedule, hyper.schedule, step_count.astype(jnp.float32))
            opt_state = set_hyperparams(opt_state, {"learning_rate": rate})
        updates, opt_state = transform.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        metric_states = [
            metrics.update_state(m, s, yb, output, metrics.row_weight(m, wb, mask))
            for m, s in zip(plan.metrics, metric_states)
        ]
        count = mask.sum().astype(jnp.float32)
        return params, states, opt_state, step_count + 1, metric_states, loss_sum + loss_value * count, seen + count

    start = (
        ts.params,
        ts.state,
        ts.opt_state,
        ts.step,
        [metrics.init_state(m) for m in plan.metrics],
        jnp.zeros(()),
        jnp.zeros(()),
    )
    params, states, opt_state, step_count, metric_states, loss_sum, seen = jax.lax.fori_loop(0, n_batches, step, start)
    logs = [loss_sum / jnp.maximum(seen, 1.0)] + [metrics.result(m, s) for m, s in zip(plan.metrics, metric_states)]
    if plan.has_validation:
        val_loss, val_metrics = _evaluate(
            plan.layers, plan.loss, plan.metrics, plan.eval_batch, params, states, hyper, val, plan.layout
        )
        logs += [val_loss, *val_metrics]
    new_ts = TrainState(params, states, opt_state, ts.key, step_count, ts.epoch + 1)
    finite = jnp.isfinite(logs[0]) & _all_finite(params)
    return new_ts, jnp.stack(logs), finite


def _train_chunk(plan: Plan, ts: TrainState, train: Table, val: Table | None, hyper: Hyper, n_epochs):
    """Run up to CHUNK_EPOCHS epochs. Stops (and keeps the last good weights) at the first non-finite epoch."""
    n_logs = (1 + len(plan.metrics)) * (2 if plan.has_validation else 1)

    def epoch(e, carry):
        ts, logs, diverged = carry
        # A select, not lax.cond: under vmap (fit_seeds) a cond on a per-seed flag makes every operand per-seed,
        # the row count too, and the minibatch loop then pays a select per step. Epochs after a divergence
        # are recomputed from the kept weights and thrown away; the host stops at the end of the chunk anyway.
        new_ts, values, finite = _run_epoch(plan, hyper, ts, train, val)
        keep_new = finite & ~diverged
        ts = jax.tree_util.tree_map(lambda new, old: jnp.where(keep_new, new, old), new_ts, ts)
        values = jnp.where(diverged, jnp.nan, values)
        return ts, logs.at[e].set(values), diverged | ~finite

    logs = jnp.full((CHUNK_EPOCHS, n_logs), jnp.nan)
    ts, logs, diverged = jax.lax.fori_loop(0, n_epochs, epoch, (ts, logs, jnp.array(False)))
    # what the host needs after a call, in one small array: one transfer instead of three
    status = jnp.stack([ts.epoch, ts.step, diverged.astype(jnp.int32)])
    return ts, logs, status


@program_cache
def train_fn(plan: Plan, over_seeds: bool = False) -> StoredFunction:
    """The compiled chunk of epochs for a plan; `over_seeds` vmaps it over a leading axis of the train state."""

    def run(ts, train, val, hyper, n_epochs):
        return _train_chunk(plan, ts, train, val, hyper, n_epochs)

    function = jax.vmap(run, in_axes=(0, None, None, None, None)) if over_seeds else run
    if plan.layout is not None:  # compiled for the layout's devices (`distribute.py`)
        return plan.layout.program(function, "train")
    return StoredFunction(function, "train", (plan, over_seeds), PROGRAM_DIR, output_tree=lambda args: (args[0], 0, 0))
