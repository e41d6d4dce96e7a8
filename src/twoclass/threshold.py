"""Decision threshold: choose it on validation data, keep a record of how.

The decision rule everywhere in twoclass is ``proba >= threshold`` -> positive.

Candidate thresholds come from the distinct predicted probabilities. Sorting the
validation scores once gives the confusion counts of every candidate by cumulative
sums (O(n log n)). A chosen cut sits between two adjacent distinct scores ``hi > lo``
(positives are the rows scoring ``>= hi``); the stored threshold is their midpoint,
so the validation classification is exactly the one that was optimised while new
scores falling between ``lo`` and ``hi`` are split evenly rather than at one edge.
The cut below the lowest score (everything positive) uses the midpoint with 0; the
cut above the highest score (nothing positive) uses the midpoint with 1 and exists
only when the highest score is below 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twoclass.core import targets

__all__ = ["ThresholdChoice", "choose_threshold", "default_threshold"]

_VALID_OBJECTIVES = (
    "'f1', 'youden', {'recall': 0.9} (or 'recall>=0.9'), {'precision': 0.8} "
    "(or 'precision>=0.8'), {'cost_fp': 1.0, 'cost_fn': 5.0}, or a float in (0, 1)"
)
_METRIC_KEYS = (
    "precision",
    "recall",
    "f1",
    "accuracy",
    "balanced_accuracy",
    "specificity",
    "tp",
    "fp",
    "tn",
    "fn",
    "n",
)


@dataclass(frozen=True)
class ThresholdChoice:
    """A decision threshold with the record of how it was chosen.

    Example:
        >>> c = ThresholdChoice(0.5, "default", {}, "Default threshold 0.5.")
        >>> ThresholdChoice.from_dict(c.to_dict()) == c
        True
    """

    value: float
    objective: str
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form.

        Example:
            >>> default_threshold().to_dict()["value"]
            0.5
        """
        return {
            "value": float(self.value),
            "objective": str(self.objective),
            "metrics": {str(k): float(v) for k, v in self.metrics.items()},
            "note": str(self.note),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ThresholdChoice:
        """Rebuild from :meth:`to_dict` output, checking its fields.

        Example:
            >>> ThresholdChoice.from_dict({"value": 0.3, "objective": "given"}).value
            0.3
        """
        if not isinstance(d, Mapping) or "value" not in d or "objective" not in d:
            raise ValueError(
                f"A threshold record must be a mapping with at least 'value' and 'objective'. Got {d!r} instead."
            )
        value = d["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"The 'value' of a threshold record must be a number in [0, 1]. Got {value!r} instead.")
        metrics = d.get("metrics", {}) or {}
        if not isinstance(metrics, Mapping):
            raise ValueError(f"The 'metrics' of a threshold record must be a mapping. Got {metrics!r} instead.")
        return cls(
            value=float(value),
            objective=str(d["objective"]),
            metrics={str(k): float(v) for k, v in metrics.items()},
            note=str(d.get("note", "")),
        )


def default_threshold() -> ThresholdChoice:
    """The untuned 0.5 threshold (the Keras-style API's default).

    Example:
        >>> default_threshold().objective
        'default'
    """
    return ThresholdChoice(0.5, "default", {}, "Default threshold 0.5; not tuned on validation data.")


# ---------------------------------------------------------------- input checks


def check_binary_target(y_true: Any, name: str = "y_true", func: str = "choose_threshold") -> np.ndarray:
    """``y_true`` as a 1-D int array of 0/1, or a clear ValueError (`twoclass.core.targets.binary_labels`)."""
    return targets.binary_labels(y_true, name, func)


def as_scores(values: Any, name: str, func: str, what: str = "numbers") -> np.ndarray:
    """``values`` as a 1-D array of finite float64, or a clear ValueError (`twoclass.core.targets.scores`)."""
    return targets.scores(values, name, func, what)


def check_proba(proba: Any, n: int, name: str = "proba", func: str = "choose_threshold") -> np.ndarray:
    """``proba`` as n finite values in [0, 1] (`twoclass.core.targets.probabilities`)."""
    return targets.probabilities(proba, n, name, func)


def check_sample_weight(sample_weight: Any, n: int, func: str = "choose_threshold") -> np.ndarray | None:
    """Weights as n finite non-negative values, not all zero, or None (`twoclass.core.targets.sample_weights`)."""
    return targets.sample_weights(sample_weight, n, func)


# ---------------------------------------------------------------- sweep


def _sweep(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Thresholds (high to low) and weighted tp, fp at each, plus total positives/negatives.

    Index 0 is the "nothing positive" cut when the top score is below 1.
    """
    order = np.argsort(-p, kind="mergesort")
    ps, ys, ws = p[order], y[order], w[order]
    tp_c = np.cumsum(ws * ys)
    fp_c = np.cumsum(ws * (1 - ys))
    # last index of each run of equal scores: the cut admits the whole run
    ends = np.r_[np.nonzero(np.diff(ps))[0], ps.size - 1]
    hi = ps[ends]
    lo = np.r_[ps[ends[1:]], 0.0]
    mid = (hi + lo) / 2.0
    # rounding can land the midpoint on lo, which would admit the next run too
    mid = np.where(mid > lo, mid, hi)
    tp, fp = tp_c[ends], fp_c[ends]
    if hi[0] < 1.0:
        mid = np.r_[(hi[0] + 1.0) / 2.0, mid]
        tp, fp = np.r_[0.0, tp], np.r_[0.0, fp]
    return mid, tp, fp, float(tp_c[-1]), float(fp_c[-1])


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


def confusion_figures(tn: float, fp: float, fn: float, tp: float) -> dict[str, float]:
    """The figures of a (weighted) confusion matrix as sklearn.metrics defines them: zero_division=0, and balanced
    accuracy the mean recall of the classes present (`twoclass.report.evaluation_figures` and the threshold's
    figures both read them here).

    Example:
        >>> confusion_figures(tn=3.0, fp=1.0, fn=0.0, tp=2.0)["f1"]
        0.8
    """

    def ratio(part: float, whole: float) -> float:
        return part / whole if whole > 0 else 0.0

    recall, specificity = ratio(tp, tp + fn), ratio(tn, tn + fp)
    present = [r for r, n in ((recall, tp + fn), (specificity, tn + fp)) if n > 0]
    return {
        "precision": ratio(tp, tp + fp),
        "recall": recall,
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "accuracy": ratio(tp + tn, tp + tn + fp + fn),
        "balanced_accuracy": sum(present) / len(present) if present else 0.0,
        "specificity": specificity,
    }


def _metrics_at(y: np.ndarray, p: np.ndarray, w: np.ndarray, t: float) -> dict[str, float]:
    pred = p >= t
    tp = float(np.sum(w * (pred & (y == 1))))
    fp = float(np.sum(w * (pred & (y == 0))))
    fn = float(np.sum(w * (~pred & (y == 1))))
    tn = float(np.sum(w * (~pred & (y == 0))))
    return {**confusion_figures(tn, fp, fn, tp), "tp": tp, "fp": fp, "tn": tn, "fn": fn, "n": float(y.size)}


# ---------------------------------------------------------------- objectives


def parse_objective(objective: Any) -> tuple[str, dict[str, float]]:
    """Normalise the objective to (kind, params); kind in f1/youden/recall/precision/cost/given."""
    bad = ValueError(
        f"The 'objective' parameter of choose_threshold must be one of {_VALID_OBJECTIVES}. Got {objective!r} instead."
    )
    if isinstance(objective, str):
        s = objective.strip().lower().replace(" ", "")
        if s in ("f1", "youden"):
            return s, {}
        m = re.fullmatch(r"(recall|precision)>=([0-9.eE+-]+)", s)
        if not m:
            raise bad
        try:
            objective = {m.group(1): float(m.group(2))}
        except ValueError:
            raise bad from None
    if isinstance(objective, bool):
        raise bad
    if isinstance(objective, (int, float, np.floating, np.integer)):
        t = float(objective)
        if not 0.0 < t < 1.0:
            raise ValueError(
                f"A given threshold passed as 'objective' to choose_threshold must be in (0, 1). Got {t!r} instead."
            )
        return "given", {"threshold": t}
    if isinstance(objective, Mapping):
        keys = set(objective)
        vals = {}
        for k, v in objective.items():
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
                raise bad
            vals[k] = float(v)
        if keys in ({"recall"}, {"precision"}):
            ((k, v),) = vals.items()
            if not 0.0 < v <= 1.0:
                raise ValueError(
                    f"The {k} target in the 'objective' of choose_threshold must be in (0, 1]. Got {v!r} instead."
                )
            return k, {"target": v}
        if keys == {"cost_fp", "cost_fn"}:
            if vals["cost_fp"] < 0 or vals["cost_fn"] < 0 or vals["cost_fp"] + vals["cost_fn"] == 0:
                raise ValueError(
                    "The costs in the 'objective' of choose_threshold must be non-negative and not both zero. "
                    f"Got {dict(objective)!r} instead."
                )
            return "cost", vals
    raise bad


def choose_threshold(y_true: Any, proba: Any, objective: Any = "f1", *, sample_weight: Any = None) -> ThresholdChoice:
    """Choose a decision threshold on validation data.

    ``objective`` is ``'f1'`` (maximise F1), ``'youden'`` (maximise TPR - FPR),
    ``{'recall': r}`` (best precision subject to recall >= r: the highest threshold
    meeting the target unless a lower one has strictly better precision), ``{'precision': q}`` (lowest threshold
    with precision >= q, i.e. best recall subject to the precision), ``{'cost_fp': a, 'cost_fn': b}``
    (minimise expected cost per row), or a float in (0, 1) (a given threshold,
    recorded with its validation figures). Ties go to the higher threshold.

    Example:
        >>> c = choose_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], "f1")
        >>> round(c.value, 3), c.metrics["f1"]
        (0.225, 0.8)
    """
    y = check_binary_target(y_true)
    p = check_proba(proba, y.size)
    w = check_sample_weight(sample_weight, y.size)
    kind, params = parse_objective(objective)
    if np.unique(y).size < 2:
        raise ValueError(
            "The 'y_true' parameter of choose_threshold must contain both classes 0 and 1: a threshold "
            f"cannot be chosen from one class. Got only class {int(y[0])} ({y.size} rows) instead."
        )
    w_ = np.ones_like(p) if w is None else w
    n = y.size
    where = f"on {n} validation rows"

    if kind == "given":
        t = params["threshold"]
        m = _metrics_at(y, p, w_, t)
        note = (
            f"Given as {t:.4g}; {where} it gives precision {m['precision']:.2f}, "
            f"recall {m['recall']:.2f}, F1 {m['f1']:.3f}."
        )
        return ThresholdChoice(t, "given", m, note)

    thr, tp, fp, pos, neg = _sweep(y, p, w_)
    fn = pos - tp
    recall = _ratio(tp, np.full_like(tp, pos))
    precision = _ratio(tp, tp + fp)
    extra: dict[str, float] = {}
    if kind == "f1":
        score = _ratio(2 * tp, 2 * tp + fp + fn)
        i = int(np.argmax(score))  # argmax returns the first (highest) threshold among ties
        label, how = "f1", f"maximise F1 ({score[i]:.3f})"
    elif kind == "youden":
        score = recall - _ratio(fp, np.full_like(fp, neg))
        i = int(np.argmax(score))
        label, how = "youden", f"maximise Youden's J = TPR - FPR ({score[i]:.3f})"
    elif kind == "recall":
        r = params["target"]
        # Precision is not monotone in the threshold: a lower cut with better precision also has
        # better recall, so it dominates the highest qualifying cut. Ties go to the higher cut.
        ok = recall >= r - 1e-12
        i = int(np.argmax(np.where(ok, precision, -1.0)))
        label, how = f"recall>={r:g}", f"reach recall >= {r:g} with the best precision"
    elif kind == "precision":
        q = params["target"]
        ok = (precision >= q - 1e-12) & (tp + fp > 0)
        if not ok.any():
            best = float(precision[tp + fp > 0].max())
            raise ValueError(
                f"The precision target {q:g} in the 'objective' of choose_threshold cannot be reached {where}: "
                f"the best precision available at any threshold is {best:.4f}. Lower the target."
            )
        i = int(np.nonzero(ok)[0][-1])  # lowest qualifying threshold = best recall
        label, how = f"precision>={q:g}", f"reach precision >= {q:g} with the best recall"
    else:  # cost
        cost = (params["cost_fp"] * fp + params["cost_fn"] * fn) / (pos + neg)
        i = int(np.argmin(cost))
        label = "cost"
        how = (
            f"minimise expected cost ({params['cost_fp']:g} per false positive, "
            f"{params['cost_fn']:g} per false negative: {cost[i]:.4g} per row)"
        )
        extra = {"cost_fp": params["cost_fp"], "cost_fn": params["cost_fn"], "expected_cost": float(cost[i])}

    t = float(thr[i])
    m = _metrics_at(y, p, w_, t)
    m.update(extra)
    note = f"Chosen {where} to {how}; precision {m['precision']:.2f}, recall {m['recall']:.2f}."
    return ThresholdChoice(t, label, m, note)
