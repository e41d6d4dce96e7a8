"""Evaluation figures (from sklearn.metrics) and a self-contained HTML report.

The HTML file has inline CSS and every picture embedded as a base64 PNG, so it
opens offline and can be mailed as one file. User strings are HTML-escaped.
"""

from __future__ import annotations

import html
import json
import math
import os
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn import metrics as skm

from twoclass.calibration import brier_score, expected_calibration_error
from twoclass.core.files import write_text_atomically
from twoclass.threshold import (
    ThresholdChoice,
    check_binary_target,
    check_proba,
    check_sample_weight,
    confusion_figures,
)

__all__ = ["evaluation_figures", "write_report"]

_HEADLINE = (
    ("accuracy", "Accuracy"),
    ("balanced_accuracy", "Balanced accuracy"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("f1", "F1"),
    ("specificity", "Specificity"),
    ("roc_auc", "ROC AUC"),
    ("pr_auc", "PR AUC (average precision)"),
    ("log_loss", "Log loss"),
    ("brier_score", "Brier score"),
    ("expected_calibration_error", "Expected calibration error"),
    ("n", "Rows"),
    ("positive_rate", "Positive rate"),
)


def _check_threshold(threshold: Any, func: str) -> float:
    t = threshold.value if isinstance(threshold, ThresholdChoice) else threshold
    if isinstance(t, bool) or not isinstance(t, (int, float, np.floating, np.integer)) or not 0.0 <= t <= 1.0:
        raise ValueError(
            f"The 'threshold' parameter of {func} must be a ThresholdChoice or a number in [0, 1]. "
            f"Got {threshold!r} instead."
        )
    return float(t)


def evaluation_figures(y_true: Any, proba: Any, threshold: float, *, sample_weight: Any = None) -> dict[str, Any]:
    """Headline figures at a decision threshold (rule: ``proba >= threshold``), from sklearn.metrics.

    Ranking figures (roc_auc, pr_auc) are None when the set holds one class, with a
    reason in ``notes``; nothing raises for such a set.

    Example:
        >>> f = evaluation_figures([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], 0.5)
        >>> f["tp"], f["fp"], f["roc_auc"]
        (1, 1, 0.75)
    """
    func = "evaluation_figures"
    y = check_binary_target(y_true, func=func)
    p = check_proba(proba, y.size, func=func)
    w = check_sample_weight(sample_weight, y.size, func=func)
    t = _check_threshold(threshold, func)
    pred = (p >= t).astype(np.int64)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1], sample_weight=w).ravel()
    count = int if w is None else float
    two_classes = np.unique(y).size == 2
    notes: list[str] = []
    with warnings.catch_warnings():
        # one-class sets make sklearn warn about ill-defined figures; the notes say it instead
        warnings.simplefilter("ignore")
        out: dict[str, Any] = {
            "threshold": t,
            "n": int(y.size),
            "positives": count(tp + fn),
            "negatives": count(tn + fp),
            "positive_rate": float(np.average(y, weights=w)),
            "predicted_positive_rate": float(np.average(pred, weights=w)),
            "tp": count(tp),
            "fp": count(fp),
            "tn": count(tn),
            "fn": count(fn),
            **confusion_figures(float(tn), float(fp), float(fn), float(tp)),
            "roc_auc": float(skm.roc_auc_score(y, p, sample_weight=w)) if two_classes else None,
            "pr_auc": float(skm.average_precision_score(y, p, sample_weight=w)) if two_classes else None,
            "log_loss": float(skm.log_loss(y, p, sample_weight=w, labels=[0, 1])),
            "brier_score": brier_score(y, p, w),
            "expected_calibration_error": expected_calibration_error(y, p),
        }
    if not two_classes:
        only = int(y[0])
        notes.append(
            f"The evaluation set holds only class {only} ({y.size} rows): ROC AUC and PR AUC are "
            f"undefined and reported as None; {'recall' if only == 0 else 'specificity'} "
            f"is reported as 0 by convention."
        )
    out["notes"] = notes
    return out


