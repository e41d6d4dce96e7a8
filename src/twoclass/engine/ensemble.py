"""The estimator's tabular recipe as compiled programs: a logistic regression (`fit_linear`, full-batch L-BFGS)
and k networks trained together on it (`train_ensemble`), or both in one program (`fit_and_train_ensemble`: one
executable for a new process to load instead of two, the same numbers).

Each member's log-odds are ``linear_m(x) + mlp_m(x)``, and each MLP's output layer starts at zero. A member whose
linear path starts from the fitted logistic regression *is* that logistic regression at epoch 0, and training adds
what the data shows beyond it (the issue's "never below logistic regression"; the estimator's guard checks the
outcome on validation rows); one whose linear path starts at zero learns everything afresh, which is better where
the logistic regression is poor (Ionosphere: 0.958 -> 0.972 ROC AUC) and worse where it is most of the answer
(Titanic: 0.859 -> 0.853). The estimator starts half its members each way. The members are separate networks (TabM's
"packed" ensemble, Gorishniy et al. 2025) trained in one program:

- their first layers sit side by side as one matrix, so all members read a minibatch in one matrix product, and
  that matrix is the first layer of the merged network the estimator saves; deeper layers are batched per member;
- every member sees the same minibatches (TabM's shared batches) and the loss is the mean of the members' losses
  (TabM: train the members, not their mean);
- the epoch kept is the one whose *mean* log-odds had the lowest validation loss (one epoch for the ensemble);
- each member can have its own training rows (a mask, rows x members) and be judged on the rows it never saw (a
  second mask): cross-validation bagging in the same program, at the same cost;
- an epoch runs only while the epochs since the best are at most half the epochs up to it, and at least 4
  (`keeps_going`): the epochs after are skipped by a ``lax.cond``, which on the small tables leaves a third of the
  fit;
- the learning rate follows a flat-then-cosine schedule (RealMLP's ``flat_cos``: constant for the first half, then
  down to zero), so the last epochs average out the noise of the minibatches without a schedule search.

Large tables can put a per-column embedding layer first (``plan.embed`` units per member, MLP-T-LR style, Gorishniy
et al. 2022): each source column's block of features (its z and tree bins, or its one-hot levels) goes through its
own Dense(d) + ReLU. It is one Dense layer whose kernel is multiplied by a 0/1 block mask (features, embed), an
input of the program (`Hyper.first_mask`), so the program stays keyed by structure and the trained kernel, times
the mask, is a plain Dense kernel.

Sparse rows (TF-IDF text) enter as (column, value) pairs, a fixed number per row: the first layer gathers the rows
of its kernel that a row uses and sums them, instead of multiplying a 20,000-wide dense matrix of zeros.

Structure (layer widths, members, batch size, epochs, dense or sparse) is static and keys the compiled program;
numbers (learning rate, weight decay, dropout) are inputs. Programs are stored as the engine's others are
(`engine/stored.py`), so a new process with a warm cache neither traces nor compiles them.

Example:
    >>> plan = EnsemblePlan(n_features=8, hidden=(16,), members=4, batch_size=32, epochs=10)
    >>> params = initial_params(plan, np.zeros(8), 0.0, seed=0)
    >>> sorted(params)
    ['first', 'head', 'hidden', 'linear']
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from twoclass.engine import distribute as data_parallel
from twoclass.engine import ensemble_parallel
from twoclass.engine.cache import PROGRAM_DIR
from twoclass.engine.programs import prng_key
from twoclass.engine.shuffle import shuffled_order
from twoclass.engine.stored import StoredFunction

EVAL_CHUNK = 512  # validation rows per step of the evaluation loop (a sparse gather holds chunk x nonzeros x width)
STOP_PATIENCE = 4  # the stopping rule waits at least this many epochs after the best
LINEAR_ITERATIONS = 100  # L-BFGS steps for the logistic regression; it converges in 20-60 on the benchmark's tables


class EnsemblePlan(NamedTuple):
    """What the compiled program is keyed by."""

    n_features: int  # input width (dense) or vocabulary (sparse), padded to a bucket by the caller
    hidden: tuple[int, ...]  # hidden widths of each member
    members: int
    batch_size: int
    epochs: int
    sparse: bool = False
    dropout: float = 0.0
    schedule: str = "flat_cosine"  # or "constant" (the ablation in BENCHMARKS.md)
    stop: bool = True  # stop once the epochs since the best outnumber half the epochs up to it (`keeps_going`)
    embed: int = 0  # units of each member's per-column embedding layer before ``hidden`` (0: none; dense rows only)


def layer_widths(plan: EnsemblePlan) -> tuple[int, ...]:
    """Each member's layer widths: the embedding layer's (when ``plan.embed``), then ``plan.hidden``.

    Example:
        >>> layer_widths(EnsemblePlan(n_features=8, hidden=(512,), members=2, batch_size=32, epochs=4, embed=64))
        (64, 512)
    """
    return ((plan.embed,) if plan.embed else ()) + tuple(plan.hidden)


class Rows(NamedTuple):
    """Rows as the programs read them. Dense: ``values`` (n, features), ``columns`` (n, 0). Sparse: ``values`` and
    ``columns`` (n, nonzeros), padded with value 0 at column 0. Padding rows have weight 0."""

    values: jax.Array
    columns: jax.Array
    y: jax.Array
    weight: jax.Array


class Hyper(NamedTuple):
    """The programs' numeric inputs; ``first_mask`` (features, plan.embed), 0 or 1, is the embedding layer's block
    mask (None without one)."""

    learning_rate: Any
    weight_decay: Any
    label_smoothing: Any
    first_mask: Any = None


class TrainedEnsemble(NamedTuple):
    """What `train_ensemble` gives: the members' parameters at the best epoch, that epoch (0-based), and the curve
    (epochs, 2): mean training loss, validation loss."""

    params: dict
    best_epoch: int
    curve: np.ndarray


class FittedAndTrained(NamedTuple):
    """What `fit_and_train_ensemble` gives: the logistic regressions' kernels (fits, features) and intercepts
    (fits,) in float64, then what `train_ensemble` gives."""

    kernels: np.ndarray
    intercepts: np.ndarray
    params: dict
    best_epoch: int
    curve: np.ndarray


def dense_rows(x: np.ndarray, y: np.ndarray, weight: np.ndarray, rows: int) -> Rows:
    """``rows`` rows (the real ones first, then zero-weight padding) of a dense float32 matrix."""
    n = len(x)
    values = np.zeros((rows, x.shape[1]), np.float32)
    values[:n] = x
    return Rows(values, np.zeros((rows, 0), np.int32), _padded(y, rows), _padded(weight, rows))


def sparse_rows(x, y: np.ndarray, weight: np.ndarray, rows: int, nonzeros: int) -> Rows:
    """``rows`` rows of a scipy CSR matrix as (column, value) pairs, ``nonzeros`` per row (longer rows keep their
    largest values: the caller chooses ``nonzeros`` as the longest row, so none is cut)."""
    x = x.tocsr()
    values = np.zeros((rows, nonzeros), np.float32)
    columns = np.zeros((rows, nonzeros), np.int32)
    counts = np.diff(x.indptr)
    for row in np.flatnonzero(counts):
        start, end = x.indptr[row], x.indptr[row + 1]
        data, index = x.data[start:end], x.indices[start:end]
        if len(data) > nonzeros:
            keep = np.argsort(-np.abs(data))[:nonzeros]
            data, index = data[keep], index[keep]
        values[row, : len(data)] = data
        columns[row, : len(data)] = index
    return Rows(values, columns, _padded(y, rows), _padded(weight, rows))


def _padded(v: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros(rows, np.float32)
    out[: len(v)] = v
    return out


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
    if plan.embed:
        if first_mask is None or np.shape(first_mask) != (plan.n_features, plan.embed):
            raise ValueError(
                f"An embedding layer of {plan.embed} units over {plan.n_features} features needs its block mask, "
                f"shape ({plan.n_features}, {plan.embed}). Got {None if first_mask is None else np.shape(first_mask)}."
            )
        fan_in = np.tile(np.maximum(np.asarray(first_mask, np.float64).sum(axis=0), 1.0), k)
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


# ------------------------------------------------------------------------------------------------ the programs


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

    def epoch(carry, number):
        p, state, best, best_loss, best_epoch = carry
        order = shuffled_order(order_key, number, rows, n).reshape(steps, plan.batch_size)
        step_keys = jax.random.split(jax.random.fold_in(dropout_key, number), steps)

        def step(c, inputs):
            p, state = c
            index, step_key = inputs
            batch, mask = take(index)
            loss, grads = jax.value_and_grad(loss_fn)(p, batch, mask, step_key)
            updates, state = optimizer.update(grads, state, p)
            return (optax.apply_updates(p, updates), state), loss

        (p, state), losses = jax.lax.scan(step, (p, state), (order, step_keys))
        val_loss = (
            _mean_logit_loss(p, plan, val, val_mask, hyper.first_mask) if has_validation else jnp.float32(jnp.nan)
        )
        better = (val_loss < best_loss) if has_validation else jnp.bool_(True)
        best = jax.tree_util.tree_map(lambda a, b: jnp.where(better, a, b), p, best)
        carry = (p, state, best, jnp.where(better, val_loss, best_loss), jnp.where(better, number, best_epoch))
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

    start = (params, optimizer.init(params), params, jnp.float32(jnp.inf), jnp.int32(-1))
    (_, _, best, _, best_epoch), curve = jax.lax.scan(maybe_epoch, start, jnp.arange(plan.epochs, dtype=jnp.int32))
    return best, best_epoch, curve


@functools.cache
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
    train_mask: np.ndarray | None = None,
    val_mask: np.ndarray | None = None,
    first_mask: np.ndarray | None = None,
) -> TrainedEnsemble:
    """Train the members for ``plan.epochs`` epochs; returns the weights of the epoch whose mean log-odds had the
    lowest validation loss (the last epoch without validation rows), that epoch (0-based) and the curve
    (epochs, 2): mean training loss, validation loss.

    ``train`` holds a whole number of minibatches (``plan.batch_size`` divides its rows); ``val`` a whole number of
    evaluation chunks (`eval_rows`). Cross-validation bagging passes ``train_mask`` (train rows, members): 1 where
    a member trains on a row, and ``val_mask`` (val rows, members): 1 where a member holds a row out, so that each
    validation row is judged by the mean of the members that never saw it. Without them every member trains on
    every training row and every member is judged on every validation row. ``first_mask`` is the embedding
    layer's block mask (with ``plan.embed``; see `member_logits`); the parameters come back as trained, unmasked
    (`folded` multiplies the mask in).
    """
    val, train_mask, val_mask = _filled(plan, train, val, train_mask, val_mask)
    hyper = Hyper(
        np.float32(learning_rate), np.float32(weight_decay), np.float32(label_smoothing), _mask(plan, first_mask)
    )
    scope = data_parallel.resolve(None)  # inside `with DataParallel():` the rows are spread over its devices
    program = _train_program(plan) if scope is None else ensemble_parallel.train_program(_train, plan, scope)
    best, best_epoch, curve = program(
        params,
        train,
        val,
        prng_key(seed),
        hyper,
        np.asarray(train_mask, np.float32),
        np.asarray(val_mask, np.float32),
    )
    return TrainedEnsemble(jax.tree_util.tree_map(np.asarray, best), int(best_epoch), np.asarray(curve))


def _filled(plan: EnsemblePlan, train: Rows, val: Rows | None, train_mask: Any, val_mask: Any):
    """No validation rows as an empty table, and the masks' defaults: every member on every row."""
    if val is None:
        val = Rows(
            np.zeros((0, *train.values.shape[1:]), np.float32),
            np.zeros((0, *train.columns.shape[1:]), np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.float32),
        )
    if train_mask is None:
        train_mask = np.ones((train.y.shape[0], plan.members), np.float32)
    if val_mask is None:
        val_mask = np.ones((val.y.shape[0], plan.members), np.float32)
    return val, np.asarray(train_mask, np.float32), np.asarray(val_mask, np.float32)


