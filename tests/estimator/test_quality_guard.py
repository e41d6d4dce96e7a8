"""TwoClassClassifier's recipe end to end: the guard keeps the logistic regression when the networks are worse, the
networks when they are better, and the kept model is one network that the NumPy predictor, onnxruntime and
`twoclass inspect` read as they read any other."""

from __future__ import annotations

import warnings

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from twoclass import TwoClassClassifier, inference
from twoclass.cli import app
from twoclass.onnx import export_onnx, frame_to_feeds

SMALL = dict(hidden_layer_sizes=(16,), random_state=0)


def _frame(n, seed, interaction):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.uniform(0, 10, n),
            "kind": rng.choice(["x", "y", "z"], n),
        }
    )
    signal = 3 * df["a"] * df["b"] if interaction else 1.5 * df["a"] - df["b"] + 0.2 * df["c"]
    y = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)
    return df, y


def test_networks_that_are_worse_give_way_to_the_logistic_regression():
    # A linear signal, and networks thrown off by a huge step size, kept at their last epoch (no choice of epoch to
    # rescue them): the guard must keep the logistic regression.
    df, y = _frame(600, 0, interaction=False)
    clf = TwoClassClassifier(**SMALL, learning_rate=50.0, early_stopping=False).fit(df, y)
    recipe = clf.recipe_
    assert recipe["kept"] == "logistic regression" and recipe["network_share"] == 0.0
    assert recipe["validation_loss"]["networks"] > recipe["validation_loss"]["logistic_regression"]
    assert "the logistic regression is kept" in recipe["note"]
    assert [w.shape for w in clf.model_.get_weights()] == [(clf.preprocessor_.n_features_out_, 1), (1,)]
    # the kept model is scikit-learn's logistic regression on the same features (600 rows: cross-validation bagging,
    # which fits the kept logistic regression on all the rows)
    assert recipe["bagging_folds"] == 4
    # the logistic regression kept is the binned view's: the second view's networks are not averaged in where the
    # first view's gave way (the preprocessing also holds the standardised copies that view read)
    assert recipe["two_views"]["kept"] == "binned"
    x = clf.preprocessor_.transform(df)[:, clf.preprocessor_.view_features().binned]
    reference = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    # (both solvers reach the same penalised loss to 1e-7; the bins' nearly collinear columns leave the
    # probabilities a few 1e-3 apart)
    np.testing.assert_allclose(clf.predict_proba(df)[:, 1], reference.predict_proba(x)[:, 1], atol=5e-3)


def test_networks_that_learn_an_interaction_are_kept_and_beat_the_logistic_regression():
    df, y = _frame(1200, 1, interaction=True)
    test_df, test_y = _frame(600, 2, interaction=True)
    clf = TwoClassClassifier(**SMALL).fit(df, y)
    assert clf.recipe_["kept"] in ("networks", "blend") and clf.recipe_["network_share"] >= 0.5
    assert clf.n_networks_ == clf.recipe_["networks"] > 1
    assert roc_auc_score(test_y, clf.predict_proba(test_df)[:, 1]) > 0.8
    assert clf.recipe_["baseline_figures"]["roc_auc"] < 0.65  # no line separates a*b > 0
    assert clf.validation_figures_["log_loss"] <= clf.recipe_["baseline_figures"]["log_loss"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    df, y = _frame(500, 3, interaction=True)
    df.loc[::17, "c"] = np.nan  # a missing-value indicator among the features
    clf = TwoClassClassifier(**SMALL, calibration="platt").fit(df, y)
    assert clf.recipe_["bagging_folds"] == 4  # so the tests below read a bagged model (500 rows)
    assert clf.recipe_["two_views"]["kept"] == "mean"  # of two views: the binned and the standardised features
    path = tmp_path_factory.mktemp("recipe") / "model"
    clf.save(path)
    return clf, df, path


def test_the_numpy_predictor_and_the_loaded_estimator_give_the_same_probabilities(saved):
    clf, df, path = saved
    expected = clf.predict_proba(df)[:, 1]
    np.testing.assert_allclose(inference.load(path).predict_proba(df)[:, 1], expected, atol=1e-5)
    loaded = TwoClassClassifier.load(path)
    np.testing.assert_allclose(loaded.predict_proba(df)[:, 1], expected, atol=1e-6)
    assert loaded.recipe_ == clf.recipe_


def test_onnxruntime_gives_the_same_probabilities(saved, tmp_path):
    clf, df, _ = saved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_onnx(clf, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    label, probability = session.run(None, frame_to_feeds(df, session))
    np.testing.assert_allclose(probability, clf.predict_proba(df)[:, 1], atol=1e-5)
    np.testing.assert_array_equal(label, clf.predict(df))


def test_inspect_shows_the_logistic_regression_beside_the_networks(saved):
    _, _, path = saved
    result = CliRunner().invoke(app, ["inspect", str(path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "logistic regression" in result.output and "Recipe auto:" in result.output
    assert "kept: the mean of two views of the numeric columns (binned: " in result.output
    assert "A second view, the numeric columns standardised instead of binned" in result.output


def test_plain_recipe_and_other_activations_train_the_keras_style_networks():
    df, y = _frame(200, 4, interaction=False)
    plain = TwoClassClassifier(**SMALL, recipe="plain", epochs=3).fit(df, y)
    tanh = TwoClassClassifier(**SMALL, activation="tanh", epochs=3).fit(df, y)
    assert plain.recipe_ is None and tanh.recipe_ is None
    assert "auc" in plain.history_ and tanh.model_.layers[0].activation == "tanh"


def test_text_trains_through_the_sparse_first_layer_and_predicts_the_same_everywhere(tmp_path):
    rng = np.random.default_rng(5)
    good, bad, filler = ["great", "lovely", "superb"], ["awful", "poor", "broken"], ["the", "a", "film", "it", "was"]
    y = rng.integers(0, 2, 400)
    texts = [" ".join(rng.choice(filler, 4).tolist() + rng.choice(good if label else bad, 1).tolist()) for label in y]
    df = pd.DataFrame({"review": texts, "stars": rng.normal(size=400) + y})
    clf = TwoClassClassifier(**SMALL, text_columns=("review",)).fit(df, y)
    assert clf.recipe_["sparse_input"] is True and clf.recipe_["networks"] == 1
    assert roc_auc_score(y, clf.predict_proba(df)[:, 1]) > 0.95
    clf.save(tmp_path / "text")
    np.testing.assert_allclose(
        inference.load(tmp_path / "text").predict_proba(df)[:, 1], clf.predict_proba(df)[:, 1], atol=1e-5
    )
