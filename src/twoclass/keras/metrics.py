"""Keras-style metric objects with Keras's names (history keys follow `name`). Each gives the engine a structure;
the computation is `twoclass.engine.metrics`' pure (init, update, result)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from twoclass.core import registry
from twoclass.core.registry import resolve
from twoclass.core.validation import check_float, check_int
from twoclass.engine.metrics import init_state, result, update_state
from twoclass.keras.layers import unique_name

# --------------------------------------------------------------------------------------------------------------------
# The user's objects, with Keras's names (history keys follow `name`).


def _refuse_unless(honoured: bool, argument: str, owner: str, value, expected: str) -> None:
    """Every argument a metric accepts is honoured or refused: one it cannot honour says so instead of being ignored."""
    if not honoured:
        raise ValueError(
            f"The {argument!r} parameter of {owner} must be {expected} in twoclass. Got {value!r} instead."
        )


class Metric:
    default_name = ""

    def __init__(self, name: str | None = None, dtype=None):
        # Keras numbers unnamed metric objects per session: the second Precision() is 'precision_1'.
        self.name = name or unique_name(self.default_name)
        _refuse_unless(dtype in (None, "float32"), "dtype", type(self).__name__, dtype, "'float32' (or None)")

    def structure(self) -> tuple:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": "float32"}

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        """Eager evaluation on arrays (mainly for tests and notebooks)."""
        y = jnp.asarray(np.asarray(y_true, np.float32).reshape(-1))
        out = jnp.asarray(np.asarray(y_pred, np.float32).reshape(-1))
        weight = jnp.ones_like(y) if sample_weight is None else jnp.asarray(sample_weight, jnp.float32).reshape(-1)
        structure = self.structure()
        return float(result(structure, update_state(structure, init_state(structure), y, out, weight)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _threshold(value, owner: str) -> float:
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"The 'thresholds' parameter of {owner} must be one float in twoclass. Got {value!r}.")
        value = value[0]
    return check_float(0.5 if value is None else value, "threshold", owner, minimum=0.0, maximum=1.0)


class BinaryAccuracy(Metric):
    default_name = "binary_accuracy"

    def __init__(self, name=None, dtype=None, threshold: float = 0.5):
        super().__init__(name, dtype)
        self.threshold = _threshold(threshold, "BinaryAccuracy")

    def structure(self):
        return ("accuracy", self.threshold)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class _Confusion(Metric):
    which = ""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name, dtype)
        self.thresholds = _threshold(thresholds, type(self).__name__)

    def structure(self):
        return ("confusion", self.thresholds, self.which)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds}


class Precision(_Confusion):
    default_name, which = "precision", "precision"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, name, dtype)
        # top_k and class_id choose among several output units; a twoclass model has one
        _refuse_unless(top_k is None, "top_k", type(self).__name__, top_k, "None (one output unit)")
        _refuse_unless(class_id in (None, 0), "class_id", type(self).__name__, class_id, "None (one output unit)")


class Recall(Precision):
    default_name, which = "recall", "recall"


class TruePositives(_Confusion):
    default_name, which = "true_positives", "tp"


class FalsePositives(_Confusion):
    default_name, which = "false_positives", "fp"


class TrueNegatives(_Confusion):
    default_name, which = "true_negatives", "tn"


class FalseNegatives(_Confusion):
    default_name, which = "false_negatives", "fn"


class F1Score(Metric):
    """F1 of the positive class at `threshold` (0.5 when None: with one output unit, Keras's argmax rule would call
    every row positive, which is never what a binary-classification user means)."""

    default_name = "f1_score"

    def __init__(self, average=None, threshold=None, name=None, dtype=None):
        super().__init__(name, dtype)
        # with one output unit every average Keras offers gives the same number
        _refuse_unless(
            average in (None, "micro", "macro", "weighted"),
            "average",
            "F1Score",
            average,
            "None, 'micro', 'macro' or 'weighted'",
        )
        self.threshold = _threshold(threshold, "F1Score")

    def structure(self):
        return ("confusion", self.threshold, "f1")

    def get_config(self):
        return {**super().get_config(), "average": None, "threshold": self.threshold}


class AUC(Metric):
    default_name = "auc"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits: bool = False,
    ):
        super().__init__(name, dtype)
        self.num_thresholds = check_int(num_thresholds, "num_thresholds", "AUC", minimum=2)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"The 'curve' parameter of AUC must be 'ROC' or 'PR'. Got {curve!r} instead.")
        if summation_method != "interpolation":
            raise ValueError(
                "The 'summation_method' parameter of AUC must be 'interpolation' in twoclass. "
                f"Got {summation_method!r} instead."
            )
        self.curve, self.from_logits = curve, bool(from_logits)
        _refuse_unless(thresholds is None, "thresholds", "AUC", thresholds, "None (num_thresholds evenly spaced)")
        _refuse_unless(not multi_label, "multi_label", "AUC", multi_label, "False (one output unit)")
        _refuse_unless(num_labels in (None, 1), "num_labels", "AUC", num_labels, "None (one output unit)")
        _refuse_unless(label_weights is None, "label_weights", "AUC", label_weights, "None (one output unit)")

    def structure(self):
        return ("auc", self.curve, self.num_thresholds, self.from_logits)

    def get_config(self):
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": "interpolation",
            "multi_label": False,
            "num_labels": None,
            "label_weights": None,
            "from_logits": self.from_logits,
        }


class _MeanOfLoss(Metric):
    loss_kind = ""

    def structure(self):
        return ("mean", self.loss_kind)


class BinaryCrossentropy(_MeanOfLoss):
    default_name, loss_kind = "binary_crossentropy", "bce"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(name, dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_float(
            label_smoothing, "label_smoothing", "metrics.BinaryCrossentropy", minimum=0.0, maximum=1.0
        )

    def structure(self):
        return ("mean", self.loss_kind, self.from_logits, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class MeanSquaredError(_MeanOfLoss):
    default_name, loss_kind = "mean_squared_error", "mse"


class MeanAbsoluteError(_MeanOfLoss):
    default_name, loss_kind = "mean_absolute_error", "mae"


# A metric named by a string keeps that string as its name (the history key), as in Keras.
_BY_STRING = {
    "accuracy": BinaryAccuracy,
    "acc": BinaryAccuracy,
    "binary_accuracy": BinaryAccuracy,
    "auc": AUC,
    "pr_auc": lambda name: AUC(curve="PR", name=name),
    "precision": Precision,
    "recall": Recall,
    "f1": F1Score,
    "f1_score": F1Score,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "tp": TruePositives,
    "fp": FalsePositives,
    "tn": TrueNegatives,
    "fn": FalseNegatives,
    "binary_crossentropy": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
}
BY_CLASS_NAME = {
    cls.__name__: cls
    for cls in (
        BinaryAccuracy,
        Precision,
        Recall,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
        F1Score,
        AUC,
        BinaryCrossentropy,
        MeanSquaredError,
        MeanAbsoluteError,
    )
}


# Keras's metric functions (`metrics=[keras.metrics.binary_accuracy]`): usable on arrays, and in compile, where the
# history key is the function's name, as in Keras.
def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> float:
    return BinaryAccuracy(threshold=threshold)(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0) -> float:
    return BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)(y_true, y_pred)


def mean_squared_error(y_true, y_pred) -> float:
    return MeanSquaredError()(y_true, y_pred)


def mean_absolute_error(y_true, y_pred) -> float:
    return MeanAbsoluteError()(y_true, y_pred)


_FUNCTIONS = {f.__name__: f for f in (binary_accuracy, binary_crossentropy, mean_squared_error, mean_absolute_error)}


def get(identifier) -> Metric:
    name = getattr(identifier, "__name__", None)
    if callable(identifier) and not isinstance(identifier, type) and name in _FUNCTIONS:
        return _BY_STRING[name](name=name)  # keras.metrics.binary_accuracy passed as a function
    return resolve(
        identifier,
        "metric",
        Metric,
        _BY_STRING,
        BY_CLASS_NAME,
        from_config=lambda cls, config: cls(**{k: v for k, v in config.items() if k != "dtype"}),
        from_name=lambda factory, name: factory(name=name),
    )


def unique_names(metrics: list[Metric], weighted_metrics: list[Metric] = ()) -> list[str]:
    """Keras's rule for clashing names: the second 'auc' becomes 'auc_1'; a weighted metric whose name is taken
    becomes 'weighted_auc' (then 'weighted_auc_1', ...)."""
    seen: dict[str, int] = {}
    names = []

    def claim(name: str) -> str:
        count = seen.get(name, 0)
        seen[name] = count + 1
        return name if count == 0 else f"{name}_{count}"

    for metric in metrics:
        names.append(claim(metric.name))
    for metric in weighted_metrics:
        names.append(claim(metric.name) if metric.name not in seen else claim(f"weighted_{metric.name}"))
    return names


def serialize(metric: Metric) -> dict[str, Any]:
    return registry.serialize(metric, "keras.metrics")