def _mask(plan: EnsemblePlan, first_mask: Any) -> np.ndarray | None:
    """The embedding layer's mask as the program's input (None without an embedding layer)."""
    if not plan.embed or not plan.hidden:
        return None
    mask = np.asarray(first_mask, np.float32)
    if mask.shape != (plan.n_features, plan.embed):
        raise ValueError(
            f"The 'first_mask' of an embedding layer of {plan.embed} units over {plan.n_features} features must have "
            f"shape ({plan.n_features}, {plan.embed}). Got {mask.shape} instead."
        )
    return mask


def eval_rows(n: int) -> int:
    """Rows the validation table is padded to: whole chunks of `EVAL_CHUNK` (or one smaller chunk)."""
    if n <= EVAL_CHUNK:
        from twoclass.engine.tables import bucket

        return bucket(n)
    return EVAL_CHUNK * math.ceil(n / EVAL_CHUNK)


# ------------------------------------------------------------------------------------------------ logistic regression


def _linear_objective(sparse: bool, rows: Rows, l2: jax.Array):
    """L2-penalised logistic regression's objective: the weighted mean log-loss plus ``l2 / 2 * |w|^2 /
    sum(weights)`` (scikit-learn's LogisticRegression(C=1 / l2), divided by the weight total); the intercept is not
    penalised."""
    total = jnp.maximum(jnp.sum(rows.weight), 1e-12)

    def objective(theta):
        kernel, bias = theta
        p = {"linear": {"kernel": kernel, "bias": bias}}
        z = _linear(p, rows.values, rows.columns, sparse)
        return jnp.sum(rows.weight * _bce(z, rows.y)) / total + 0.5 * l2 * jnp.sum(kernel * kernel) / total

    return objective


