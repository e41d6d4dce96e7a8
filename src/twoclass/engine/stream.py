"""Training on a table that arrives in chunks: one compiled program runs every minibatch of one chunk.

A chunk is a `programs.Table` of a fixed padded size (the last, shorter chunk is padded to the same size and masked
by its row count), so every chunk of a stream calls the same program. Within a chunk the rows are shuffled from the
train state's key and counter, as an epoch shuffles them in memory; with shuffling off, chunks whose size is a
multiple of the batch size give exactly the minibatches, and so the weights, of an in-memory fit without shuffling.

Example:
    >>> state, logs, finite = chunk_fn(plan)(state, chunk_table, hyper)  # doctest: +SKIP
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from twoclass.engine import programs
from twoclass.engine.stored import StoredFunction, program_cache


def _train_on_chunk(plan: programs.Plan, ts, chunk: programs.Table, hyper):
    new_ts, logs, finite = programs._run_epoch(plan, hyper, ts, chunk, None)
    # a non-finite chunk keeps the weights before it; the host stops and reports, as fit does
    ts = jax.tree_util.tree_map(lambda new, old: jnp.where(finite, new, old), new_ts, ts)
    return ts, logs, finite


@program_cache
def chunk_fn(plan: programs.Plan) -> StoredFunction:
    """The compiled pass over one chunk for a plan without validation (validation runs on `evaluate_fn`)."""
    if plan.has_validation:
        raise ValueError("chunk_fn takes a plan without validation; evaluate validation rows with evaluate_fn.")

    def run(ts, chunk, hyper):
        return _train_on_chunk(plan, ts, chunk, hyper)

    return StoredFunction(run, "stream_chunk", plan, programs.PROGRAM_DIR, output_tree=lambda args: (args[0], 0, 0))
