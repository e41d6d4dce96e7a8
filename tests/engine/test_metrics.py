"""The engine's metrics (`twoclass.engine.metrics`: init_state, update_state, result) against scikit-learn and the
real Keras 3 metric objects.

Every state is accumulated over several minibatches, as the compiled epoch does: each batch is padded to the batch
size with rows that must not count (the engine's padding rows: weight 0, row mask False), here given labels and
outputs that would change every figure if they were counted. Structures come from the public metric objects.
"""

import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics as skm

from twoclass import metrics
from twoclass.engine.metrics import init_state, result, row_weight, update_state, weighted

BATCH = 64


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    p = np.clip(0.3 * y + 0.7 * rng.uniform(size=n), 0.0, 1.0).astype(np.float32)
    p[:6] = [0.5, 0.5, 0.3, 0.3, 0.7, 0.7]  # outputs exactly at a threshold are negative (Keras: strictly above)
    weight = rng.uniform(0.2, 3.0, size=n).astype(np.float32)
    return y, p, weight


def _accumulate(structure, y, out, weight, batch=BATCH):
    """Feed the rows batch by batch, each padded to `batch` rows, through row_weight as the compiled epoch does."""
    update = update_state
    state = init_state(structure)
    for start in range(0, len(y), batch):
        yb, ob, wb = y[start : start + batch], out[start : start + batch], weight[start : start + batch]
        pad = batch - len(yb)
        mask = np.r_[np.ones(len(yb), bool), np.zeros(pad, bool)]
        # padding rows: positive labels, confident positive outputs, weight 0 in the table
        yb, ob, wb = np.r_[yb, np.ones(pad)], np.r_[ob, np.full(pad, 0.97)], np.r_[wb, np.zeros(pad)]
        rows = row_weight(structure, jnp.asarray(wb, jnp.float32), jnp.asarray(mask))
        state = update(structure, state, jnp.asarray(yb, jnp.float32), jnp.asarray(ob, jnp.float32), rows)
    return float(result(structure, state))


def _structure(metric, weighted_metric):
    return weighted(metric.structure()) if weighted_metric else metric.structure()


def _score(function):
    return lambda y, predicted, w: function(y, predicted, sample_weight=w)


def _cell(row, column):
    """A count of scikit-learn's confusion matrix: rows are the true class, columns the predicted one."""
    return lambda y, predicted, w: skm.confusion_matrix(y, predicted, sample_weight=w)[row, column]


THRESHOLD_CASES = [
    (metrics.BinaryAccuracy(), _score(skm.accuracy_score), 0.5),
    (metrics.BinaryAccuracy(threshold=0.3), _score(skm.accuracy_score), 0.3),
    (metrics.Precision(), _score(skm.precision_score), 0.5),
    (metrics.Recall(thresholds=0.7), _score(skm.recall_score), 0.7),
    (metrics.F1Score(), _score(skm.f1_score), 0.5),
    (metrics.F1Score(threshold=0.3), _score(skm.f1_score), 0.3),
    (metrics.TruePositives(), _cell(1, 1), 0.5),
    (metrics.FalsePositives(), _cell(0, 1), 0.5),
    (metrics.TrueNegatives(), _cell(0, 0), 0.5),
    (metrics.FalseNegatives(thresholds=0.3), _cell(1, 0), 0.3),
]


@pytest.mark.parametrize("weighted_metric", [False, True], ids=["metrics", "weighted_metrics"])
@pytest.mark.parametrize("metric, reference, threshold", THRESHOLD_CASES, ids=lambda c: getattr(c, "name", None))
def test_threshold_metrics_match_scikit_learn(metric, reference, threshold, weighted_metric):
    y, p, weight = _data()
    predicted = (p > threshold).astype(int)
    # a plain metric counts every real row once; a weighted one weighs it by its sample weight
    expected = reference(y.astype(int), predicted, weight if weighted_metric else None)
    got = _accumulate(_structure(metric, weighted_metric), y, p, weight)
    assert got == pytest.approx(float(expected), rel=1e-5, abs=1e-5)


def _keras_pairs(keras):
    """(ours, a fresh Keras metric, whether the model output is a logit)."""
    return [
        (metrics.BinaryAccuracy(), keras.metrics.BinaryAccuracy(), False),
        (metrics.BinaryAccuracy(threshold=0.7), keras.metrics.BinaryAccuracy(threshold=0.7), False),
        (metrics.Precision(), keras.metrics.Precision(), False),
        (metrics.Recall(thresholds=0.3), keras.metrics.Recall(thresholds=0.3), False),
        (metrics.TruePositives(), keras.metrics.TruePositives(), False),
        (metrics.FalsePositives(thresholds=0.7), keras.metrics.FalsePositives(thresholds=0.7), False),
        (metrics.TrueNegatives(), keras.metrics.TrueNegatives(), False),
        (metrics.FalseNegatives(), keras.metrics.FalseNegatives(), False),
        (metrics.F1Score(threshold=0.5), keras.metrics.F1Score(threshold=0.5), False),
        (metrics.AUC(), keras.metrics.AUC(), False),
        (metrics.AUC(num_thresholds=13), keras.metrics.AUC(num_thresholds=13), False),
        (metrics.AUC(curve="PR"), keras.metrics.AUC(curve="PR"), False),
        (metrics.AUC(from_logits=True), keras.metrics.AUC(from_logits=True), True),
        (metrics.BinaryCrossentropy(), keras.metrics.BinaryCrossentropy(), False),
        (
            metrics.BinaryCrossentropy(label_smoothing=0.2),
            keras.metrics.BinaryCrossentropy(label_smoothing=0.2),
            False,
        ),
        (
            metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
            keras.metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
            True,
        ),
        (metrics.MeanSquaredError(), keras.metrics.MeanSquaredError(), False),
        (metrics.MeanAbsoluteError(), keras.metrics.MeanAbsoluteError(), False),
    ]