# ---------------------------------------------------------------- HTML pieces

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:1rem}.grid figure{margin:0}
img{max-width:100%;height:auto;border:1px solid #eee}.note{color:#555}.warn{color:#a33}
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool) or isinstance(v, (int, np.integer)):
        return str(v)
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}" if math.isfinite(v) else str(v)
    return str(v)


def _table(rows: list[tuple[str, Any]], header: tuple[str, str] | None = None) -> str:
    head = f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>" if header else ""
    body = "".join(
        f'<tr><th>{html.escape(str(k))}</th><td class="num">{html.escape(_fmt(v))}</td></tr>' for k, v in rows
    )
    return f"<table>{head}{body}</table>"


def _img(fig: Any, alt: str) -> str:
    from twoclass import plots

    data = plots.figure_to_base64_png(fig)
    if not data.startswith("data:"):
        data = "data:image/png;base64," + data
    return f'<figure><img src="{data}" alt="{html.escape(alt)}"></figure>'


def _confusion_table(fig: dict[str, Any], labels: tuple[str, str]) -> str:
    neg, pos = (html.escape(str(s)) for s in labels)
    c = {k: html.escape(_fmt(fig[k])) for k in ("tn", "fp", "fn", "tp")}
    return (
        "<table><tr><th></th><th>predicted " + neg + "</th><th>predicted " + pos + "</th></tr>"
        f'<tr><th>actual {neg}</th><td class="num">{c["tn"]}</td><td class="num">{c["fp"]}</td></tr>'
        f'<tr><th>actual {pos}</th><td class="num">{c["fn"]}</td><td class="num">{c["tp"]}</td></tr></table>'
    )


def _threshold_section(threshold: Any, t: float) -> str:
    if not isinstance(threshold, ThresholdChoice):
        return (
            f"<p>Decision threshold <b>{t:.4g}</b> (rule: probability &ge; threshold &rarr; positive), given "
            "directly; no record of how it was chosen.</p>"
        )
    c = threshold
    rows = [(k, v) for k, v in c.metrics.items()]
    return (
        f"<p>Decision threshold <b>{c.value:.4g}</b> (rule: probability &ge; threshold &rarr; positive), "
        f'objective <code>{html.escape(c.objective)}</code>.</p><p class="note">{html.escape(c.note)}</p>'
        + (f"<p>Figures on the data it was chosen on:</p>{_table(rows)}" if rows else "")
    )


