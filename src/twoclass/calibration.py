"""Calibration: Brier score, reliability curve, ECE, and Platt / temperature scaling.

The scalers work on logits (the network's pre-sigmoid output), are fitted on
validation data by minimising log loss, and serialise to plain JSON dicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit

from twoclass.threshold import as_scores, check_binary_target, check_proba, check_sample_weight

__all__ = [
    "brier_score",
    "reliability_curve",
    "expected_calibration_error",
    "logit",
    "PlattScaling",
    "TemperatureScaling",
    "calibrator_from_dict",
    "calibrated_logits",
]

# Platt's slope carries the penalty of LogisticRegression(C=1e6): negligible on real
# data, but it keeps the slope finite when validation scores separate the classes.
_PLATT_C = 1e6


def logit(p: Any, eps: float = 1e-7) -> np.ndarray:
    """Inverse sigmoid, with ``p`` clipped to [eps, 1 - eps] so 0 and 1 stay finite.

    Example:
        >>> float(logit(0.5))
        0.0
    """
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


def brier_score(y_true: Any, proba: Any, sample_weight: Any = None) -> float:
    """Mean squared difference between predicted probability and outcome (lower is better).

    Example:
        >>> brier_score([0, 1], [0.25, 0.5])
        0.15625
    """
    y = check_binary_target(y_true, func="brier_score")
    p = check_proba(proba, y.size, func="brier_score")
    w = check_sample_weight(sample_weight, y.size, func="brier_score")
    return float(np.average((p - y) ** 2, weights=w))


def _check_n_bins(n_bins: Any, func: str) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"The 'n_bins' parameter of {func} must be an int >= 1. Got {n_bins!r} instead.")
    return int(n_bins)


def reliability_curve(y_true: Any, proba: Any, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed positive rate, mean prediction and row count per non-empty uniform bin.

    Bins split [0, 1] into ``n_bins`` equal widths exactly as
    ``sklearn.calibration.calibration_curve(strategy='uniform')``; empty bins are dropped.

    Example:
        >>> t, p, c = reliability_curve([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], n_bins=2)
        >>> t.tolist(), c.tolist()
        ([0.0, 1.0], [2, 2])
    """
    y = check_binary_target(y_true, func="reliability_curve")
    p = check_proba(proba, y.size, func="reliability_curve")
    n_bins = _check_n_bins(n_bins, "reliability_curve")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], p)  # same bin assignment as sklearn
    counts = np.bincount(ids, minlength=n_bins)
    sum_true = np.bincount(ids, weights=y, minlength=n_bins)
    sum_pred = np.bincount(ids, weights=p, minlength=n_bins)
    keep = counts > 0
    return sum_true[keep] / counts[keep], sum_pred[keep] / counts[keep], counts[keep]


def expected_calibration_error(y_true: Any, proba: Any, n_bins: int = 10) -> float:
    """Row-weighted mean |observed rate - mean prediction| over uniform bins.

    Example:
        >>> expected_calibration_error([0, 1], [0.0, 1.0])
        0.0
    """
    prob_true, prob_pred, counts = reliability_curve(y_true, proba, n_bins)
    return float(np.sum(counts * np.abs(prob_true - prob_pred)) / counts.sum())


def _check_fit_inputs(logits: Any, y_true: Any, sample_weight: Any, func: str) -> tuple[np.ndarray, ...]:
    y = check_binary_target(y_true, func=func)
    z = _check_logits(logits, func)
    if z.size != y.size:
        raise ValueError(
            f"The 'logits' parameter of {func} must have the same length as y_true ({y.size}). Got {z.size} instead."
        )
    if np.unique(y).size < 2:
        raise ValueError(
            f"The 'y_true' parameter of {func} must contain both classes 0 and 1 to fit a "
            f"calibrator. Got only class {int(y[0])} instead."
        )
    w = check_sample_weight(sample_weight, y.size, func=func)
    w = np.ones(y.size) if w is None else w
    return z, y.astype(np.float64), w / w.sum()


def _check_logits(logits: Any, func: str) -> np.ndarray:
    return as_scores(logits, "logits", func, "logits")


