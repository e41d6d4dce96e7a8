"""The networks' joint training as a compiled program (`twoclass.engine.ensemble`): shared minibatches, the
members' mean loss, the flat-then-cosine learning rate, the epoch with the lowest validation loss of the mean
log-odds, and the stopping rule (`keeps_going`); inside ``with DataParallel():`` over its devices
(`engine.ensemble_parallel`). With ``plan.average`` the weights judged and kept are an average of the steps' weights
(a moving average, or each epoch's mean), carried in the same loop: no step leaves the program.

Example:
    >>> float(flat_cosine(10, 40)), round(float(flat_cosine(30, 40)), 4)
    (1.0, 0.5)
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from twoclass.engine import distribute as data_parallel
from twoclass.engine import ensemble_parallel
from twoclass.engine.cache import PROGRAM_DIR
from twoclass.engine.ensemble_members import _bce, _mean_logit_loss, member_logits
from twoclass.engine.ensemble_plan import EnsemblePlan, Hyper, Masks, Rows, TrainedEnsemble, program_inputs
from twoclass.engine.programs import prng_key
from twoclass.engine.shuffle import shuffled_order
from twoclass.engine.stored import StoredFunction, program_cache

STOP_PATIENCE = 4  # the stopping rule waits at least this many epochs after the best


def flat_cosine(step: jax.Array, total: int) -> jax.Array:
    """1 for the first half of training, then a half cosine down to 0 (RealMLP's flat_cos)."""
    t = step / total
    return jnp.where(t < 0.5, 1.0, 0.5 * (1.0 + jnp.cos(jnp.pi * (2.0 * t - 1.0))))


def keeps_going(number: Any, best_epoch: Any) -> Any:
    """Whether epoch ``number`` (0-based) runs, with the best validation loss so far at epoch ``best_epoch``: while
    the epochs since the best are at most half as many as the epochs up to it, and at least `STOP_PATIENCE`. On the
    small tables the validation loss bottoms out at epoch 5-20 of 64 and only rises after (BENCHMARKS.md), so the
    rule saves most of a fit there and none where the best epoch comes late (Adult). Measured on the 36 fits of the
    accuracy benchmark run to the end: waiting as many epochs as it took (the rule before) or half as many keeps the
    same best epoch in every fit, with 16% fewer epochs run; a third as many would too, a quarter would not.

    Example:
        >>> bool(keeps_going(14, 9)), bool(keeps_going(15, 9))
        (True, False)
    """
    return number - best_epoch <= jnp.maximum((best_epoch + 2) // 2, STOP_PATIENCE)


def _decays(params: dict) -> dict:
    """Weight decay on kernels only, never biases, and not on the linear path (it holds the logistic regression's
    own L2 optimum)."""
    return jax.tree_util.tree_map_with_path(
        lambda path, _: path[-1].key == "kernel" and path[0].key != "linear", params
    )


def _train(
    plan: EnsemblePlan,
    params: dict,
    train: Rows,
    val: Rows,
    key: jax.Array,
    hyper: Hyper,
    train_mask: jax.Array,
    val_mask: jax.Array,
    take: Any = None,
):
    # ``take(index)`` picks a minibatch's rows and their member mask; `engine.ensemble_parallel` passes one that
    # spreads them over devices
    if take is None:

        def take(index):
            return Rows(*[a[index] for a in train]), train_mask[index]

    rows = train.y.shape[0]
    steps = rows // plan.batch_size
    total = steps * plan.epochs
    shape = flat_cosine if plan.schedule == "flat_cosine" else (lambda step, total: 1.0)
    optimizer = optax.adamw(
        lambda step: hyper.learning_rate * shape(step, total), weight_decay=hyper.weight_decay, mask=_decays(params)
    )
    n = jnp.sum(train.weight > 0).astype(jnp.int32)
    has_validation = val.y.shape[0] > 0
    order_key, dropout_key = jax.random.split(key)

    def loss_fn(p, batch: Rows, mask: jax.Array, step_key):
        z = member_logits(p, plan, batch.values, batch.columns, step_key, hyper.first_mask)
        target = batch.y * (1.0 - hyper.label_smoothing) + 0.5 * hyper.label_smoothing
        # the members' mean loss, each member on its own rows (all of them, but in cross-validation bagging)
        weight = batch.weight[:, None] * mask
        per_member = jnp.sum(weight * _bce(z, target[:, None]), axis=0) / jnp.maximum(jnp.sum(weight, axis=0), 1e-12)
        return jnp.mean(per_member)

    averaged = plan.average > 0

    def averaging(avg, p, count):
        # the weights judged and kept: a moving average with decay plan.average, or (1) the mean of the epoch's steps
        if plan.average >= 1:
            return jax.tree_util.tree_map(lambda a, b: a + (b - a) / (count + 1.0), avg, p)
        return jax.tree_util.tree_map(lambda a, b: plan.average * a + (1.0 - plan.average) * b, avg, p)

    def epoch(carry, number):
        p, state, best, best_loss, best_epoch, avg = carry
        order = shuffled_order(order_key, number, rows, n).reshape(steps, plan.batch_size)
        step_keys = jax.random.split(jax.random.fold_in(dropout_key, number), steps)

        def step(c, inputs):
            p, state, avg = c
            index, step_key, count = inputs
            batch, mask = take(index)
            loss, grads = jax.value_and_grad(loss_fn)(p, batch, mask, step_key)
            updates, state = optimizer.update(grads, state, p)
            p = optax.apply_updates(p, updates)
            return (p, state, averaging(avg, p, count) if averaged else avg), loss

        counts = jnp.arange(steps, dtype=jnp.float32)
        (p, state, avg), losses = jax.lax.scan(step, (p, state, avg), (order, step_keys, counts))
        judged = avg if averaged else p
        val_loss = (
            _mean_logit_loss(judged, plan, val, val_mask, hyper.first_mask) if has_validation else jnp.float32(jnp.nan)
        )
        better = (val_loss < best_loss) if has_validation else jnp.bool_(True)
        best = jax.tree_util.tree_map(lambda a, b: jnp.where(better, a, b), judged, best)
        carry = (p, state, best, jnp.where(better, val_loss, best_loss), jnp.where(better, number, best_epoch), avg)
        return carry, jnp.stack([jnp.mean(losses), val_loss])

    def maybe_epoch(carry, number):
        # the stopping rule: an epoch runs only while `keeps_going` (the skipped ones cost nothing: lax.cond runs one
        # branch) and leaves NaN in the curve
        if not (plan.stop and has_validation):
            return epoch(carry, number)
        return jax.lax.cond(
            keeps_going(number, carry[4]),
            epoch,
            lambda c, _: (c, jnp.full(2, jnp.nan, jnp.float32)),
            carry,
            number,
        )

    # the last slot is the averaged weights (`plan.average`); without averaging an empty tuple: nothing more is carried
    start = (params, optimizer.init(params), params, jnp.float32(jnp.inf), jnp.int32(-1), params if averaged else ())
    (_, _, best, _, best_epoch, _), curve = jax.lax.scan(maybe_epoch, start, jnp.arange(plan.epochs, dtype=jnp.int32))
    return best, best_epoch, curve


@program_cache
def _train_program(plan: EnsemblePlan) -> StoredFunction:
    return StoredFunction(
        functools.partial(_train, plan), "ensemble", plan, PROGRAM_DIR, output_tree=lambda args: (args[0], 0, 0)
    )


def train_ensemble(
    plan: EnsemblePlan,
    params: dict,
    train: Rows,
    val: Rows | None,
    seed: int,
    learning_rate: float,
    weight_decay: float,
    label_smoothing: float = 0.0,
    masks: Masks = Masks(),
) -> TrainedEnsemble:
    """Train the members for ``plan.epochs`` epochs; returns the weights of the epoch whose mean log-odds had the
    lowest validation loss (the last epoch without validation rows), that epoch (0-based) and the curve
    (epochs, 2): mean training loss, validation loss.

    ``train`` holds a whole number of minibatches (``plan.batch_size`` divides its rows); ``val`` a whole number of
    evaluation chunks (`eval_rows`). Cross-validation bagging passes ``masks`` (`Masks`) whose ``train`` (train
    rows, members) is 1 where a member trains on a row and whose ``val`` (val rows, members) is 1 where a member
    holds a row out, so that each validation row is judged by the mean of the members that never saw it. Without
    them every member trains on every training row and every member is judged on every validation row.
    ``masks.first`` is the embedding layer's block mask (with ``plan.embed``; see `member_logits`); the parameters
    come back as trained, unmasked (`folded` multiplies the mask in).
    """
    inputs = program_inputs(plan, train, val, masks, learning_rate, weight_decay, label_smoothing)
    scope = data_parallel.resolve(None)  # inside `with DataParallel():` the rows are spread over its devices
    program = _train_program(plan) if scope is None else ensemble_parallel.train_program(_train, plan, scope)
    best, best_epoch, curve = program(
        params, train, inputs.val, prng_key(seed), inputs.hyper, inputs.train_mask, inputs.val_mask
    )
    return TrainedEnsemble(jax.tree_util.tree_map(np.asarray, best), int(best_epoch), np.asarray(curve))
