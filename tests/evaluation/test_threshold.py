"""Decision threshold choice, checked against brute force over sklearn.metrics."""

import json

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

from twoclass.threshold import ThresholdChoice, choose_threshold, default_threshold


def _data(n=300, seed=0, rounding=None):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(int)
    z = rng.normal(size=n) + 1.3 * y
    p = 1 / (1 + np.exp(-z))
    if rounding is not None:  # many tied scores
        p = np.round(p, rounding)
    return y, p


def _candidates(p):
    """Every distinct classification reachable with `p >= t`, one threshold each, plus 'none positive'."""
    u = np.unique(p)
    return np.r_[u, 1.0 + 1e-9]


def _cm(y, pred, w=None):
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1], sample_weight=w).ravel()
    return tp, fp, tn, fn


@pytest.mark.parametrize("rounding", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_f1_matches_brute_force(rounding, weighted):
    y, p = _data(rounding=rounding)
    w = np.random.default_rng(1).uniform(0.5, 2.0, y.size) if weighted else None
    best = max(f1_score(y, p >= t, sample_weight=w, zero_division=0) for t in _candidates(p))
    c = choose_threshold(y, p, "f1", sample_weight=w)
    assert c.objective == "f1"
    assert f1_score(y, p >= c.value, sample_weight=w) == pytest.approx(best, abs=1e-12)
    assert c.metrics["f1"] == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("rounding", [None, 2])
def test_youden_matches_brute_force(rounding):
    y, p = _data(rounding=rounding, seed=3)

    def j(t):
        pred = p >= t
        return recall_score(y, pred) + recall_score(y, pred, pos_label=0) - 1

    best = max(j(t) for t in _candidates(p))
    c = choose_threshold(y, p, "youden")
    assert j(c.value) == pytest.approx(best, abs=1e-12)
    assert c.metrics["balanced_accuracy"] == pytest.approx((best + 1) / 2, abs=1e-12)


@pytest.mark.parametrize("costs", [(1.0, 5.0), (5.0, 1.0), (1.0, 1.0), (100.0, 1.0)])
def test_cost_matches_brute_force(costs):
    y, p = _data(seed=4)
    cfp, cfn = costs

    def cost(t):
        tp, fp, tn, fn = _cm(y, p >= t)
        return (cfp * fp + cfn * fn) / y.size

    best = min(cost(t) for t in _candidates(p))
    c = choose_threshold(y, p, {"cost_fp": cfp, "cost_fn": cfn})
    assert c.objective == "cost"
    assert cost(c.value) == pytest.approx(best, abs=1e-12)
    assert c.metrics["expected_cost"] == pytest.approx(best, abs=1e-12)


def test_cost_can_choose_nothing_positive():
    y = np.array([0, 0, 0, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    c = choose_threshold(y, p, {"cost_fp": 100.0, "cost_fn": 1.0})
    assert c.value > 0.6 and c.metrics["tp"] == 0 and c.metrics["fp"] == 0


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_recall_target_best_precision(target):
    y, p = _data(seed=5, rounding=3)
    c = choose_threshold(y, p, {"recall": target})
    assert recall_score(y, p >= c.value) >= target
    ok = [(precision_score(y, p >= t, zero_division=0), t) for t in _candidates(p) if recall_score(y, p >= t) >= target]
    best = max(q for q, _ in ok)
    assert precision_score(y, p >= c.value) == pytest.approx(best, abs=1e-12)
    # among equally precise cuts, the highest threshold is kept
    highest_best = max(t for q, t in ok if q >= best - 1e-12)
    assert p[p >= c.value].min() == highest_best
    assert c.objective == f"recall>={target:g}"


def test_recall_target_usually_highest_threshold():
    # precision rises monotonically as the threshold falls here, so the highest cut meeting recall wins
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    c = choose_threshold(y, p, {"recall": 0.6})
    assert c.value == pytest.approx(0.75) and c.metrics["recall"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("target", [0.6, 0.75, 0.85])
def test_precision_target_lowest_threshold(target):
    y, p = _data(seed=6, n=400)
    c = choose_threshold(y, p, {"precision": target})
    assert precision_score(y, p >= c.value) >= target
    lower = [t for t in _candidates(p) if t < c.value]
    assert lower
    assert all(precision_score(y, p >= t, zero_division=0) < target for t in lower)
    assert c.objective == f"precision>={target:g}"


def test_string_forms_equal_dict_forms():
    y, p = _data(seed=7)
    assert choose_threshold(y, p, "recall>=0.9") == choose_threshold(y, p, {"recall": 0.9})
    assert choose_threshold(y, p, "precision >= 0.7") == choose_threshold(y, p, {"precision": 0.7})


def test_unreachable_precision_says_best_available():
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    with pytest.raises(ValueError, match=r"best precision available.*0\.6000"):
        choose_threshold(y, p, {"precision": 0.9})


def test_metrics_match_sklearn_and_midpoint_rule():
    y, p = _data(seed=8)
    c = choose_threshold(y, p, "f1")
    pred = p >= c.value
    tp, fp, tn, fn = _cm(y, pred)
    m = c.metrics
    assert (m["tp"], m["fp"], m["tn"], m["fn"], m["n"]) == (tp, fp, tn, fn, y.size)
    assert m["precision"] == pytest.approx(precision_score(y, pred))
    assert m["recall"] == pytest.approx(recall_score(y, pred))
    assert m["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred))
    assert m["specificity"] == pytest.approx(recall_score(y, pred, pos_label=0))
    # the stored value is the midpoint between the adjacent distinct scores around the cut
    hi, lo = p[pred].min(), p[~pred].max()
    assert c.value == pytest.approx((hi + lo) / 2)
    assert "300 validation rows" in c.note and "F1" in c.note


def test_given_threshold():
    y, p = _data(seed=9)
    c = choose_threshold(y, p, 0.3)
    assert c.value == 0.3 and c.objective == "given"
    assert c.metrics["f1"] == pytest.approx(f1_score(y, p >= 0.3))
    # rule is >=: a score exactly at the threshold is positive
    c2 = choose_threshold([0, 1], [0.25, 0.5], 0.5)
    assert c2.metrics["tp"] == 1 and c2.metrics["fp"] == 0


def test_default_threshold():
    d = default_threshold()
    assert d.value == 0.5 and d.objective == "default" and d.note


def test_json_round_trip():
    y, p = _data(seed=10)
    for obj in ("f1", "youden", {"recall": 0.9}, {"cost_fp": 1, "cost_fn": 3}, 0.4):
        c = choose_threshold(y, p, obj)
        back = ThresholdChoice.from_dict(json.loads(json.dumps(c.to_dict())))
        assert back == c
    assert ThresholdChoice.from_dict(default_threshold().to_dict()) == default_threshold()
    with pytest.raises(ValueError, match="value"):
        ThresholdChoice.from_dict({"value": 2.0, "objective": "given"})
    with pytest.raises(ValueError, match="'objective'"):
        ThresholdChoice.from_dict({"value": 0.2})


def test_one_class_is_an_error():
    with pytest.raises(ValueError, match="cannot be chosen from one class"):
        choose_threshold([1, 1, 1], [0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match="one class"):
        choose_threshold([False, False], [0.2, 0.5], 0.3)


@pytest.mark.parametrize(
    "y, p, obj, match",
    [
        ([0, 1], [0.2, 1.2], "f1", r"'proba'.*\[0, 1\]"),
        ([0, 1], [0.2, np.nan], "f1", r"'proba'.*finite"),
        ([0, 1, 1], [0.2, 0.3], "f1", r"same length"),
        ([0, 2], [0.2, 0.3], "f1", r"'y_true'.*0/1 labels. Got \[2\]"),
        (["a", "b"], [0.2, 0.3], "f1", r"'y_true'.*0/1 labels. Got values of dtype"),
        ([0, 1], [[0.2, 0.8], [0.1, 0.9]], "f1", r"1-D"),
        ([0, 1], [0.2, 0.3], "accuracy", r"'f1', 'youden'.*cost_fp.*float in \(0, 1\).*Got 'accuracy'"),
        ([0, 1], [0.2, 0.3], {"recall": 1.5}, r"recall target.*\(0, 1\]"),
        ([0, 1], [0.2, 0.3], {"recal": 0.5}, r"must be one of"),
        ([0, 1], [0.2, 0.3], 1.0, r"\(0, 1\)"),
        ([0, 1], [0.2, 0.3], True, r"must be one of"),
        ([0, 1], [0.2, 0.3], {"cost_fp": -1, "cost_fn": 1}, r"non-negative"),
    ],
)
def test_bad_inputs(y, p, obj, match):
    with pytest.raises(ValueError, match=match):
        choose_threshold(y, p, obj)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="sample_weight"):
        choose_threshold([0, 1], [0.2, 0.3], sample_weight=[1.0, -1.0])