def _log_loss_of_scores(s: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    # log(1 + e^s) - y*s is the log loss of sigmoid(s), stable for large |s|
    return float(np.sum(w * (np.logaddexp(0.0, s) - y * s)))


@dataclass(frozen=True)
class PlattScaling:
    """``p = sigmoid(a * logit + b)``, fitted on validation logits by minimising log loss.

    Example:
        >>> cal = PlattScaling.fit([-2.0, -1.0, 0.5, 1.0, 2.0, -0.5], [0, 0, 1, 1, 1, 1])
        >>> cal.transform([0.0]).shape
        (1,)
    """

    a: float
    b: float

    @classmethod
    def fit(cls, logits: Any, y_true: Any, *, sample_weight: Any = None) -> PlattScaling:
        """Fit slope and intercept (same optimum as LogisticRegression(C=1e6) on one feature)."""
        z, y, w = _check_fit_inputs(logits, y_true, sample_weight, "PlattScaling.fit")
        ridge = 0.5 / (_PLATT_C * y.size)  # sklearn's penalty, on the per-row loss scale

        def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            s = theta[0] * z + theta[1]
            r = w * (expit(s) - y)
            loss = _log_loss_of_scores(s, y, w) + ridge * theta[0] ** 2
            return loss, np.array([np.sum(r * z) + 2 * ridge * theta[0], np.sum(r)])

        res = minimize(
            loss_grad,
            np.array([1.0, 0.0]),
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-10, "ftol": 1e-14, "maxiter": 1000},
        )
        return cls(float(res.x[0]), float(res.x[1]))

    def calibrated_logits(self, logits: np.ndarray) -> np.ndarray:
        """The calibrated log-odds ``a * logit + b`` (what every consumer of a calibrator applies)."""
        return self.a * logits + self.b

    def affine(self) -> tuple[float, float]:
        """(slope, intercept) of the map on log-odds, for graphs that apply it (ONNX)."""
        return self.a, self.b

    def transform(self, logits: Any) -> np.ndarray:
        """Calibrated positive-class probabilities."""
        return expit(self.calibrated_logits(_check_logits(logits, "PlattScaling.transform")))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, read back by :func:`calibrator_from_dict`."""
        return {"kind": "platt", "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlattScaling:
        """Rebuild from :meth:`to_dict` output."""
        _check_record(d, "platt", ("a", "b"))
        return cls(float(d["a"]), float(d["b"]))


@dataclass(frozen=True)
class TemperatureScaling:
    """``p = sigmoid(logit / T)`` with T > 0, fitted by 1-D minimisation of log loss.

    Example:
        >>> cal = TemperatureScaling.fit([-4.0, -2.0, 2.0, 4.0, 1.0, -1.0], [0, 0, 1, 1, 0, 1])
        >>> cal.temperature > 0
        True
    """

    temperature: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(
                f"The 'temperature' of TemperatureScaling must be a finite number > 0. "
                f"Got {self.temperature!r} instead."
            )

    @classmethod
    def fit(cls, logits: Any, y_true: Any, *, sample_weight: Any = None) -> TemperatureScaling:
        """Fit T over [1e-3, 1e3] (searched on log T so small and large T are treated alike)."""
        z, y, w = _check_fit_inputs(logits, y_true, sample_weight, "TemperatureScaling.fit")
        res = minimize_scalar(
            lambda u: _log_loss_of_scores(z * math.exp(-u), y, w),
            bounds=(math.log(1e-3), math.log(1e3)),
            method="bounded",
            options={"xatol": 1e-9},
        )
        return cls(float(math.exp(res.x)))

    def calibrated_logits(self, logits: np.ndarray) -> np.ndarray:
        """The calibrated log-odds ``logit / T``."""
        return logits / self.temperature

    def affine(self) -> tuple[float, float]:
        """(slope, intercept) of the map on log-odds, for graphs that apply it (ONNX)."""
        return 1.0 / self.temperature, 0.0

    def transform(self, logits: Any) -> np.ndarray:
        """Calibrated positive-class probabilities."""
        return expit(self.calibrated_logits(_check_logits(logits, "TemperatureScaling.transform")))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, read back by :func:`calibrator_from_dict`."""
        return {"kind": "temperature", "temperature": self.temperature}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TemperatureScaling:
        """Rebuild from :meth:`to_dict` output."""
        _check_record(d, "temperature", ("temperature",))
        return cls(float(d["temperature"]))


def _check_record(d: Any, kind: str, keys: tuple[str, ...]) -> None:
    ok = (
        isinstance(d, Mapping)
        and d.get("kind") == kind
        and all(
            k in d and not isinstance(d[k], bool) and isinstance(d[k], (int, float)) and math.isfinite(d[k])
            for k in keys
        )
    )
    if not ok:
        raise ValueError(
            f"A '{kind}' calibrator record must be a mapping with kind={kind!r} and finite "
            f"numbers {', '.join(keys)}. Got {d!r} instead."
        )


_KINDS = {"platt": PlattScaling, "temperature": TemperatureScaling}


def calibrated_logits(calibrator: PlattScaling | TemperatureScaling | None, logits: np.ndarray) -> np.ndarray:
    """The log-odds a calibrator maps ``logits`` to (unchanged without one): the estimator, the NumPy predictor and
    the evaluation all apply calibration through this.

    Example:
        >>> float(calibrated_logits(TemperatureScaling(2.0), np.array([4.0]))[0])
        2.0
    """
    return logits if calibrator is None else calibrator.calibrated_logits(logits)


def calibrator_from_dict(d: Mapping[str, Any]) -> PlattScaling | TemperatureScaling:
    """Rebuild whichever calibrator a ``to_dict()`` record describes.

    Example:
        >>> calibrator_from_dict({"kind": "temperature", "temperature": 2.0})
        TemperatureScaling(temperature=2.0)
    """
    kind = d.get("kind") if isinstance(d, Mapping) else None
    if kind not in _KINDS:
        raise ValueError(f"A calibrator record must have 'kind' in {sorted(_KINDS)}. Got {kind!r} instead.")
    return _KINDS[kind].from_dict(d)
