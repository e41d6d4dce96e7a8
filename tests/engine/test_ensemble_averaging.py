"""Weight averaging in the ensemble's program (`EnsemblePlan.average`, issue 13): the weights judged and kept are an
exponential moving average of every step's weights, or the mean of an epoch's steps.

The reference is the program itself without averaging: on a table whose rows are all the same, every minibatch
gives the same gradient whatever the shuffle, so the weights after step 1 of a 2-step run are those of a 1-step run,
and the averages can be written down from the weights after each step.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from twoclass.engine.ensemble import EnsemblePlan, dense_rows, initial_params, train_ensemble

BATCH = 16


def _rows(steps: int):
    x = np.tile(np.array([[0.5, -1.0, 2.0, 0.25]], np.float32), (BATCH * steps, 1))
    y = np.ones(BATCH * steps, np.float32)
    return dense_rows(x, y, np.ones(BATCH * steps), BATCH * steps)


def _trained(steps: int, average: float, start: dict):
    plan = EnsemblePlan(4, (8,), 2, BATCH, 1, schedule="constant", stop=False, average=average)
    return train_ensemble(plan, start, _rows(steps), None, 0, 0.05, 0.0).params


@pytest.fixture(scope="module")
def start() -> dict:
    params = initial_params(EnsemblePlan(4, (8,), 2, BATCH, 1), np.zeros(4), 0.0, seed=0)
    params["head"]["kernel"] = np.full_like(params["head"]["kernel"], 0.1)  # a gradient for every layer
    return params


@pytest.mark.parametrize(
    ("average", "weights"),
    [
        (0.9, (0.81, 0.09, 0.1)),  # decay 0.9 a step from the start: 0.9 (0.9 p0 + 0.1 p1) + 0.1 p2
        (1.0, (0.0, 0.5, 0.5)),  # the mean of the epoch's two steps
    ],
)
def test_the_kept_weights_are_the_average_of_the_steps(start, average, weights):
    p1, p2 = _trained(1, 0.0, start), _trained(2, 0.0, start)
    expected = jax.tree_util.tree_map(
        lambda a, b, c: weights[0] * np.asarray(a) + weights[1] * b + weights[2] * c, start, p1, p2
    )
    got = _trained(2, average, start)
    moved = jax.tree_util.tree_map(lambda a, b: float(np.abs(np.asarray(a) - b).max()), start, p2)
    assert max(jax.tree_util.tree_leaves(moved)) > 1e-3  # the steps move the weights: the test can tell
    differs = jax.tree_util.tree_map(lambda a, b: float(np.abs(a - b).max()), got, p2)
    assert max(jax.tree_util.tree_leaves(differs)) > 1e-4  # and the averaged weights are not the last ones
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), got, expected)
