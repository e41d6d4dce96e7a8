"""The recipe's engine programs (engine/ensemble.py) and the merged network (estimator/recipe.py), against
independent references: scikit-learn's LogisticRegression, a NumPy forward pass, the dense path for the sparse one."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from twoclass.engine.ensemble import (
    EnsemblePlan,
    dense_rows,
    eval_rows,
    fit_linear,
    initial_params,
    member_logits,
    sparse_rows,
    train_ensemble,
)
from twoclass.estimator.recipe import ViewPart, in_columns, member_parts, merged_network, merged_views, placed_columns

PLAN = EnsemblePlan(n_features=12, hidden=(16, 8), members=3, batch_size=32, epochs=6)


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 12)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1] > 0) ^ (rng.random(320) < 0.1)).astype(np.float32)  # an interaction, 10% noise
    return x, y


def test_the_linear_program_is_scikit_learns_logistic_regression(table):
    x, y = table
    weight = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    kernel, bias = fit_linear(dense_rows(x, y, weight, 320), 12, False, l2=1.0)
    reference = LogisticRegression(C=1.0, tol=1e-8, max_iter=10_000).fit(x, y, sample_weight=weight)
    np.testing.assert_allclose(kernel, reference.coef_[0], atol=2e-4)
    assert bias == pytest.approx(reference.intercept_[0], abs=2e-4)


def test_at_epoch_zero_a_member_is_the_logistic_regression_or_nothing(table):
    x, _ = table
    kernel = np.random.default_rng(2).normal(size=12)
    params = initial_params(PLAN, kernel, 0.3, seed=0, fitted=[True, False, True])
    z = np.asarray(member_logits(jax.tree_util.tree_map(np.asarray, params), PLAN, x, np.zeros((320, 0), np.int32)))
    assert z.shape == (320, 3)
    np.testing.assert_allclose(z[:, [0, 2]], np.repeat((x @ kernel + 0.3)[:, None], 2, axis=1), atol=1e-5)
    np.testing.assert_allclose(z[:, 1], 0.0, atol=1e-7)


@pytest.fixture(scope="module")
def trained(table):
    x, y = table
    kernel, bias = fit_linear(dense_rows(x[:256], y[:256], np.ones(256), 256), 12, False)
    params = initial_params(PLAN, kernel, bias, seed=0, fitted=[True, False, True])
    val = dense_rows(x[256:], y[256:], np.ones(64), eval_rows(64))
    best, best_epoch, curve = train_ensemble(
        PLAN,
        params,
        dense_rows(x[:256], y[:256], np.ones(256), 256),
        val,
        seed=0,
        learning_rate=1e-2,
        weight_decay=1e-4,
    )
    return best, best_epoch, curve, (kernel, bias)


def test_the_kept_epoch_has_the_lowest_validation_loss_of_the_mean_log_odds(table, trained):
    x, y = table
    best, best_epoch, curve, _ = trained
    assert curve.shape == (6, 2) and best_epoch == int(np.argmin(curve[:, 1]))
    mlp, linear = member_parts(best, PLAN.hidden, x[256:])
    z = mlp + linear
    loss = np.mean(np.logaddexp(0.0, z) - y[256:] * z)
    assert loss == pytest.approx(curve[best_epoch, 1], abs=1e-5)
    assert curve[-1, 0] < curve[0, 0]  # it trains


def test_numpy_forward_equals_the_jax_program(table, trained):
    x, _ = table
    best = trained[0]
    mlp, linear = member_parts(best, PLAN.hidden, x)
    z = np.asarray(member_logits(best, PLAN, x, np.zeros((320, 0), np.int32)))
    np.testing.assert_allclose(mlp + linear, z.mean(axis=1), atol=1e-5)


@pytest.mark.parametrize("share", [1.0, 0.5, 0.0])
def test_the_merged_network_computes_the_blend_of_members_and_logistic_regression(table, trained, share):
    x, _ = table
    best, _, _, baseline = trained
    model = merged_network(best, PLAN.hidden, 12, share, baseline)
    mlp, linear = member_parts(best, PLAN.hidden, x)
    expected = share * (mlp + linear) + (1 - share) * (x @ baseline[0] + baseline[1])
    np.testing.assert_allclose(model.predict_logits(x), expected, atol=1e-5)
    widths = [w.shape for w in model.get_weights()[0::2]]
    assert widths == ([(12, 3 * 16 + 2), (3 * 16 + 2, 3 * 8 + 2), (3 * 8 + 2, 1)] if share else [(12, 1)])


def test_two_views_merge_into_one_network_of_their_weighted_blends(table, trained):
    """Two views of 16 input features, each reading 12 of them (their own order, some shared): the merged network
    is half of each view's blend, computed on the columns that view reads, and drops a view whose share is 0."""
    rng = np.random.default_rng(5)
    x = np.hstack([table[0], rng.normal(size=(320, 4)).astype(np.float32)])
    best, _, _, baseline = trained
    columns = [list(range(12)), [15, 14, 13, 12, *range(8)]]

    def blend(view, share):
        mlp, linear = member_parts(best, PLAN.hidden, x[:, columns[view]])
        return share * (mlp + linear) + (1 - share) * (x[:, columns[view]] @ baseline[0] + baseline[1])

    for shares in [(1.0, 0.25), (0.5, 0.0)]:
        views = [
            ViewPart(in_columns(best, c, 16), a, (placed_columns(baseline[0], c, 16), baseline[1]), 0.5)
            for c, a in zip(columns, shares)
        ]
        model = merged_views(views, PLAN.hidden, 16)
        expected = 0.5 * blend(0, shares[0]) + 0.5 * blend(1, shares[1])
        np.testing.assert_allclose(model.predict_logits(x), expected, atol=1e-5)
        members = 3 * sum(a > 0 for a in shares)
        assert model.get_weights()[0].shape == (16, members * 16 + 2)


def test_sparse_rows_train_exactly_as_dense_rows():
    rng = np.random.default_rng(3)
    x = sparse.random(96, 40, density=0.1, random_state=4, format="csr", dtype=np.float32)
    y = (rng.random(96) < 0.5).astype(np.float32)
    nonzeros = int(np.diff(x.indptr).max())
    dense, sparse_ = dense_rows(x.toarray(), y, np.ones(96), 96), sparse_rows(x, y, np.ones(96), 96, nonzeros)
    kd, bd = fit_linear(dense, 40, False)
    ks, bs = fit_linear(sparse_, 40, True)
    np.testing.assert_allclose(ks, kd, atol=1e-5)
    plan = EnsemblePlan(40, (8,), 2, 32, 3)
    start = initial_params(plan, kd, bd, seed=1)
    a, _, curve_a = train_ensemble(plan, start, dense, None, seed=0, learning_rate=1e-2, weight_decay=0.0)
    b, _, curve_b = train_ensemble(
        plan._replace(sparse=True), start, sparse_, None, seed=0, learning_rate=1e-2, weight_decay=0.0
    )
    for left, right in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(left, right, atol=1e-5)
    np.testing.assert_allclose(curve_a[:, 0], curve_b[:, 0], atol=1e-5)
    assert np.isnan(curve_a[:, 1]).all()  # no validation rows: the last epoch is kept
