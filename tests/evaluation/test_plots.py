"""twoclass.plots: figure structure, the decision contour's position, sklearn-matching numbers, atomic saving."""

from __future__ import annotations

import base64
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from sklearn import metrics

from twoclass import plots


def sigmoid_x0(grid):
    return 1.0 / (1.0 + np.exp(-10.0 * grid[:, 0]))


@pytest.fixture
def separable():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(80, 2)).astype(np.float32)
    x[:, 0] += np.where(x[:, 0] > 0, 0.5, -0.5)  # gap of width 1 around x0 = 0
    return x, (x[:, 0] > 0).astype(int)


@pytest.fixture
def scores():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    proba = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    return y, proba


def _threshold_contour(fig):
    found = [c for c in fig.axes[0].collections if c.get_gid() == "threshold"]
    assert len(found) == 1
    return np.concatenate([path.vertices for path in found[0].get_paths()])


def test_decision_boundary_contour_separates_classes(separable):
    x, y = separable
    fig = plots.decision_boundary(sigmoid_x0, x, y, title="sep")
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # map + colour bar
    vertices = _threshold_contour(fig)
    assert len(vertices) > 10
    # sigmoid(10 x0) = 0.5 exactly at x0 = 0: the contour lies in the gap, between every blue and every red point.
    assert np.abs(vertices[:, 0]).max() < 0.05
    assert x[y == 0, 0].max() < vertices[:, 0].min() and vertices[:, 0].max() < x[y == 1, 0].min()
    # ...and it spans the plotted range of x1.
    assert vertices[:, 1].min() <= x[:, 1].min() and vertices[:, 1].max() >= x[:, 1].max()
    assert fig._suptitle.get_text() == "sep"


def test_decision_boundary_threshold_moves_contour(separable):
    x, y = separable
    fig = plots.decision_boundary(sigmoid_x0, x, y, threshold=0.9, resolution=300)
    expected = np.log(0.9 / 0.1) / 10  # where sigmoid(10 x0) = 0.9
    np.testing.assert_allclose(_threshold_contour(fig)[:, 0], expected, atol=0.02)


def test_decision_boundary_points_are_red_and_blue(separable):
    x, y = separable
    fig = plots.decision_boundary(lambda g: sigmoid_x0(g)[:, None], x, y, labels=("blue", "red"))
    ax = fig.axes[0]
    scatters = {c.get_label(): c for c in ax.collections if c.get_label() in ("blue", "red")}
    assert np.allclose(scatters["red"].get_facecolor()[0], to_rgba(plots.RED))
    assert np.allclose(scatters["blue"].get_facecolor()[0], to_rgba(plots.BLUE))
    assert len(scatters["red"].get_offsets()) == y.sum()


def test_decision_boundary_passes_float32_grid(separable):
    x, y = separable
    seen = {}

    def predict(grid):
        seen["dtype"], seen["shape"] = grid.dtype, grid.shape
        return sigmoid_x0(grid)

    plots.decision_boundary(predict, x, y, resolution=50)
    assert seen == {"dtype": np.float32, "shape": (2500, 2)}


@pytest.mark.parametrize(
    ("x", "y", "argument"),
    [
        (np.zeros(10), np.zeros(10), "'x'"),
        (np.zeros((10, 3)), np.zeros(10), "'x'"),
        (np.zeros((10, 2)), np.zeros(9), "'y'"),
        (np.zeros((10, 2)), np.full(10, 2), "'y'"),
    ],
)
def test_decision_boundary_bad_input(x, y, argument):
    with pytest.raises(ValueError, match=argument):
        plots.decision_boundary(sigmoid_x0, x, y)


def test_decision_boundary_bad_predict_output(separable):
    x, y = separable
    with pytest.raises(ValueError, match="'predict_proba'"):
        plots.decision_boundary(lambda g: np.ones((len(g), 2)), x, y)
    with pytest.raises(ValueError, match="'threshold'"):
        plots.decision_boundary(sigmoid_x0, x, y, threshold=1.0)


def test_learning_curves_panels_and_styles():
    history = {
        "accuracy": [0.5, 0.7, 0.9],
        "loss": [0.7, 0.5, 0.3],
        "val_loss": [0.8, 0.6, 0.5],
        "val_accuracy": [0.4, 0.6, 0.8],
        "val_auc": [0.6, 0.7, 0.8],
    }
    fig = plots.learning_curves(history, title="fit")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy", "auc"]
    loss_ax = fig.axes[0]
    train, val = loss_ax.get_lines()
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
    assert list(train.get_xdata()) == [1, 2, 3] and list(val.get_ydata()) == [0.8, 0.6, 0.5]
    assert loss_ax.get_xlabel() == "epoch"
    assert [line.get_label() for line in fig.axes[2].get_lines()] == ["validation"]


@pytest.mark.parametrize("history", [{}, {"loss": []}, {"loss": 3.0}, [("loss", [1.0])]])
def test_learning_curves_bad_history(history):
    with pytest.raises(ValueError, match="'history'"):
        plots.learning_curves(history)


