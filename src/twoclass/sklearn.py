"""`TwoClassClassifier`: the scikit-learn estimator (implemented in `twoclass.estimator`)."""

from twoclass.estimator.classifier import TwoClassClassifier

__all__ = ["TwoClassClassifier"]
