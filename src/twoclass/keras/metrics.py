"""Metrics as pure (init, update, result) triples over small state arrays, so they accumulate on the device.

A metric object gives the engine its `structure()`; the engine never sees the object. Definitions follow Keras:
a prediction is positive when the output is strictly above the threshold; sample weights weigh every count.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._layers import unique_name
from ._registry import resolve
from ._validation import check_float, check_int


def _divide(a, b):
    return jnp.where(b > 0, a / jnp.where(b > 0, b, 1.0), 0.0)


def auc_thresholds(num_thresholds: int) -> np.ndarray:
    epsilon = 1e-7
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return np.array([0.0 - epsilon] + inner + [1.0 + epsilon], dtype=np.float32)


def weighted(structure: tuple) -> tuple:
    """The structure of a metric listed in compile's `weighted_metrics`: it counts rows by their sample weight."""
    return ("weighted", structure)


def row_weight(structure: tuple, weight, mask):
    """Keras weighs only `weighted_metrics` by sample (and class) weight; plain `metrics` count every real row."""
    return weight if structure[0] == "weighted" else mask.astype(jnp.float32)


def init_state(structure: tuple):
    kind = structure[0]
    if kind == "weighted":
        return init_state(structure[1])
    if kind in ("accuracy", "mean"):
        return jnp.zeros(2)
    if kind == "confusion":
        return jnp.zeros(4)  # tp, fp, tn, fn
    if kind == "auc":
        return jnp.zeros((2, structure[2] + 1))  # weighted histograms of positives and negatives by bucket
    raise ValueError(f"Unknown metric kind {kind!r}.")


def update_state(structure: tuple, state, y, out, weight):
    """Add one batch: y in {0, 1}, out = the model's output, weight = row weight (0 for padding rows)."""
    kind = structure[0]
    if kind == "weighted":
        return update_state(structure[1], state, y, out, weight)
    if kind == "accuracy":
        predicted = (out > structure[1]).astype(jnp.float32)
        return state + jnp.stack([jnp.sum(weight * (predicted == y)), jnp.sum(weight)])
    if kind == "confusion":
        predicted = (out > structure[1]).astype(jnp.float32)
        tp = jnp.sum(weight * y * predicted)
        fp = jnp.sum(weight * (1 - y) * predicted)
        tn = jnp.sum(weight * (1 - y) * (1 - predicted))
        fn = jnp.sum(weight * y * (1 - predicted))
        return state + jnp.stack([tp, fp, tn, fn])
    if kind == "auc":
        _, _, num_thresholds, from_logits = structure
        p = jax.nn.sigmoid(out) if from_logits else out
        bucket = jnp.searchsorted(jnp.asarray(auc_thresholds(num_thresholds)), p, side="left")
        positives = jax.ops.segment_sum(weight * y, bucket, num_segments=num_thresholds + 1)
        negatives = jax.ops.segment_sum(weight * (1 - y), bucket, num_segments=num_thresholds + 1)
        return state + jnp.stack([positives, negatives])
    if kind == "mean":
        from ._losses import PER_ROW

        values = PER_ROW[structure[1]]((structure[1], False), {"label_smoothing": 0.0}, y, out, False)
        return state + jnp.stack([jnp.sum(weight * values), jnp.sum(weight)])
    raise ValueError(f"Unknown metric kind {kind!r}.")


def result(structure: tuple, state):
    kind = structure[0]
    if kind == "weighted":
        return result(structure[1], state)
    if kind in ("accuracy", "mean"):
        return _divide(state[0], state[1])
    if kind == "confusion":
        tp, fp, tn, fn = state[0], state[1], state[2], state[3]
        which = structure[2]
        if which in ("tp", "fp", "tn", "fn"):
            return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}[which]
        precision, recall = _divide(tp, tp + fp), _divide(tp, tp + fn)
        if which == "precision":
            return precision
        if which == "recall":
            return recall
        return _divide(2 * precision * recall, precision + recall)
    if kind == "auc":
        return _auc_result(structure, state)
    raise ValueError(f"Unknown metric kind {kind!r}.")