@pytest.mark.parametrize("threshold", [None, 0.5])
def test_roc_curve_auc_matches_sklearn(scores, threshold):
    y, proba = scores
    fig = plots.roc_curve(y, proba, threshold=threshold)
    assert len(fig.axes) == 1
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == f"ROC (AUC = {metrics.roc_auc_score(y, proba):.3f})"
    if threshold is not None:
        point = fig.axes[0].get_lines()[-1]
        pred = (proba >= threshold).astype(int)
        assert point.get_xdata()[0] == pytest.approx(1 - metrics.recall_score(1 - y, 1 - pred))
        assert point.get_ydata()[0] == pytest.approx(metrics.recall_score(y, pred))


def test_precision_recall_curve_ap_and_operating_point(scores):
    y, proba = scores
    fig = plots.precision_recall_curve(y, proba, threshold=0.6)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == f"PR (AP = {metrics.average_precision_score(y, proba):.3f})"
    point = fig.axes[0].get_lines()[-1]
    pred = (proba >= 0.6).astype(int)
    assert point.get_xdata()[0] == pytest.approx(metrics.recall_score(y, pred))
    assert point.get_ydata()[0] == pytest.approx(metrics.precision_score(y, pred))


def test_calibration_curve_matches_sklearn(scores):
    from sklearn.calibration import calibration_curve

    y, proba = scores
    fig = plots.calibration_curve(y, proba, n_bins=5)
    assert len(fig.axes) == 2
    frac, mean = calibration_curve(y, proba, n_bins=5, strategy="uniform")
    model_line = fig.axes[0].get_lines()[1]
    np.testing.assert_allclose(model_line.get_xdata(), mean)
    np.testing.assert_allclose(model_line.get_ydata(), frac)
    assert sum(p.get_height() for p in fig.axes[1].patches) == len(y)


def test_metrics_vs_threshold_values(scores):
    y, proba = scores
    fig = plots.metrics_vs_threshold(y, proba, threshold=0.4)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    grid = lines["precision"].get_xdata()
    assert len(grid) == 101 and grid[0] == 0 and grid[-1] == 1
    for k in (0, 37, 50, 80):
        pred = (proba >= grid[k]).astype(int)
        assert lines["precision"].get_ydata()[k] == pytest.approx(metrics.precision_score(y, pred))
        assert lines["recall"].get_ydata()[k] == pytest.approx(metrics.recall_score(y, pred))
        assert lines["F1"].get_ydata()[k] == pytest.approx(metrics.f1_score(y, pred))
        assert lines["accuracy"].get_ydata()[k] == pytest.approx(metrics.accuracy_score(y, pred))
    assert list(lines["threshold 0.4"].get_xdata()) == [0.4, 0.4]


def test_confusion_matrix_counts_and_row_percentages():
    y = [0, 0, 0, 0, 1, 1, 1]
    pred = [0, 0, 0, 1, 1, 1, 0]
    fig = plots.confusion_matrix(y, pred, labels=("low", "high"))
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "3\n(75.0%)", (0, 1): "1\n(25.0%)", (1, 0): "1\n(33.3%)", (1, 1): "2\n(66.7%)"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["low", "high"]


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: plots.roc_curve([0, 1, 1], [0.1, 0.9]), "'proba'"),
        (lambda: plots.roc_curve([1, 1, 1], [0.1, 0.9, 0.3]), "'y_true'"),
        (lambda: plots.roc_curve([0, 1], [0.1, 1.5]), "'proba'"),
        (lambda: plots.precision_recall_curve([0, 2], [0.1, 0.5]), "'y_true'"),
        (lambda: plots.metrics_vs_threshold([0, 1], [0.1, 0.5], threshold=2), "'threshold'"),
        (lambda: plots.calibration_curve([0, 1], [0.1, 0.5], n_bins=0), "'n_bins'"),
        (lambda: plots.confusion_matrix([0, 1, 1], [0, 1]), "'y_pred'"),
        (lambda: plots.confusion_matrix([[0, 1], [1, 0]], [0, 1]), "'y_true'"),
    ],
)
def test_bad_inputs_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_save_figure_writes_atomically(tmp_path, suffix, magic):
    fig = plots.confusion_matrix([0, 1, 1], [0, 1, 0])
    target = tmp_path / "deep" / "dir" / f"cm{suffix}"
    out = plots.save_figure(fig, target)
    assert out == target
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left behind


def test_save_figure_overwrites_and_rejects_unknown_suffix(tmp_path):
    fig = plots.confusion_matrix([0, 1], [0, 1])
    target = tmp_path / "a.png"
    target.write_bytes(b"old")
    plots.save_figure(fig, target, dpi=50)
    assert target.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="'path'"):
        plots.save_figure(fig, tmp_path / "a.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_figure_to_base64_png():
    text = plots.figure_to_base64_png(plots.confusion_matrix([0, 1], [1, 1]))
    assert base64.b64decode(text).startswith(b"\x89PNG")


def test_does_not_import_jax_or_pyplot():
    code = "import sys, twoclass.plots; assert 'jax' not in sys.modules and 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_probability_along_draws_the_given_curve_and_boundary():
    values = np.linspace(0, 100, 11)
    proba = 1 / (1 + np.exp(-(values - 50) / 5))
    fig = plots.probability_along(values, proba, xlabel="mean", boundary=50)
    ax = fig.axes[0]
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_xdata(), values)
    np.testing.assert_allclose(curve.get_ydata(), proba)
    assert [line.get_xdata()[0] for line in ax.lines[1:] if line.get_linestyle() == ":"] == [50]
    with pytest.raises(ValueError, match="proba"):
        plots.probability_along(values, proba[:3], xlabel="mean")
