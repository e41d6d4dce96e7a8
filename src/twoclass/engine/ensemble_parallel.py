"""The estimator's recipe data-parallel: `ensemble._train`, the networks' joint training, over a `DataParallel` mesh.

Inside ``with DataParallel():`` the recipe trains its networks with the very program one device runs, compiled by
`jax.jit` with the training rows (and the members' row masks) sharded by row over the mesh and everything else
replicated; GSPMD partitions it. The rows are padded with weight-0 rows to a multiple of the device count; the
program sees the original row count, so every epoch visits the rows in one device's order. What the compiled
program does, read off its optimized HLO (8 CPU devices; tested in tests/scale/test_recipe_parallel.py):

- each step, every device picks the minibatch rows that its shard holds (zeros for the others), and one
  all-reduce of the minibatch (batch x (features + members + 2) numbers) gives each device the whole minibatch,
  of which it keeps its slice (`take`'s sharding constraint) and computes those rows' part of the loss; a minibatch
  that the device count does not divide is split unevenly;
- XLA all-reduces the partial gradient sums (one all-reduce of a parameter-shaped tuple a step), and every device
  applies the same Adam update to its copy of the parameters;
- the table is never gathered: the only all-gathers are of the step's row numbers (batch-size int32s).

Left on one device's terms: the validation rows are replicated (the evaluation loop reads them in chunks of
`ensemble.EVAL_CHUNK`, and with the rows sharded GSPMD all-gathers the whole validation table every epoch once
there are several chunks), so each device evaluates all of them. The logistic regression (`ensemble.fit_linear`)
is not sharded: sharded, its 100 L-BFGS steps on binned features took another path from one device's rounding
(kernels 5e-4 apart, probabilities 4e-4), and the networks start from it. Sparse (text) rows train the same way;
their gradient is vocabulary-wide, and so is each step's all-reduce.

The weights are one device's within float rounding (the same rows in the same minibatches; only the order in which
partial sums are added differs), and the same seed gives the same weights. One process's devices only: the
estimator prepares its features in the process that fits.

Example:
    >>> from twoclass.distribute import DataParallel                     # doctest: +SKIP
    >>> with DataParallel():                                             # doctest: +SKIP
    ...     TwoClassClassifier().fit(frame, y)  # the networks train over every device
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from twoclass.engine.distribute import AXIS, DataParallel
from twoclass.engine.stored import program_cache


def _one_process(scope: DataParallel) -> None:
    """The estimator prepares its features from the rows of the process that fits: a mesh must be that process's."""
    others = sorted({d.process_index for d in scope.mesh.devices.flat} - {jax.process_index()})
    if others:
        raise ValueError(
            f"The estimator's recipe trains data-parallel over one process's devices; this mesh also holds devices of "
            f"process(es) {others}. Use DataParallel(devices=jax.local_devices()), or the Keras-style "
            f"fit(..., distribute='data') across processes. Received: {scope!r}"
        )


def _sharded(a: Any, mesh: jax.sharding.Mesh) -> jax.Array:
    """An array with rows first, padded with zero rows (weight 0: never trained on) to a multiple of the device
    count and placed on the mesh, sharded by row."""
    a = np.asarray(a)
    physical = -(-a.shape[0] // mesh.size) * mesh.size
    if physical != a.shape[0]:
        a = np.concatenate([a, np.zeros((physical - a.shape[0], *a.shape[1:]), a.dtype)])
    return jax.device_put(a, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(AXIS)))


def _replicated(tree: Any, mesh: jax.sharding.Mesh) -> Any:
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    return jax.tree_util.tree_map(lambda a: jax.device_put(np.asarray(a), sharding), tree)


def _host(tree: Any) -> Any:
    return jax.tree_util.tree_map(np.asarray, tree)


@program_cache
def _jitted_train(train_function: Callable, plan: Any, mesh: jax.sharding.Mesh, rows: int) -> Callable:
    by_row = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(AXIS))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())

    def recipe_train(params, train, val, key, hyper, train_mask, val_mask):
        # the program reads the row count (its epochs' order is drawn over it) and `n` from the unpadded view; the
        # minibatches come from the padded table, whose extra rows no order ever reaches
        view = type(train)(*[a[:rows] for a in train])

        def take(index):
            picked = (type(train)(*[a[index] for a in train]), train_mask[index])
            return jax.lax.with_sharding_constraint(picked, by_row)  # each device computes its rows of the minibatch

        return train_function(plan, params, view, val, key, hyper, train_mask[:rows], val_mask, take=take)

    return jax.jit(recipe_train, out_shardings=replicated)


def train_program(train_function: Callable, plan: Any, scope: DataParallel) -> Callable:
    """`ensemble._train`'s program for ``plan`` over ``scope``'s devices: called as `ensemble.train_ensemble` calls
    its one-device program, ``(params, train, val, key, hyper, train_mask, val_mask) -> (best, best_epoch, curve)``,
    it returns NumPy arrays. ``train_function(plan, ...)`` must take ``take``, the hook that picks minibatch rows.

    Example:
        >>> program = train_program(ensemble._train, plan, DataParallel())  # doctest: +SKIP
        >>> best, best_epoch, curve = program(params, train, val, key, hyper, train_mask, val_mask)  # doctest: +SKIP
    """
    _one_process(scope)
    mesh = scope.mesh

    def call(params, train, val, key, hyper, train_mask, val_mask):
        program = _jitted_train(train_function, plan, mesh, int(np.shape(train[0])[0]))
        table = type(train)(*[_sharded(a, mesh) for a in train])
        params, val, key, hyper, val_mask = _replicated((params, val, key, hyper, val_mask), mesh)
        return _host(program(params, table, val, key, hyper, _sharded(train_mask, mesh), val_mask))

    return call
