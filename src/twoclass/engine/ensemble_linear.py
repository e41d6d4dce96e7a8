"""The recipe's logistic regression as a compiled program (`twoclass.engine.ensemble`): full-batch L-BFGS on the
L2-penalised weighted log-loss, stored as the engine's other programs are.

Example:
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> kernel, bias = fit_linear(dense_rows(x, y, np.ones(4), 4), 1, False)
    >>> kernel.shape
    (1,)
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from twoclass.engine.cache import PROGRAM_DIR
from twoclass.engine.ensemble_members import _bce, _linear
from twoclass.engine.ensemble_plan import Rows, dense_rows  # noqa: F401 (dense_rows: fit_linear's example)
from twoclass.engine.stored import StoredFunction, program_cache

LINEAR_ITERATIONS = 100  # L-BFGS steps for the logistic regression; it converges in 20-60 on the benchmark's tables


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


@program_cache
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
