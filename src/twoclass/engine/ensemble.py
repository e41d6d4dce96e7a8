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
  down to zero), so the last epochs average out the noise of the minibatches without a schedule search;
- optionally (``plan.average``) the weights judged each epoch, and kept at the best one, are an exponential moving
  average of every step's weights (or the mean of the epoch's steps, SWA-style), updated inside the step loop.

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
from typing import Any

import jax
import numpy as np

from twoclass.engine import distribute as data_parallel
from twoclass.engine.cache import PROGRAM_DIR

# The module is split along its concerns; every name stays importable from here (the recipe, the data-parallel
# program and the tests import them from here): the plan and the rows in `ensemble_plan`, the members' log-odds,
# losses and initial weights in `ensemble_members`, the logistic regression in `ensemble_linear`, the networks'
# training in `ensemble_training`; the program that does both is below.
from twoclass.engine.ensemble_linear import LINEAR_ITERATIONS as LINEAR_ITERATIONS
from twoclass.engine.ensemble_linear import _linear_objective as _linear_objective
from twoclass.engine.ensemble_linear import _linear_program as _linear_program
from twoclass.engine.ensemble_linear import _solve_linear as _solve_linear
from twoclass.engine.ensemble_linear import fit_linear as fit_linear
from twoclass.engine.ensemble_members import _bce as _bce
from twoclass.engine.ensemble_members import _held_out_mean as _held_out_mean
from twoclass.engine.ensemble_members import _linear as _linear
from twoclass.engine.ensemble_members import _mean_logit_loss as _mean_logit_loss
from twoclass.engine.ensemble_members import _member_linear as _member_linear
from twoclass.engine.ensemble_members import _times as _times
from twoclass.engine.ensemble_members import folded as folded
from twoclass.engine.ensemble_members import initial_params as initial_params
from twoclass.engine.ensemble_members import member_logits as member_logits
from twoclass.engine.ensemble_members import started_linear as started_linear
from twoclass.engine.ensemble_plan import EVAL_CHUNK as EVAL_CHUNK
from twoclass.engine.ensemble_plan import EnsemblePlan as EnsemblePlan
from twoclass.engine.ensemble_plan import FittedAndTrained as FittedAndTrained
from twoclass.engine.ensemble_plan import Hyper as Hyper
from twoclass.engine.ensemble_plan import Masks as Masks
from twoclass.engine.ensemble_plan import ProgramInputs as ProgramInputs
from twoclass.engine.ensemble_plan import Rows as Rows
from twoclass.engine.ensemble_plan import TrainedEnsemble as TrainedEnsemble
from twoclass.engine.ensemble_plan import _mask as _mask
from twoclass.engine.ensemble_plan import _padded as _padded
from twoclass.engine.ensemble_plan import dense_rows as dense_rows
from twoclass.engine.ensemble_plan import eval_rows as eval_rows
from twoclass.engine.ensemble_plan import layer_widths as layer_widths
from twoclass.engine.ensemble_plan import program_inputs as program_inputs
from twoclass.engine.ensemble_plan import sparse_rows as sparse_rows
from twoclass.engine.ensemble_training import STOP_PATIENCE as STOP_PATIENCE
from twoclass.engine.ensemble_training import _decays as _decays
from twoclass.engine.ensemble_training import _train as _train
from twoclass.engine.ensemble_training import _train_program as _train_program
from twoclass.engine.ensemble_training import flat_cosine as flat_cosine
from twoclass.engine.ensemble_training import keeps_going as keeps_going
from twoclass.engine.ensemble_training import train_ensemble as train_ensemble
from twoclass.engine.programs import prng_key
from twoclass.engine.stored import StoredFunction, program_cache

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


@program_cache
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
    masks: Masks = Masks(),
) -> FittedAndTrained:
    """`fit_linear` on ``train`` once per row of ``linear_weights`` (fits, rows: each fit's row weights), the
    members' linear paths started from them (member m from fit ``member_fit[m]`` where ``fitted`` says so, else at
    zero: what `initial_params` does with that fit), then `train_ensemble`, all in one compiled program: a process
    loads one executable instead of two (0.05-0.1 s of a short command). ``params`` as `initial_params` makes them
    (their linear path is replaced). Returns the fits' kernels (fits, features) in float64, their intercepts
    (fits,), and what `train_ensemble` returns; the same numbers as those calls one after the other.

    Inside ``with DataParallel():`` the logistic regressions run on one device and the networks over the mesh, as
    `fit_linear` and `train_ensemble` do there. ``masks``: which rows each member trains and is judged on, and the
    embedding layer's block mask, as for `train_ensemble`.

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
            plan, params, train, val, seed, learning_rate, weight_decay, masks=masks
        )
        return FittedAndTrained(np.stack([k for k, _ in fits]), np.array([b for _, b in fits]), best, best_epoch, curve)
    inputs = program_inputs(plan, train, val, masks, learning_rate, weight_decay)
    best, best_epoch, curve, kernels, biases = _fit_and_train_program(plan)(
        params,
        train,
        inputs.val,
        prng_key(seed),
        inputs.hyper,
        np.float32(l2),
        weights,
        member_fit,
        start,
        inputs.train_mask,
        inputs.val_mask,
    )
    return FittedAndTrained(
        np.asarray(kernels, np.float64),
        np.asarray(biases, np.float64),
        jax.tree_util.tree_map(np.asarray, best),
        int(best_epoch),
        np.asarray(curve),
    )