def _solve_linear(sparse: bool, n_features: int, rows: Rows, l2: jax.Array):
    """`LINEAR_ITERATIONS` L-BFGS steps on `_linear_objective` from zero: (kernel, intercept, last objective)."""
    objective = _linear_objective(sparse, rows, l2)
    solver = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(objective)
    theta = (jnp.zeros(n_features, jnp.float32), jnp.float32(0.0))

    def step(carry, _):
        theta, state = carry
        value, grad = value_and_grad(theta, state=state)
        updates, state = solver.update(grad, state, theta, value=value, grad=grad, value_fn=objective)
        return (optax.apply_updates(theta, updates), state), value

    (theta, _), values = jax.lax.scan(step, (theta, solver.init(theta)), None, length=LINEAR_ITERATIONS)
    return theta[0], theta[1], values[-1]


@functools.cache
def _linear_program(sparse: bool, n_features: int) -> StoredFunction:
    return StoredFunction(
        functools.partial(_solve_linear, sparse, n_features),
        "linear",
        (sparse, n_features),
        PROGRAM_DIR,
        output_tree=lambda args: (0, 0, 0),
    )


def fit_linear(rows: Rows, n_features: int, sparse: bool, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """The logistic regression's kernel (n_features,) and intercept, fitted on ``rows``.

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
        >>> kernel, bias = fit_linear(dense_rows(x, y, np.ones(4), 4), 1, False)
        >>> float(kernel[0]) > 0
        True
    """
    kernel, bias, _ = _linear_program(sparse, n_features)(rows, np.float32(l2))
    return np.asarray(kernel, np.float64), float(bias)


# ------------------------------------------------------------------------------------------------ both in one program


def _fit_and_train(
    plan: EnsemblePlan,
    params: dict,
    train: Rows,
    val: Rows,
    key: jax.Array,
    hyper: Hyper,
    l2: jax.Array,
    linear_weights: jax.Array,
    member_fit: jax.Array,
    fitted: jax.Array,
    train_mask: jax.Array,
    val_mask: jax.Array,
):
    # the logistic regressions one after the other (a scan: each runs the very steps of `_linear_program`), then each
    # member's linear path from its own, as `initial_params` sets it (start * kernel: 0 or the fit, exactly)
    def solve(weight):
        kernel, bias, _ = _solve_linear(plan.sparse, plan.n_features, train._replace(weight=weight), l2)
        return kernel, bias

    kernels, biases = jax.lax.map(solve, linear_weights)
    params = {**params, "linear": started_linear(fitted, kernels[member_fit], biases[member_fit])}
    best, best_epoch, curve = _train(plan, params, train, val, key, hyper, train_mask, val_mask)
    return best, best_epoch, curve, kernels, biases


@functools.cache
def _fit_and_train_program(plan: EnsemblePlan) -> StoredFunction:
    return StoredFunction(
        functools.partial(_fit_and_train, plan),
        "fit_and_train",
        plan,
        PROGRAM_DIR,
        output_tree=lambda args: (args[0], 0, 0, 0, 0),
    )


def fit_and_train_ensemble(
    plan: EnsemblePlan,
    params: dict,
    train: Rows,
    val: Rows | None,
    seed: int,
    learning_rate: float,
    weight_decay: float,
    l2: float,
    linear_weights: np.ndarray,
    member_fit: np.ndarray,
    fitted: Any = True,
    train_mask: np.ndarray | None = None,
    val_mask: np.ndarray | None = None,
    first_mask: np.ndarray | None = None,
) -> FittedAndTrained:
    """`fit_linear` on ``train`` once per row of ``linear_weights`` (fits, rows: each fit's row weights), the
    members' linear paths started from them (member m from fit ``member_fit[m]`` where ``fitted`` says so, else at
    zero: what `initial_params` does with that fit), then `train_ensemble`, all in one compiled program: a process
    loads one executable instead of two (0.05-0.1 s of a short command). ``params`` as `initial_params` makes them
    (their linear path is replaced). Returns the fits' kernels (fits, features) in float64, their intercepts
    (fits,), and what `train_ensemble` returns; the same numbers as those calls one after the other.

    Inside ``with DataParallel():`` the logistic regressions run on one device and the networks over the mesh, as
    `fit_linear` and `train_ensemble` do there. ``first_mask``: the embedding layer's block mask, as for
    `train_ensemble`.

    Example:
        >>> x = np.random.default_rng(0).standard_normal((64, 8)).astype(np.float32); y = (x[:, 0] > 0) * 1.0
        >>> plan = EnsemblePlan(n_features=8, hidden=(16,), members=2, batch_size=32, epochs=2)
        >>> rows = dense_rows(x, y, np.ones(64), 64)
        >>> params = initial_params(plan, np.zeros(8), 0.0, seed=0)
        >>> kernels, biases, best, epoch, curve = fit_and_train_ensemble(
        ...     plan, params, rows, None, 0, 1e-3, 0.0, 1.0, rows.weight[None], np.zeros(2, np.int32))
        >>> kernels.shape, curve.shape
        ((1, 8), (2, 2))
    """
    weights = np.asarray(linear_weights, np.float32)
    member_fit = np.asarray(member_fit, np.int32)
    start = np.broadcast_to(np.asarray(fitted, bool), (plan.members,)).astype(np.float32)
    if data_parallel.resolve(None) is not None:  # the networks data-parallel, the logistic regressions not
        fits = [fit_linear(train._replace(weight=w), plan.n_features, plan.sparse, l2) for w in weights]
        kernels = np.stack([np.float32(fits[f][0]) for f in member_fit])
        params = {
            **params,
            "linear": started_linear(start, kernels, np.array([fits[f][1] for f in member_fit], np.float32)),
        }
        best, best_epoch, curve = train_ensemble(
            plan,
            params,
            train,
            val,
            seed,
            learning_rate,
            weight_decay,
            train_mask=train_mask,
            val_mask=val_mask,
            first_mask=first_mask,
        )
        return FittedAndTrained(np.stack([k for k, _ in fits]), np.array([b for _, b in fits]), best, best_epoch, curve)
    val, train_mask, val_mask = _filled(plan, train, val, train_mask, val_mask)
    hyper = Hyper(np.float32(learning_rate), np.float32(weight_decay), np.float32(0.0), _mask(plan, first_mask))
    best, best_epoch, curve, kernels, biases = _fit_and_train_program(plan)(
        params, train, val, prng_key(seed), hyper, np.float32(l2), weights, member_fit, start, train_mask, val_mask
    )
    return FittedAndTrained(
        np.asarray(kernels, np.float64),
        np.asarray(biases, np.float64),
        jax.tree_util.tree_map(np.asarray, best),
        int(best_epoch),
        np.asarray(curve),
    )