def _auc_result(structure, state):
    curve, num = structure[1], structure[2]
    # counts above threshold i = sum of buckets > i (bucket b holds samples with exactly b thresholds below them)
    positives, negatives = state[0], state[1]
    tp = jnp.cumsum(positives[::-1])[::-1][1:]
    fp = jnp.cumsum(negatives[::-1])[::-1][1:]
    fn = positives.sum() - tp
    tn = negatives.sum() - fp
    if curve == "PR":
        dtp = tp[: num - 1] - tp[1:]
        p = tp + fp
        dp = p[: num - 1] - p[1:]
        slope = _divide(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = jnp.logical_and(p[: num - 1] > 0, p[1:] > 0)
        ratio = jnp.where(both, _divide(p[: num - 1], jnp.maximum(p[1:], 0)), 1.0)
        increments = _divide(slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0))
        return jnp.sum(increments)
    recall = _divide(tp, tp + fn)
    fp_rate = _divide(fp, fp + tn)
    return jnp.sum((fp_rate[: num - 1] - fp_rate[1:]) * (recall[: num - 1] + recall[1:]) / 2.0)


# --------------------------------------------------------------------------------------------------------------------
# The user's objects, with Keras's names (history keys follow `name`).


class Metric:
    default_name = ""

    def __init__(self, name: str | None = None, dtype=None):
        # Keras numbers unnamed metric objects per session: the second Precision() is 'precision_1'.
        self.name = name or unique_name(self.default_name)

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

    def __init__(self, thresholds=None, name=None, dtype=None, **kwargs):
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
        self.threshold = _threshold(threshold, "F1Score")

    def structure(self):
        return ("confusion", self.threshold, "f1")

    def get_config(self):
        return {**super().get_config(), "average": None, "threshold": self.threshold}


class AUC(Metric):
    default_name = "auc"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits: bool = False):
        super().__init__(name, dtype)
        self.num_thresholds = check_int(num_thresholds, "num_thresholds", "AUC", minimum=2)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"The 'curve' parameter of AUC must be 'ROC' or 'PR'. Got {curve!r} instead.")
        if summation_method != "interpolation":
            raise ValueError("The 'summation_method' parameter of AUC must be 'interpolation' in twoclass. "
                             f"Got {summation_method!r} instead.")
        self.curve, self.from_logits = curve, bool(from_logits)

    def structure(self):
        return ("auc", self.curve, self.num_thresholds, self.from_logits)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": "interpolation", "multi_label": False, "num_labels": None,
                "label_weights": None, "from_logits": self.from_logits}


class _MeanOfLoss(Metric):
    loss_kind = ""

    def structure(self):
        return ("mean", self.loss_kind)


class BinaryCrossentropy(_MeanOfLoss):
    default_name, loss_kind = "binary_crossentropy", "bce"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(name, dtype)


class MeanSquaredError(_MeanOfLoss):
    default_name, loss_kind = "mean_squared_error", "mse"


class MeanAbsoluteError(_MeanOfLoss):
    default_name, loss_kind = "mean_absolute_error", "mae"


# A metric named by a string keeps that string as its name (the history key), as in Keras.
_BY_STRING = {
    "accuracy": BinaryAccuracy, "acc": BinaryAccuracy, "binary_accuracy": BinaryAccuracy,
    "auc": AUC, "pr_auc": lambda name: AUC(curve="PR", name=name),
    "precision": Precision, "recall": Recall, "f1": F1Score, "f1_score": F1Score,
    "true_positives": TruePositives, "false_positives": FalsePositives, "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives, "tp": TruePositives, "fp": FalsePositives, "tn": TrueNegatives,
    "fn": FalseNegatives, "binary_crossentropy": BinaryCrossentropy, "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError, "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
}
BY_CLASS_NAME = {cls.__name__: cls for cls in (
    BinaryAccuracy, Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, F1Score, AUC,
    BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError)}


def get(identifier) -> Metric:
    return resolve(identifier, "metric", Metric, _BY_STRING, BY_CLASS_NAME,
                   from_config=lambda cls, config: cls(**{k: v for k, v in config.items() if k != "dtype"}),
                   from_name=lambda factory, name: factory(name=name))


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
    return {"module": "keras.metrics", "class_name": type(metric).__name__, "config": metric.get_config(),
            "registered_name": None}
