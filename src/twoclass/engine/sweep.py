"""Many members of one architecture trained as one program: `jax.vmap` over a leading member axis.

A member differs from the others only in numbers that are already inputs of the training program: its initial
weights and key (the seed), its optimizer state (the learning rate is injected there, `engine.optimizers`), and
`hyper` (L2 strengths and dropout rates per layer). So a grid of learning rates, L2 strengths, dropout rates and
seeds is one compiled program whose inputs carry a member axis; the data are shared, not copied per member.

Each member follows `EarlyStopping(monitor, patience, restore_best_weights=True)` exactly, epoch by epoch, inside the
program: it keeps its best weights and stops (its state frozen, its logs NaN) after `patience` epochs without
improvement, or at its first non-finite epoch, as `fit` does. The host calls the program chunk by chunk until every
member has stopped or the epochs run out.

Example:
    >>> compiled = sweep_fn(plan)  # doctest: +SKIP
    >>> states, best, logs = compiled(states, start_best(states), train, val, hypers, 32, watch)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from twoclass.engine import programs
from twoclass.engine.stored import StoredFunction, program_cache


class Best(NamedTuple):
    """One member's early-stopping record (a leading member axis when stacked)."""

    params: Any
    state: Any
    value: jax.Array  # the best monitored value so far, times `sign` (so lower is better); +inf before any epoch
    epoch: jax.Array  # the epoch (0-based) of that value; -1 before any epoch
    wait: jax.Array  # epochs since the last improvement
    stopped: jax.Array  # True once the member stopped (patience spent, or a non-finite epoch)
    diverged: jax.Array  # True when it stopped at a non-finite epoch (its weights are those before it)


class Watch(NamedTuple):
    """What early stopping watches, as program inputs (changing them compiles nothing)."""

    column: np.ndarray  # int32: the monitored column of the logs (`programs.metric_names` order)
    sign: np.ndarray  # float32: 1 where lower is better (losses), -1 where higher is (AUC, accuracy)
    patience: np.ndarray  # int32: epochs without improvement before a member stops


def start_best(states: programs.TrainState) -> Best:
    """The record before the first epoch, for stacked train states."""
    members = np.asarray(states.epoch).shape[0]
    return Best(
        params=states.params,
        state=states.state,
        value=np.full(members, np.inf, np.float32),
        epoch=np.full(members, -1, np.int32),
        wait=np.zeros(members, np.int32),
        stopped=np.zeros(members, bool),
        diverged=np.zeros(members, bool),
    )


def _member_chunk(plan: programs.Plan, ts, best: Best, train, val, hyper, n_epochs, watch: Watch):
    n_logs = (1 + len(plan.metrics)) * (2 if plan.has_validation else 1)

    def epoch(e, carry):
        ts, best, logs = carry
        new_ts, values, finite = programs._run_epoch(plan, hyper, ts, train, val)
        advance = finite & ~best.stopped  # a select, not a cond: see programs._train_chunk
        current = watch.sign * values[watch.column]
        improved = advance & ((best.epoch < 0) | (current < best.value))
        wait = jnp.where(advance, jnp.where(improved, 0, best.wait + 1), best.wait)
        # EarlyStopping: stop once `wait` reaches `patience`, never after the first epoch (ts.epoch is 0-based)
        spent = advance & ~improved & (wait >= watch.patience) & (ts.epoch > 0)

        def pick(new, old, flag):
            return jax.tree_util.tree_map(lambda a, b: jnp.where(flag, a, b), new, old)

        best = Best(
            params=pick(new_ts.params, best.params, improved),
            state=pick(new_ts.state, best.state, improved),
            value=jnp.where(improved, current, best.value),
            epoch=jnp.where(improved, ts.epoch, best.epoch),
            wait=wait,
            stopped=best.stopped | spent | ~finite,
            diverged=best.diverged | (~finite & ~best.stopped),
        )
        ts = pick(new_ts, ts, advance)
        return ts, best, logs.at[e].set(jnp.where(advance, values, jnp.nan))

    logs = jnp.full((programs.CHUNK_EPOCHS, n_logs), jnp.nan)
    return jax.lax.fori_loop(0, n_epochs, epoch, (ts, best, logs))


@program_cache
def sweep_fn(plan: programs.Plan) -> StoredFunction:
    """The compiled chunk of epochs for many members of `plan`: train states, early-stopping records and `hyper`
    carry a leading member axis; the tables, the epoch count and what is watched are shared."""

    def run(ts, best, train, val, hyper, n_epochs, watch):
        return _member_chunk(plan, ts, best, train, val, hyper, n_epochs, watch)

    function = jax.vmap(run, in_axes=(0, 0, None, None, 0, None, None))
    return StoredFunction(function, "sweep", plan, programs.PROGRAM_DIR, output_tree=lambda args: (args[0], args[1], 0))
