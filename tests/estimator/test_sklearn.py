"""TwoClassClassifier: scikit-learn's estimator checks, its use in sklearn tools, and its own behaviour.

Small data and few epochs throughout; the checks run with a fast instance (5 epochs, a larger learning rate).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from twoclass import TwoClassClassifier
from twoclass.threshold import ThresholdChoice

FAST = dict(
    hidden_layer_sizes=(16,), epochs=5, learning_rate=0.05, batch_size=32, patience=3, random_state=0, n_networks=1
)
# threshold=None: predict is argmax(predict_proba), the contract check_classifiers_train tests. A tuned threshold
# breaks it by design (as for sklearn's TunedThresholdClassifierCV); a second instance checks that case.
# Two networks: every check also goes through the averaged (merged) network.
CHECKED = {**FAST, "threshold": None, "n_networks": 2}

EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "Weights are not equivalent to repeating rows: the stratified validation split and mini-batch shuffling "
        "see repeated rows as distinct rows."
    ),
}


@parametrize_with_checks([TwoClassClassifier(**CHECKED)], expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    x, y = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=1)
    return x, y


def test_learns_better_than_chance_against_sklearn_metrics(data):
    x, y = data
    clf = TwoClassClassifier(**{**FAST, "epochs": 30}).fit(x[:200], y[:200])
    proba = clf.predict_proba(x[200:])
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y[200:], proba[:, 1]) > 0.85
    assert clf.score(x[200:], y[200:]) == pytest.approx(accuracy_score(y[200:], clf.predict(x[200:])))


def test_predict_uses_threshold_and_decision_function_agrees(data):
    x, y = data
    clf = TwoClassClassifier(**{**FAST, "threshold": 0.8}).fit(x, y)
    assert clf.threshold_.value == 0.8 and clf.threshold_.objective == "given"
    p = clf.predict_proba(x)[:, 1]
    np.testing.assert_array_equal(clf.predict(x), (p >= 0.8).astype(int))
    d = clf.decision_function(x)
    np.testing.assert_allclose(d, np.log(p / (1 - p)) - np.log(0.8 / 0.2), atol=1e-6)
    np.testing.assert_array_equal(d > 0, clf.predict(x) == 1)


def test_threshold_chosen_on_validation_rows_with_its_figures(data):
    x, y = data
    clf = TwoClassClassifier(**{**FAST, "threshold": {"recall": 0.9}}).fit(x, y)
    choice = clf.threshold_
    assert isinstance(choice, ThresholdChoice) and choice.objective == "recall>=0.9"
    assert choice.metrics["recall"] >= 0.9
    n_val = int(np.ceil(0.15 * len(y)))
    assert clf.validation_figures_["n"] == n_val == choice.metrics["n"]
    assert clf.validation_figures_["threshold"] == choice.value


def test_string_labels_and_positive():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = np.where(x[:, 0] > 0, "spam", "ham")
    clf = TwoClassClassifier(**FAST).fit(x, y)  # ambiguous pair: sklearn's order, the larger label positive
    assert clf.classes_.tolist() == ["ham", "spam"]
    flipped = TwoClassClassifier(**{**FAST, "positive": "ham"}).fit(x, y)
    assert flipped.classes_.tolist() == ["spam", "ham"]
    assert set(flipped.predict(x)) <= {"spam", "ham"}
    assert roc_auc_score(y == "ham", flipped.predict_proba(x)[:, 1]) > 0.9


def test_yes_no_labels_are_read_as_meant():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 2))
    y = np.where(x[:, 1] > 0, "Yes", "No")
    assert TwoClassClassifier(**FAST).fit(x, y).classes_.tolist() == ["No", "Yes"]


def test_dataframe_with_mixed_columns_and_missing_values():
    rng = np.random.default_rng(2)
    n = 240
    df = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(1, 80, n)),
            "sex": rng.choice(["male", "female"], n),
            "passenger_id": np.arange(n),
        }
    )
    y = ((df["sex"] == "female") | (df["age"].fillna(40) < 12)).map({True: "survived", False: "died"})
    clf = TwoClassClassifier(**{**FAST, "positive": "survived"}).fit(df, y)
    assert clf.n_features_in_ == 3
    assert clf.feature_names_in_.tolist() == ["age", "sex", "passenger_id"]
    assert "passenger_id" not in clf.preprocessor_.required_columns_
    assert roc_auc_score(y == "survived", clf.predict_proba(df)[:, 1]) > 0.9
    # columns by name: another order and extra columns are fine
    shuffled = df[["sex", "age"]].assign(extra=1)
    np.testing.assert_allclose(clf.predict_proba(shuffled), clf.predict_proba(df))
    with pytest.warns(UserWarning, match="not seen in training"):
        clf.predict(pd.DataFrame({"age": [30.0], "sex": ["unknown"]}))


def test_text_column():
    good = ["great product works well", "love it excellent", "very good value", "happy with this purchase"]
    bad = ["terrible broke quickly", "awful waste of money", "very bad quality", "disappointed do not buy"]
    rng = np.random.default_rng(3)
    texts = [
        rng.choice(good) + " " + rng.choice(good) if i % 2 else rng.choice(bad) + " " + rng.choice(bad)
        for i in range(120)
    ]
    df = pd.DataFrame({"review": texts})
    y = np.arange(120) % 2
    clf = TwoClassClassifier(**{**FAST, "epochs": 20}, text_columns=("review",)).fit(df, y)
    assert clf.preprocessor_.column_types_["review"] == "text"
    assert clf.score(df, y) > 0.9


def test_class_weight_balanced_changes_training_and_sample_weight_ones_does_not():
    x, y = make_classification(n_samples=300, n_features=4, weights=[0.85], random_state=3)
    plain = TwoClassClassifier(**FAST).fit(x, y)
    ones = TwoClassClassifier(**FAST).fit(x, y, sample_weight=np.ones(len(y)))
    balanced = TwoClassClassifier(**FAST, class_weight="balanced").fit(x, y)
    np.testing.assert_allclose(plain.predict_proba(x), ones.predict_proba(x), atol=1e-6)
    # weighting the minority raises its predicted probabilities on average
    assert balanced.predict_proba(x)[:, 1].mean() > plain.predict_proba(x)[:, 1].mean()


@pytest.mark.parametrize("calibration", ["platt", "temperature"])
def test_calibration_is_fitted_on_validation_logits(data, calibration):
    x, y = data
    clf = TwoClassClassifier(**FAST, calibration=calibration).fit(x, y)
    z = clf.model_.predict_logits(clf.preprocessor_.transform(pd.DataFrame(x, columns=clf.input_columns_)))
    np.testing.assert_allclose(clf.predict_proba(x)[:, 1], clf.calibrator_.transform(z), atol=1e-6)


def test_early_stopping_restores_best_epoch(data):
    x, y = data
    # the plain recipe's early stopping (recipe='auto' trains its scheduled epochs and keeps the best one)
    clf = TwoClassClassifier(**{**FAST, "epochs": 60, "patience": 2, "learning_rate": 0.1, "recipe": "plain"}).fit(x, y)
    losses = clf.history_["val_loss"]
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    assert len(losses) < 60 or clf.best_epoch_ == 60
    assert "val_auc" in clf.history_


def test_same_random_state_same_model(data):
    x, y = data
    a = TwoClassClassifier(**FAST).fit(x, y).predict_proba(x)
    b = TwoClassClassifier(**FAST).fit(x, y).predict_proba(x)
    c = TwoClassClassifier(**{**FAST, "random_state": 1}).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-4


def test_pipeline_grid_search_cross_val_score_clone(data):
    x, y = data
    pipe = make_pipeline(StandardScaler(), TwoClassClassifier(**FAST))
    scores = cross_val_score(pipe, x, y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,) and scores.min() > 0.7
    grid = GridSearchCV(TwoClassClassifier(**FAST), {"hidden_layer_sizes": [(4,), (16,)]}, cv=2).fit(x, y)
    assert grid.best_params_["hidden_layer_sizes"] in [(4,), (16,)]
    copy = clone(TwoClassClassifier(**FAST, class_weight={0: 1.0, 1: 2.0}))
    assert copy.get_params()["class_weight"] == {0: 1.0, 1: 2.0} and not hasattr(copy, "model_")


# ---------------------------------------------------------------------------------------------------- bad input


def _xy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), np.arange(n) % 2


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros(40), r"'y' .* two classes\. Got only one class"),
        (np.arange(40) % 3, r"Only binary classification is supported\. The 'y' argument .* holds 3"),
        (np.r_[np.nan, np.arange(39) % 2], r"'y' argument .* 1 missing label"),
        (np.arange(39) % 2, r"'X' and 'y' arguments .* same number of rows\. Got X with 40 rows and y with 39"),
        (np.linspace(0, 1, 40), "Unknown label type"),
    ],
)
def test_bad_targets(y, match):
    x, _ = _xy()
    with pytest.raises(ValueError, match=match):
        TwoClassClassifier(**FAST).fit(x, y)


def test_empty_dataframe_and_wrong_features():
    with pytest.raises(ValueError, match="'X' argument .* is empty"):
        TwoClassClassifier(**FAST).fit(pd.DataFrame(), [])
    x, y = _xy()
    clf = TwoClassClassifier(**FAST).fit(x, y)
    with pytest.raises(ValueError, match="X has 2 features, but TwoClassClassifier is expecting 3"):
        clf.predict(x[:, :2])
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    fitted = TwoClassClassifier(**FAST).fit(df, y)
    with pytest.raises(ValueError, match="missing column\\(s\\) the model was trained on: 'b'"):
        fitted.predict(df.drop(columns="b"))


@pytest.mark.parametrize(
    "param, value, match",
    [
        ("epochs", 0, "The 'epochs' parameter of TwoClassClassifier must be 'auto' or an int >= 1. Got 0 instead."),
        ("hidden_layer_sizes", (8, 0), "'hidden_layer_sizes' parameter .* tuple of ints >= 1"),
        ("threshold", "accuracy", "'threshold' parameter of TwoClassClassifier must be 'f1', 'youden'"),
        ("calibration", "isotonic", "'calibration' parameter .* one of 'platt', 'temperature'"),
        ("validation_fraction", 0.9, "'validation_fraction' parameter .* range \\(0, 0.5\\]"),
        ("optimizer", "lbfgs", "'optimizer' parameter .* one of 'adam'"),
        ("n_networks", 0, "The 'n_networks' parameter of TwoClassClassifier must be 'auto' or an int >= 1. Got 0"),
    ],
)
def test_bad_parameters(param, value, match):
    x, y = _xy()
    with pytest.raises(ValueError, match=match):
        TwoClassClassifier(**{**FAST, param: value}).fit(x, y)


def test_positive_not_among_labels():
    x, y = _xy()
    with pytest.raises(ValueError, match="'positive' parameter of TwoClassClassifier must be one of"):
        TwoClassClassifier(**FAST, positive="spam").fit(x, y)


def test_tiny_data_trains_without_validation_split():
    x = np.array([[0.0], [1.0], [0.1], [0.9], [0.2]])
    y = np.array([0, 1, 0, 1, 0])
    with pytest.warns(UserWarning, match="Too few rows"):
        clf = TwoClassClassifier(**FAST).fit(x, y)
    assert "val_loss" not in clf.history_
    assert any("training rows" in note for note in clf.validation_figures_["notes"])


@pytest.mark.parametrize("hidden", [(6, 5), ()])
def test_merged_network_gives_the_mean_log_odds_of_its_members(hidden):
    from twoclass.estimator.training import merge_networks
    from twoclass.layers import Dense, Dropout, Input
    from twoclass.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    members = []
    for _ in range(3):
        inner = [Dense(6, activation="tanh"), Dropout(0.3), Dense(5, activation="relu")] if hidden else []
        net = Sequential([Input(shape=(4,)), *inner, Dense(1, activation="sigmoid")])
        net.compile(optimizer="adam", loss="binary_crossentropy")
        net.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in net.get_weights()])
        members.append(net)
    merged = merge_networks(members)
    expected = np.mean([m.predict_logits(x) for m in members], axis=0)
    np.testing.assert_allclose(merged.predict_logits(x), expected, rtol=1e-5, atol=1e-5)
    shapes = [(4, 18), (18,), (18, 15), (15,), (15, 1), (1,)] if hidden else [(4, 1), (1,)]
    assert [w.shape for w in merged.get_weights()] == shapes


def test_auto_averages_five_networks_on_small_cheap_data_and_one_otherwise(data):
    from twoclass.estimator.params import check_params, networks_for

    x, y = data
    clf = TwoClassClassifier(**{**FAST, "n_networks": "auto", "recipe": "plain"}).fit(x, y)
    assert clf.n_networks_ == 5
    assert clf.model_.get_weights()[0].shape == (x.shape[1], 16 * 5)
    settings = check_params(TwoClassClassifier().get_params())
    assert networks_for(settings, 9_999, 20) == 5 and networks_for(settings, 10_000, 20) == 1
    assert networks_for(settings, 2_000, 1_000) == 5 and networks_for(settings, 2_000, 1_001) == 1  # wide text
