"""Diagnostic plots for a binary classifier, as :class:`matplotlib.figure.Figure` objects.

Figures are built directly (never through pyplot's global state) so they work headless and from threads.
Colours follow the slides: class 1 is red, class 0 is blue. NumPy, scikit-learn and matplotlib only; no JAX.
"""

from __future__ import annotations

import base64
import io
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn import calibration as _skcal
from sklearn import metrics as _skm

from twoclass.core import targets
from twoclass.core.files import atomic_output
from twoclass.core.validation import check_float, check_int, invalid

__all__ = [
    "decision_boundary",
    "learning_curves",
    "roc_curve",
    "precision_recall_curve",
    "calibration_curve",
    "metrics_vs_threshold",
    "confusion_matrix",
    "save_figure",
    "figure_to_base64_png",
]

RED, BLUE = "#d62728", "#1f77b4"
_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


# --- argument checks -------------------------------------------------------------------------------------------


def _pair(y_true: Any, proba: Any, owner: str, *, both_classes: bool = False) -> tuple[np.ndarray, np.ndarray]:
    y = targets.binary_labels(y_true, "y_true", owner, both_classes=both_classes)
    return y, targets.probabilities(proba, len(y), "proba", owner)


def _threshold(value: Any, owner: str) -> float | None:
    return None if value is None else check_float(value, "threshold", owner, minimum=0.0, maximum=1.0)


def _figure(title: str | None, **kwargs: Any) -> Figure:
    fig = Figure(layout="constrained", **kwargs)
    if title is not None:
        fig.suptitle(str(title))
    return fig