def _atomic_write_text(path: str | os.PathLike, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    write_text_atomically(path, text)


def _check_labels(labels: Any) -> tuple[str, str]:
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__") or len(labels) != 2:
        raise ValueError(
            f"The 'labels' parameter of write_report must be a pair (negative, positive). Got {labels!r} instead."
        )
    return str(labels[0]), str(labels[1])


def _check_boundary(boundary: Any) -> tuple[Callable, np.ndarray, np.ndarray]:
    ok = isinstance(boundary, (tuple, list)) and len(boundary) == 3 and callable(boundary[0])
    if ok:
        x, yb = np.asarray(boundary[1]), np.asarray(boundary[2])
        ok = x.ndim == 2 and x.shape[1] == 2 and yb.shape == (x.shape[0],)
    if not ok:
        raise ValueError(
            "The 'boundary' parameter of write_report must be (predict_proba, x, y) with x of shape "
            "(n, 2) and y of length n. Got something else instead."
        )
    return boundary[0], x, yb


def write_report(
    html_path: str | os.PathLike,
    *,
    y_true: Any,
    proba: Any,
    threshold: ThresholdChoice | float,
    labels: tuple[str, str] = ("0", "1"),
    history: Mapping[str, Any] | None = None,
    boundary: tuple[Callable, np.ndarray, np.ndarray] | None = None,
    title: str = "twoclass evaluation",
    model_summary: Mapping[str, Any] | None = None,
    json_path: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Write one self-contained HTML report (and optionally the figures as JSON); return the figures.

    ``y_true`` holds 0/1 (1 = ``labels[1]``); ``proba`` the positive-class probabilities.

    Example:
        >>> figs = write_report("report.html", y_true=y, proba=p, threshold=0.5,
        ...                     labels=("ham", "spam"))  # doctest: +SKIP
    """
    from twoclass import plots

    func = "write_report"
    y = check_binary_target(y_true, func=func)
    p = check_proba(proba, y.size, func=func)
    t = _check_threshold(threshold, func)
    labels = _check_labels(labels)
    bnd = _check_boundary(boundary) if boundary is not None else None
    figs = evaluation_figures(y, p, t)
    if isinstance(threshold, ThresholdChoice):
        figs["threshold_choice"] = threshold.to_dict()
    two_classes = figs["roc_auc"] is not None
    esc = html.escape

    parts = [
        f"<h1>{esc(str(title))}</h1>",
        f'<p class="note">{figs["n"]} rows, positive class <b>{esc(labels[1])}</b> '
        f"(rate {figs['positive_rate']:.3g}); negative class <b>{esc(labels[0])}</b>.</p>",
    ]
    parts += [f'<p class="warn">{esc(n)}</p>' for n in figs["notes"]]
    parts.append("<h2>Headline figures</h2>" + _table([(name, figs[k]) for k, name in _HEADLINE]))
    parts.append("<h2>Decision threshold</h2>" + _threshold_section(threshold, t))
    pred = (p >= t).astype(np.int64)
    parts.append(
        f'<h2>Confusion matrix at threshold {t:.4g}</h2><div class="grid">'
        + _confusion_table(figs, labels)
        + _img(plots.confusion_matrix(y, pred, labels=labels, title="Confusion matrix"), "Confusion matrix")
        + "</div>"
    )
    if two_classes:
        parts.append(
            '<h2>ROC and precision-recall curves</h2><div class="grid">'
            + _img(plots.roc_curve(y, p, threshold=t, title=f"ROC (AUC {figs['roc_auc']:.3f})"), "ROC curve")
            + _img(
                plots.precision_recall_curve(y, p, threshold=t, title=f"Precision-recall (AP {figs['pr_auc']:.3f})"),
                "Precision-recall curve",
            )
            + "</div>"
        )
    else:
        parts.append(
            '<h2>ROC and precision-recall curves</h2><p class="warn">Not drawn: the evaluation set holds one class.</p>'
        )
    parts.append(
        f"<h2>Calibration</h2><p>Brier score {figs['brier_score']:.4g}; expected calibration error "
        f"{figs['expected_calibration_error']:.4g} (10 uniform bins).</p>"
        + _img(plots.calibration_curve(y, p, title="Calibration curve"), "Calibration curve")
    )
    if two_classes:
        parts.append(
            "<h2>Metrics against threshold</h2>"
            + _img(
                plots.metrics_vs_threshold(y, p, threshold=t, title="Metrics against threshold"),
                "Metrics against threshold",
            )
        )
    if history:
        parts.append(
            "<h2>Learning curves</h2>"
            + _img(plots.learning_curves(dict(history), title="Learning curves"), "Learning curves")
        )
    if bnd is not None:
        parts.append(
            "<h2>Decision boundary</h2>"
            + _img(
                plots.decision_boundary(bnd[0], bnd[1], bnd[2], threshold=t, labels=labels, title="Decision boundary"),
                "Decision boundary",
            )
        )
    if model_summary:
        parts.append("<h2>Model</h2>" + _table([(str(k), v) for k, v in model_summary.items()]))

    doc = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(str(title))}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    if json_path is not None:
        # validate JSON before touching either file
        text = json.dumps(figs, indent=2, allow_nan=False, default=_json_default)
    _atomic_write_text(html_path, doc)
    if json_path is not None:
        _atomic_write_text(json_path, text + "\n")
    return figs


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serialisable")
