"""The large-table network's judges (issue 13): the kept networks train on the validation rows too, at the epoch,
blend and threshold that `recipe.LargeTable.judges` networks trained without those rows choose on them; all in the
one compiled program (a row mask per member), the logistic regression kept the one fitted on all the rows.

The large-table rule is forced down to small tables with a tiny `recipe.LARGE`, as in test_recipe_embedding.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from twoclass import TwoClassClassifier
from twoclass.data.labels import LabelEncoding
from twoclass.estimator import recipe
from twoclass.estimator.inputs import FitRows

TINY = recipe.LargeTable(embed=4, hidden=(16,), networks=2, judges=1, epochs=3, batch_size=64)


@pytest.fixture
def forced(monkeypatch):
    monkeypatch.setattr(recipe, "LARGE_ROWS", 0)
    monkeypatch.setattr(recipe, "LARGE", TINY)


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(0, 10, n), "c": rng.normal(size=n)})
    signal = 2 * df["a"] * (df["b"] > 5) - df["c"]
    return df, (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)


def _fit(df, y) -> TwoClassClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TwoClassClassifier(random_state=0).fit(df, y)


def test_judges_train_on_the_training_rows_and_the_kept_networks_on_all():
    weight = np.array([1.0, 2.0, 1.0, 3.0, 1.0, 0.0])  # 3 training rows, 2 validation rows, 1 padding row
    judged = recipe.judged_rows(weight, 3, judges=2, members=5)
    np.testing.assert_array_equal(judged.judges, [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(judged.train_mask[:, :2], [[1, 1], [1, 1], [1, 1], [0, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(judged.train_mask[:, 2:], np.ones((6, 3)))
    np.testing.assert_array_equal(judged.linear_weights, [[1, 2, 1, 0, 0, 0], [1, 2, 1, 3, 1, 0]])
    np.testing.assert_array_equal(judged.member_fit, [0, 0, 1, 1, 1])  # judges from fit 0, kept ones from fit 1


def test_the_model_holds_the_kept_networks_and_the_recipe_says_who_judged(forced, monkeypatch):
    df, y = _frame(2400, 0)
    clf = _fit(df, y)
    assert clf.recipe_["judges"] == 1 and clf.recipe_["networks"] == 2
    assert "whose validation figures these are" in clf.recipe_["note"]
    assert clf.recipe_["kept"] == "networks"  # a table of interactions: the networks are kept, not the regression
    assert clf.n_networks_ == 2
    assert clf.model_.get_weights()[0].shape[1] == 2 * 3 * 4 + 2  # 2 networks x 3 columns x 4 units + linear pair
    # without judges (the ablation's 'no refit'), the three networks all train on the training rows and are kept
    monkeypatch.setattr(recipe, "INGREDIENTS", recipe.INGREDIENTS._replace(refit=False))
    plain = _fit(df, y)
    assert plain.recipe_["judges"] == 0 and plain.recipe_["networks"] == 3
    assert plain.model_.get_weights()[0].shape[1] == 3 * 3 * 4 + 2


@pytest.mark.parametrize("refit", [True, False])
def test_the_kept_model_learned_from_the_validation_rows(forced, monkeypatch, refit):
    # the training rows' label follows column a, the validation rows' column b: only a model that trained on the
    # validation rows too can rank them (the judges, and the figures they choose by, cannot)
    from sklearn.metrics import roc_auc_score

    # without the guard: the networks kept are the ones measured (with it, the logistic regression of all the rows)
    monkeypatch.setattr(recipe, "INGREDIENTS", recipe.INGREDIENTS._replace(refit=refit, guard=False))
    rng = np.random.default_rng(1)
    n, n_val = 2400, 800
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.where(np.arange(n) < n - n_val, df["a"] > 0, df["b"] > 0).astype(np.int64)
    rows = FitRows(df, y, np.ones(n), np.arange(n - n_val), np.arange(n - n_val, n), 0, LabelEncoding(0, 1), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = recipe.train_recipe(TwoClassClassifier(random_state=0), rows, array_input=True)
    assert fitted["recipe_"]["judges"] == (1 if refit else 0)
    x_val = fitted["preprocessor_"].transform(df.iloc[-n_val:])
    p = np.asarray(fitted["model_"].predict(x_val, verbose=0), np.float64)[:, 0]
    auc = roc_auc_score(y[-n_val:], p)
    assert (auc > 0.63) == refit, auc  # measured: 0.75 with judges, 0.55 without (0.71-0.77, 0.48-0.55)