def _confusion(y: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    tp = int(np.sum((pred == 1) & (y == 1)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))
    return tp, fp, fn, len(y) - tp - fp - fn


# --- plots -----------------------------------------------------------------------------------------------------


def decision_boundary(
    predict_proba: Callable[[np.ndarray], Any],
    x: Any,
    y: Any,
    *,
    threshold: float = 0.5,
    resolution: int = 200,
    labels: Sequence[str] = ("0", "1"),
    title: str | None = None,
) -> Figure:
    """Probability map of a 2-feature classifier, its threshold contour (black) and the data points.

    >>> x = np.array([[-1.0, 0.0], [1.0, 0.0]], dtype="float32"); y = np.array([0, 1])
    >>> fig = decision_boundary(lambda g: 1 / (1 + np.exp(-10 * g[:, 0])), x, y)
    >>> len(fig.axes)  # the map and its colour bar
    2
    """
    owner = "decision_boundary"
    if not callable(predict_proba):
        raise TypeError(f"The 'predict_proba' parameter of {owner} must be callable. Got {predict_proba!r} instead.")
    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim != 2 or xs.shape[1] != 2 or len(xs) == 0:
        raise invalid("x", owner, "a 2-D array with 2 columns", f"an array of shape {xs.shape}")
    ys = targets.binary_labels(y, "y", owner)
    if len(ys) != len(xs):
        raise invalid("y", owner, f"an array of {len(xs)} labels (one per row of x)", f"{len(ys)} labels")
    threshold = check_float(
        threshold, "threshold", owner, minimum=0.0, maximum=1.0, include_minimum=False, include_maximum=False
    )
    resolution = check_int(resolution, "resolution", owner, minimum=2)
    names = [str(label) for label in labels]
    if len(names) != 2:
        raise invalid("labels", owner, "a pair of class names", labels)

    low, high = xs.min(axis=0), xs.max(axis=0)
    pad = 0.1 * np.maximum(high - low, 1e-6)
    g0, g1 = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], resolution),
        np.linspace(low[1] - pad[1], high[1] + pad[1], resolution),
    )
    grid = np.column_stack([g0.ravel(), g1.ravel()]).astype(np.float32)
    proba = targets.probabilities(predict_proba(grid), len(grid), "predict_proba", owner).reshape(g0.shape)

    fig = _figure(title, figsize=(6.4, 5.0))
    ax = fig.add_subplot()
    filled = ax.contourf(g0, g1, proba, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r", vmin=0.0, vmax=1.0)
    fig.colorbar(filled, ax=ax, label=f"P(class {names[1]})", ticks=np.linspace(0.0, 1.0, 6))
    if proba.min() < threshold < proba.max():  # otherwise matplotlib warns that no contour exists
        boundary = ax.contour(g0, g1, proba, levels=[threshold], colors="black", linewidths=2.0)
        boundary.set_gid("threshold")
    for cls, colour in ((0, BLUE), (1, RED)):
        mask = ys == cls
        ax.scatter(
            xs[mask, 0], xs[mask, 1], c=colour, edgecolors="white", linewidths=0.5, s=22, label=names[cls], zorder=3
        )
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.legend(loc="upper right", framealpha=0.8)
    return fig


def probability_along(
    values: Any,
    proba: Any,
    *,
    xlabel: str,
    boundary: float | None = None,
    threshold: float = 0.5,
    title: str | None = None,
) -> Figure:
    """The predicted probability of class 1 along one input direction, e.g. P(high) against the mean of four numbers.

    >>> fig = probability_along(np.linspace(0, 100, 11), np.linspace(0, 1, 11), xlabel="mean", boundary=50)
    """
    values = np.asarray(values, dtype=float).reshape(-1)
    proba = targets.probabilities(proba, values.size, "proba", "probability_along")
    fig = _figure(title, figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    ax.plot(values, proba, color=RED, linewidth=2, label="P(class 1)")
    ax.axhline(threshold, color="black", linewidth=1, linestyle="--", label=f"threshold {threshold:g}")
    if boundary is not None:
        ax.axvline(boundary, color=BLUE, linewidth=1, linestyle=":", label=f"true boundary {boundary:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability of class 1")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def learning_curves(history: Mapping[str, Sequence[float]], title: str | None = None) -> Figure:
    """One panel per metric (loss first): training solid, validation (``val_`` keys) dashed, epochs from 1.

    >>> fig = learning_curves({"loss": [0.7, 0.5], "val_loss": [0.8, 0.6], "accuracy": [0.5, 0.8]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    owner = "learning_curves"
    if not isinstance(history, Mapping) or not history:
        raise invalid("history", owner, "a non-empty mapping of metric name to per-epoch values", history)
    curves = {}
    for key, values in history.items():
        arr = np.asarray(values, dtype=np.float64) if np.ndim(values) == 1 else None
        if arr is None or arr.size == 0:
            raise invalid(
                "history", owner, "a mapping whose values are non-empty 1-D sequences", f"{key!r}: {values!r}"
            )
        curves[str(key)] = arr
    bases = list(dict.fromkeys(k[4:] if k.startswith("val_") else k for k in curves))
    bases.sort(key=lambda b: b != "loss")  # stable: loss first, the rest in history order

    fig = _figure(title, figsize=(4.2 * len(bases), 3.6))
    for ax, base in zip(fig.subplots(1, len(bases), squeeze=False)[0], bases):
        for key, style, label in ((base, "-", "train"), ("val_" + base, "--", "validation")):
            if key in curves:
                ax.plot(np.arange(1, len(curves[key]) + 1), curves[key], style, marker=".", label=label)
        ax.set_title(base)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def roc_curve(y_true: Any, proba: Any, *, threshold: float | None = None, title: str | None = None) -> Figure:
    """ROC curve with its AUC in the legend; the operating point at ``threshold`` is marked when given.

    >>> fig = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'ROC (AUC = 0.750)'
    """
    owner = "roc_curve"
    y, p = _pair(y_true, proba, owner, both_classes=True)
    threshold = _threshold(threshold, owner)
    fpr, tpr, _ = _skm.roc_curve(y, p)
    auc = _skm.roc_auc_score(y, p)

    fig = _figure(title, figsize=(5.0, 4.6))
    ax = fig.add_subplot()
    ax.plot(fpr, tpr, color=RED, lw=2, label=f"ROC (AUC = {auc:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    if threshold is not None:
        tp, fp, fn, tn = _confusion(y, (p >= threshold).astype(int))
        ax.plot(fp / (fp + tn), tp / (tp + fn), "o", color="black", ms=8, label=f"threshold {threshold:g}")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.set_aspect("equal")
    ax.legend(loc="lower right")
    return fig


def precision_recall_curve(
    y_true: Any, proba: Any, *, threshold: float | None = None, title: str | None = None
) -> Figure:
    """Precision-recall curve with the average precision in the legend and the prevalence as baseline.

    >>> fig = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.5)
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'PR (AP = 0.833)'
    """
    owner = "precision_recall_curve"
    y, p = _pair(y_true, proba, owner, both_classes=True)
    threshold = _threshold(threshold, owner)
    precision, recall, _ = _skm.precision_recall_curve(y, p)
    ap = _skm.average_precision_score(y, p)

    fig = _figure(title, figsize=(5.0, 4.6))
    ax = fig.add_subplot()
    ax.step(recall, precision, where="post", color=RED, lw=2, label=f"PR (AP = {ap:.3f})")
    ax.axhline(y.mean(), ls=":", color="grey", label=f"prevalence {y.mean():.2f}")
    if threshold is not None:
        tp, fp, fn, _ = _confusion(y, (p >= threshold).astype(int))
        # No predicted positives: precision is undefined; draw it at 1 as the PR curve itself does.
        point_precision = tp / (tp + fp) if tp + fp else 1.0
        ax.plot(tp / (tp + fn), point_precision, "o", color="black", ms=8, label=f"threshold {threshold:g}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(-0.01, 1.01), ylim=(-0.01, 1.05))
    ax.legend(loc="lower left")
    return fig


def calibration_curve(y_true: Any, proba: Any, *, n_bins: int = 10, title: str | None = None) -> Figure:
    """Reliability diagram (uniform bins) over a histogram of the predicted probabilities.

    >>> fig = calibration_curve([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.9], n_bins=5)
    >>> len(fig.axes)
    2
    """
    owner = "calibration_curve"
    y, p = _pair(y_true, proba, owner)
    n_bins = check_int(n_bins, "n_bins", owner, minimum=1)
    frac_pos, mean_pred = _skcal.calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    brier = _skm.brier_score_loss(y, p)

    fig = _figure(title, figsize=(5.0, 5.6))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
    top.plot(mean_pred, frac_pos, "o-", color=RED, label=f"model (Brier = {brier:.3f})")
    top.set(ylabel="fraction of positives", xlim=(0, 1), ylim=(-0.02, 1.02))
    top.legend(loc="upper left")
    bottom.hist(p, bins=n_bins, range=(0.0, 1.0), color=BLUE, edgecolor="white")
    bottom.set(xlabel="predicted probability", ylabel="count")
    return fig


def metrics_vs_threshold(
    y_true: Any, proba: Any, *, threshold: float | None = None, title: str | None = None
) -> Figure:
    """Precision, recall, F1 and accuracy for 101 thresholds in [0, 1] (predict 1 when proba >= threshold).

    >>> fig = metrics_vs_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.5)
    >>> [line.get_label() for line in fig.axes[0].get_lines()][:4]
    ['precision', 'recall', 'F1', 'accuracy']
    """
    owner = "metrics_vs_threshold"
    y, p = _pair(y_true, proba, owner)
    threshold = _threshold(threshold, owner)
    grid = np.linspace(0.0, 1.0, 101)
    pred = p[None, :] >= grid[:, None]
    pos = y[None, :] == 1
    tp = (pred & pos).sum(axis=1)
    fp = (pred & ~pos).sum(axis=1)
    fn = (~pred & pos).sum(axis=1)
    tn = len(y) - tp - fp - fn

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        # Undefined (0/0) stays NaN so the line simply stops there instead of inventing a value.
        return np.divide(num, den, out=np.full(len(grid), np.nan), where=den > 0)

    fig = _figure(title, figsize=(6.0, 4.2))
    ax = fig.add_subplot()
    ax.plot(grid, ratio(tp, tp + fp), label="precision")
    ax.plot(grid, ratio(tp, tp + fn), label="recall")
    ax.plot(grid, ratio(2 * tp, 2 * tp + fp + fn), label="F1")
    ax.plot(grid, (tp + tn) / len(y), label="accuracy")
    if threshold is not None:
        ax.axvline(threshold, color="black", ls="--", label=f"threshold {threshold:g}")
    ax.set(xlabel="threshold", ylabel="score", xlim=(0, 1), ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def confusion_matrix(
    y_true: Any, y_pred: Any, *, labels: Sequence[str] = ("0", "1"), title: str | None = None
) -> Figure:
    """2x2 heat map of counts, each cell also showing its share of the true-class row.

    >>> fig = confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1])
    >>> sorted(t.get_text() for t in fig.axes[0].texts)[0]
    '0\\n(0.0%)'
    """
    owner = "confusion_matrix"
    y = targets.binary_labels(y_true, "y_true", owner)
    pred = targets.binary_labels(y_pred, "y_pred", owner)
    if len(pred) != len(y):
        raise invalid("y_pred", owner, f"an array of {len(y)} labels (as many as y_true)", f"{len(pred)} labels")
    names = [str(label) for label in labels]
    if len(names) != 2:
        raise invalid("labels", owner, "a pair of class names", labels)
    counts = _skm.confusion_matrix(y, pred, labels=[0, 1])
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)

    fig = _figure(title, figsize=(4.4, 4.0))
    ax = fig.add_subplot()
    ax.imshow(counts, cmap="Blues", vmin=0, vmax=max(int(counts.max()), 1))
    for i in range(2):
        for j in range(2):
            dark = counts[i, j] > counts.max() / 2
            ax.text(
                j,
                i,
                f"{counts[i, j]}\n({100 * share[i, j]:.1f}%)",
                ha="center",
                va="center",
                color="white" if dark else "black",
                fontsize=12,
            )
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=names, yticklabels=names, xlabel="predicted", ylabel="true")
    return fig


# --- output ----------------------------------------------------------------------------------------------------


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 120) -> pathlib.Path:
    """Write ``fig`` atomically as PNG, SVG or PDF (chosen by suffix; none means PNG); returns the path.

    >>> import tempfile, pathlib
    >>> out = save_figure(confusion_matrix([0, 1], [0, 1]), pathlib.Path(tempfile.mkdtemp()) / "cm.png")
    >>> out.read_bytes()[:4]
    b'\\x89PNG'
    """
    owner = "save_figure"
    if not isinstance(fig, Figure):
        raise TypeError(f"The 'fig' parameter of {owner} must be a matplotlib Figure. Got {type(fig).__name__}.")
    dpi = check_int(dpi, "dpi", owner, minimum=1)
    target = pathlib.Path(path)
    suffix = target.suffix.lower()
    if suffix == "":
        target, suffix = target.with_suffix(".png"), ".png"
    if suffix not in _FORMATS:
        raise invalid("path", owner, "a file name ending in .png, .svg or .pdf", str(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target, "wb") as handle:
        fig.savefig(handle, format=_FORMATS[suffix], dpi=dpi)
    return target


def figure_to_base64_png(fig: Figure, *, dpi: int = 110) -> str:
    """PNG bytes of ``fig`` as base64 text, ready for ``<img src="data:image/png;base64,...">``.

    >>> figure_to_base64_png(confusion_matrix([0, 1], [0, 1]))[:8]
    'iVBORw0K'
    """
    if not isinstance(fig, Figure):
        raise TypeError(
            f"The 'fig' parameter of figure_to_base64_png must be a matplotlib Figure. Got {type(fig).__name__}."
        )
    dpi = check_int(dpi, "dpi", "figure_to_base64_png", minimum=1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
