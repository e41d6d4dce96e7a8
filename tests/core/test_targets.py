"""One set of checks for labels, probabilities and weights, and one 'balanced' rule, as every module sees them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight as sklearn_class_weight

from twoclass import plots, threshold
from twoclass.calibration import brier_score
from twoclass.core.targets import balanced_class_weight, binary_labels, probabilities, sample_weights
from twoclass.data import compute_class_weight


def test_balanced_is_scikit_learns_rule_everywhere():
    y = np.array([0] * 7 + [1] * 3)
    expected = sklearn_class_weight("balanced", classes=np.array([0, 1]), y=y)
    assert balanced_class_weight(y) == pytest.approx({0: expected[0], 1: expected[1]})
    assert compute_class_weight(y, "balanced") == balanced_class_weight(y)
    with pytest.raises(ValueError, match="Class 1 has no rows"):
        balanced_class_weight(np.zeros(5))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: threshold.choose_threshold([0, 2, 1], [0.1, 0.2, 0.3]), r"'y_true' parameter of choose_threshold"),
        (lambda: plots.roc_curve([0, 2, 1], [0.1, 0.2, 0.3]), r"'y_true' parameter of roc_curve"),
        (lambda: brier_score([0, 2, 1], [0.1, 0.2, 0.3]), r"'y_true' parameter of brier_score"),
    ],
)
def test_the_same_label_check_reads_the_same_wherever_it_is_called(call, match):
    with pytest.raises(ValueError, match=match + r" must be an array of 0/1 labels\. Got \[2\] instead\."):
        call()


def test_probabilities_and_weights():
    assert binary_labels(np.array([[True], [False]]), "y", "f").tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"must be probabilities in \[0, 1\]\. Got \[1\.5\] instead"):
        probabilities([0.2, 1.5], 2, "proba", "f")
    with pytest.raises(ValueError, match=r"the same length as the labels \(3\)\. Got 2 values instead"):
        probabilities([0.2, 0.5], 3, "proba", "f")
    with pytest.raises(ValueError, match="not all zero"):
        sample_weights([0.0, 0.0], 2, "f")
    assert sample_weights(None, 2, "f") is None