@pytest.mark.parametrize("weighted_metric", [False, True], ids=["metrics", "weighted_metrics"])
def test_every_metric_structure_matches_the_real_keras_metric(keras, weighted_metric):
    y, p, weight = _data(seed=3)
    logits = np.log(p) - np.log1p(-p)
    for ours, reference, from_logits in _keras_pairs(keras):
        out = logits if from_logits else p
        # Keras sees all the rows at once (its own accumulation is not under test, and each of its eager calls is slow)
        reference.update_state(y[:, None], out[:, None], sample_weight=weight if weighted_metric else None)
        expected = float(np.asarray(reference.result()).reshape(-1)[0])
        got = _accumulate(_structure(ours, weighted_metric), y, out.astype(np.float32), weight)
        assert got == pytest.approx(expected, rel=2e-5, abs=1e-6), (type(ours).__name__, ours.get_config())


@pytest.mark.parametrize("weighted_metric", [False, True], ids=["metrics", "weighted_metrics"])
def test_auc_is_close_to_scikit_learns_exact_areas(weighted_metric):
    # Keras's AUC is a Riemann sum over num_thresholds evenly spaced thresholds (PR: Davis & Goadrich's
    # interpolation); with 200 thresholds and continuous outputs it lies close to the exact areas
    rng = np.random.default_rng(7)
    n = 2000
    y = (rng.uniform(size=n) < 0.35).astype(np.float32)
    p = (1.0 / (1.0 + np.exp(-(0.6 * (2 * y - 1) + rng.normal(size=n))))).astype(np.float32)
    weight = rng.uniform(0.2, 3.0, size=n).astype(np.float32)
    w = weight if weighted_metric else None
    roc = _accumulate(_structure(metrics.AUC(), weighted_metric), y, p, weight, batch=256)
    pr = _accumulate(_structure(metrics.AUC(curve="PR"), weighted_metric), y, p, weight, batch=256)
    assert roc == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w), abs=1e-3)
    assert pr == pytest.approx(skm.average_precision_score(y, p, sample_weight=w), abs=3e-3)
    # the tolerances are far below what a wrong curve would change: the same outputs with the labels flipped
    assert abs(roc - skm.roc_auc_score(1 - y, p, sample_weight=w)) > 0.5
    assert abs(pr - skm.average_precision_score(1 - y, p, sample_weight=w)) > 0.2


@pytest.mark.parametrize("weighted_metric", [False, True], ids=["metrics", "weighted_metrics"])
def test_mean_metrics_match_scikit_learn(weighted_metric):
    y, p, weight = _data(seed=5)
    p = np.clip(p, 0.01, 0.99)  # away from each library's own probability clip
    w = weight if weighted_metric else None
    cases = [
        (metrics.BinaryCrossentropy(), skm.log_loss(y, p, sample_weight=w)),
        (metrics.MeanSquaredError(), skm.mean_squared_error(y, p, sample_weight=w)),
        (metrics.MeanAbsoluteError(), skm.mean_absolute_error(y, p, sample_weight=w)),
    ]
    for metric, expected in cases:
        got = _accumulate(_structure(metric, weighted_metric), y, p, weight)
        assert got == pytest.approx(float(expected), rel=1e-5), metric.name


def test_metrics_with_nothing_to_divide_are_zero_as_in_keras_and_scikit_learn(keras):
    # no predicted positives: precision 0 (scikit-learn's zero_division=0, Keras's divide_no_nan), F1 0 too
    y = np.array([1, 0, 1, 0], np.float32)
    p = np.array([0.1, 0.2, 0.3, 0.5], np.float32)
    weight = np.ones(4, np.float32)
    for metric, reference in [
        (metrics.Precision(), skm.precision_score(y, p > 0.5, zero_division=0)),
        (metrics.F1Score(), skm.f1_score(y, p > 0.5, zero_division=0)),
        (metrics.Recall(), skm.recall_score(y, p > 0.5, zero_division=0)),
    ]:
        assert _accumulate(metric.structure(), y, p, weight) == reference == 0.0
    # an empty state (a validation set of padding only) gives 0, not NaN, as a fresh Keras metric does
    for metric, reference in [
        (metrics.BinaryAccuracy(), keras.metrics.BinaryAccuracy()),
        (metrics.Precision(), keras.metrics.Precision()),
        (metrics.BinaryCrossentropy(), keras.metrics.BinaryCrossentropy()),
    ]:
        structure = metric.structure()
        assert float(result(structure, init_state(structure))) == float(reference.result()) == 0.0
    # a state holds counts: a second pass over the same rows doubles them, the ratios stay
    structure = metrics.TruePositives().structure()
    once = update_state(structure, init_state(structure), jnp.asarray(y), jnp.asarray(p + 0.45), jnp.asarray(weight))
    twice = update_state(structure, once, jnp.asarray(y), jnp.asarray(p + 0.45), jnp.asarray(weight))
    assert float(result(structure, once)) == 2.0 and float(result(structure, twice)) == 4.0
