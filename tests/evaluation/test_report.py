"""Evaluation figures against sklearn.metrics, and the self-contained HTML/JSON report."""

import json
import os
import re
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from twoclass.report import evaluation_figures, write_report
from twoclass.threshold import choose_threshold


def _data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    p = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * y - 0.5)))
    return y, p


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("t", [0.3, 0.5, 0.72])
def test_figures_match_sklearn(t, weighted):
    y, p = _data()
    w = np.random.default_rng(3).uniform(0.2, 2.0, y.size) if weighted else None
    f = evaluation_figures(y, p, t, sample_weight=w)
    pred = (p >= t).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, sample_weight=w).ravel()
    assert (f["tn"], f["fp"], f["fn"], f["tp"]) == pytest.approx((tn, fp, fn, tp))
    kw = {"sample_weight": w}
    expected = {
        "accuracy": skm.accuracy_score(y, pred, **kw),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred, **kw),
        "precision": skm.precision_score(y, pred, **kw),
        "recall": skm.recall_score(y, pred, **kw),
        "f1": skm.f1_score(y, pred, **kw),
        "specificity": skm.recall_score(y, pred, pos_label=0, **kw),
        "roc_auc": skm.roc_auc_score(y, p, **kw),
        "pr_auc": skm.average_precision_score(y, p, **kw),
        "log_loss": skm.log_loss(y, p, **kw),
        "brier_score": skm.brier_score_loss(y, p, **kw),
    }
    for k, v in expected.items():
        assert f[k] == pytest.approx(v, abs=1e-12), k
    assert f["n"] == y.size and f["threshold"] == t
    assert f["positive_rate"] == pytest.approx(np.average(y, weights=w))
    assert f["notes"] == []


def test_counts_are_ints_without_weights():
    y, p = _data()
    f = evaluation_figures(y, p, 0.5)
    assert all(type(f[k]) is int for k in ("tp", "fp", "tn", "fn", "n", "positives", "negatives"))


@pytest.mark.parametrize("cls", [0, 1])
def test_one_class_set_is_handled(cls):
    y = np.full(30, cls)
    p = np.linspace(0.05, 0.95, 30)
    f = evaluation_figures(y, p, 0.5)
    assert f["roc_auc"] is None and f["pr_auc"] is None
    assert f["notes"] and "only class" in f["notes"][0]
    assert f["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]))
    assert f["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    with warnings.catch_warnings():  # sklearn warns that one class is absent from y_true
        warnings.simplefilter("ignore")
        assert f["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p >= 0.5), abs=1e-12)
        for name, score in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
            assert f[name] == pytest.approx(score(y, p >= 0.5, zero_division=0), abs=1e-12), name


def test_bad_threshold_and_inputs():
    with pytest.raises(ValueError, match="'threshold'.*ThresholdChoice or a number"):
        evaluation_figures([0, 1], [0.2, 0.7], 1.5)
    with pytest.raises(ValueError, match="'proba'"):
        evaluation_figures([0, 1], [0.2, np.nan], 0.5)


# ---------------------------------------------------------------- the HTML report

IMG = '<img src="data:image/png;base64,'


def _boundary_data(n=120, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)

    def predict_proba(xx):
        return 1 / (1 + np.exp(-3 * (xx[:, 0] + 0.5 * xx[:, 1])))

    return predict_proba, x, y


def _alts(doc):
    return re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]*)"', doc)


def test_full_report(tmp_path):
    predict_proba, x, y = _boundary_data()
    p = predict_proba(x)
    choice = choose_threshold(y, p, "f1")
    history = {"loss": [0.7, 0.5, 0.4], "val_loss": [0.72, 0.55, 0.5], "auc": [0.6, 0.8, 0.85]}
    html_path, json_path = tmp_path / "out" / "report.html", tmp_path / "out" / "figures.json"
    figs = write_report(
        html_path,
        y_true=y,
        proba=p,
        threshold=choice,
        labels=("neg", "pos"),
        history=history,
        boundary=(predict_proba, x, y),
        title="My model",
        model_summary={"hidden layers": "[16, 8]", "epochs": 30},
        json_path=json_path,
    )
    doc = html_path.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    assert set(_alts(doc)) == {
        "Confusion matrix",
        "ROC curve",
        "Precision-recall curve",
        "Calibration curve",
        "Metrics against threshold",
        "Learning curves",
        "Decision boundary",
    }
    assert doc.count(IMG) == 7
    assert "http://" not in doc and "https://" not in doc
    assert "<link" not in doc and "<script" not in doc
    assert choice.note.split(";")[0] in doc and "hidden layers" in doc and "My model" in doc
    assert "predicted pos" in doc and "actual neg" in doc
    # JSON equals the returned figures and sklearn
    loaded = json.loads(json_path.read_text())
    assert loaded == json.loads(json.dumps(figs))
    assert loaded["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert loaded["threshold"] == choice.value
    assert loaded["threshold_choice"]["objective"] == "f1"
    assert sorted(os.listdir(tmp_path / "out")) == ["figures.json", "report.html"]  # no temp files left


def test_minimal_report_with_float_threshold(tmp_path):
    y, p = _data(seed=4)
    figs = write_report(tmp_path / "r.html", y_true=y, proba=p, threshold=0.5)
    doc = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert set(_alts(doc)) == {
        "Confusion matrix",
        "ROC curve",
        "Precision-recall curve",
        "Calibration curve",
        "Metrics against threshold",
    }
    assert "given directly" in doc and figs["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    assert os.listdir(tmp_path) == ["r.html"]


def test_one_class_report(tmp_path):
    y = np.zeros(40, dtype=int)
    p = np.linspace(0.01, 0.9, 40)
    figs = write_report(tmp_path / "r.html", y_true=y, proba=p, threshold=0.5, json_path=tmp_path / "f.json")
    doc = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert figs["roc_auc"] is None
    assert json.loads((tmp_path / "f.json").read_text())["roc_auc"] is None
    assert "only class 0" in doc and "Confusion matrix" in _alts(doc)


def test_user_strings_are_escaped(tmp_path):
    y, p = _data(seed=5)
    evil = "<script>alert(1)</script>"
    write_report(
        tmp_path / "r.html",
        y_true=y,
        proba=p,
        threshold=0.5,
        labels=("<b>&neg", evil),
        title="A & B <i>",
        model_summary={"<k>": "<v>"},
    )
    doc = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert evil not in doc and "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&lt;b&gt;&amp;neg" in doc and "A &amp; B &lt;i&gt;" in doc
    assert "<b>&neg" not in doc and "<k>" not in doc and "&lt;v&gt;" in doc


def test_overwrite_is_atomic_and_failure_keeps_old_file(tmp_path, monkeypatch):
    y, p = _data(seed=6)
    path = tmp_path / "r.html"
    path.write_text("old")
    write_report(path, y_true=y, proba=p, threshold=0.5)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    path.write_text("old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_report(path, y_true=y, proba=p, threshold=0.5)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.html"]


def test_bad_report_arguments(tmp_path):
    y, p = _data(seed=7)
    with pytest.raises(ValueError, match="'boundary'.*\\(n, 2\\)"):
        write_report(
            tmp_path / "r.html",
            y_true=y,
            proba=p,
            threshold=0.5,
            boundary=(lambda a: a[:, 0], np.zeros((y.size, 3)), y),
        )
    with pytest.raises(ValueError, match="'labels'"):
        write_report(tmp_path / "r.html", y_true=y, proba=p, threshold=0.5, labels="ab")
    assert not (tmp_path / "r.html").exists()
