"""Cross-validation bagging and the stopping rule of the recipe (issue 13): members train only on their own rows,
validation losses are out of fold, the stopping rule skips epochs without changing the ones that ran, and the
estimator bags small tables only."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from twoclass import TwoClassClassifier
from twoclass.engine.ensemble import (
    STOP_PATIENCE,
    EnsemblePlan,
    Masks,
    dense_rows,
    eval_rows,
    initial_params,
    train_ensemble,
)
from twoclass.estimator.recipe import bagging_folds, member_logits


def _logloss(z, y):
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def test_folds_are_stratified_and_even():
    y = np.array([0] * 70 + [1] * 33)
    fold = bagging_folds(y, 4, seed=5)
    for label in (0, 1):
        counts = np.bincount(fold[y == label], minlength=4)
        assert counts.max() - counts.min() <= 1
    assert np.bincount(fold).max() - np.bincount(fold).min() <= 1
    assert not np.array_equal(fold, bagging_folds(y, 4, seed=6))  # the seed shuffles


def test_a_member_never_learns_from_the_rows_its_mask_leaves_out():
    # The first half of the rows says y = [x0 > 0], the second half the opposite. Member 0 trains on all rows (and
    # can learn nothing of x0), member 1 on the first half only (and learns it).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    y[160:] = 1.0 - y[160:]
    plan = EnsemblePlan(n_features=4, hidden=(16,), members=2, batch_size=32, epochs=20)
    mask = np.ones((320, 2), np.float32)
    mask[160:, 1] = 0.0
    best, _, _ = train_ensemble(
        plan,
        initial_params(plan, np.zeros(4), 0.0, seed=0, fitted=False),
        dense_rows(x, y, np.ones(320), 320),
        None,
        seed=0,
        learning_rate=1e-2,
        weight_decay=0.0,
        masks=Masks(train=mask),
    )
    z = member_logits(best, plan.hidden, x[:160])
    assert roc_auc_score(y[:160], z[:, 1]) > 0.95
    assert roc_auc_score(y[:160], z[:, 0]) < 0.75


@pytest.fixture(scope="module")
def bagged_run():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = ((x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=1.0, size=200)) > 0).astype(np.float32)
    fold = bagging_folds(y.astype(int), 4, seed=0)
    held = (fold[:, None] == np.arange(4)[None, :]).astype(np.float32)
    plan = EnsemblePlan(n_features=6, hidden=(32, 16), members=4, batch_size=16, epochs=40)
    start = initial_params(plan, np.zeros(6), 0.0, seed=3, fitted=False)
    rows = dense_rows(x, y, np.ones(200), 208)
    val = dense_rows(x, y, np.ones(200), eval_rows(200))
    masks = Masks(
        train=np.pad(1.0 - held, ((0, 8), (0, 0))),
        val=np.pad(held, ((0, eval_rows(200) - 200), (0, 0))),
    )
    runs = {
        stop: train_ensemble(plan._replace(stop=stop), start, rows, val, 0, 2e-2, 0.0, masks=masks)
        for stop in (True, False)
    }
    return x, y, held, plan, runs


def test_the_validation_loss_is_out_of_fold(bagged_run):
    x, y, held, plan, runs = bagged_run
    best, best_epoch, curve = runs[True]
    z = member_logits(best, plan.hidden, x)
    out_of_fold = np.sum(z * held, axis=1)  # one member holds each row out
    assert _logloss(out_of_fold, y) == pytest.approx(curve[best_epoch, 1], abs=1e-5)
    assert _logloss(z.mean(axis=1), y) < curve[best_epoch, 1] - 0.01  # the members saw 3/4 of these rows
    assert best_epoch == int(np.nanargmin(curve[:, 1]))


def test_the_stopping_rule_skips_epochs_and_changes_none_that_ran(bagged_run):
    *_, runs = bagged_run
    (_, best_epoch, curve), (_, _, full_curve) = runs[True], runs[False]
    ran = int(np.sum(~np.isnan(curve[:, 0])))
    assert 0 < ran < len(curve)  # it overfits early: the rule stops it
    assert np.isnan(curve[ran:]).all()
    assert ran == best_epoch + 1 + max(best_epoch + 1, STOP_PATIENCE)
    np.testing.assert_array_equal(curve[:ran], full_curve[:ran])
    assert best_epoch == int(np.argmin(full_curve[:ran, 1]))


def _table(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "kind": rng.choice(["x", "y"], n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * df["a"] * df["b"] + (df["kind"] == "x"))))).astype(int)
    return df, y


def _fit(df, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TwoClassClassifier(hidden_layer_sizes=(16,), random_state=0, **params).fit(df, y)


def test_small_tables_are_bagged_and_the_same_seed_gives_the_same_weights():
    df, y = _table(400, 0)
    clf = _fit(df, y)
    recipe = clf.recipe_
    assert recipe["bagging_folds"] == 4 and recipe["networks"] % 4 == 0
    assert "out of fold" in recipe["note"]
    assert len(clf.history_["loss"]) == len(clf.history_["val_loss"]) == recipe["epochs_run"] <= recipe["epochs"]
    again = _fit(df, y)
    for left, right in zip(clf.model_.get_weights(), again.model_.get_weights()):
        np.testing.assert_array_equal(left, right)
    # asking for a number of networks, or a table of 2,000 rows or more, trains on the validation split instead
    assert _fit(df, y, n_networks=2).recipe_["bagging_folds"] == 0
    big, y_big = _table(2_000, 1)
    assert _fit(big, y_big, epochs=2).recipe_["bagging_folds"] == 0
