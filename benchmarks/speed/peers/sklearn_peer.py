"""scikit-learn MLPClassifier with the same hidden sizes, activation, solver, batch size and epochs.

tol=0 and n_iter_no_change=epochs make it run every epoch; alpha=0 because the other peers have no L2 penalty.
W2 needs validation metrics every epoch, which ``fit`` cannot give, so W2 is the idiomatic ``partial_fit`` loop
(one epoch per call, shuffled, Adam state kept between calls) with ``predict_proba`` on the validation rows.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from benchmarks.speed.peers import common


def build(spec, seed: int, max_iter: int) -> MLPClassifier:
    hidden = tuple(units for units, _ in spec["layers"][:-1])
    activation = spec["layers"][0][1]
    common_kwargs = dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        batch_size=spec["batch_size"],
        learning_rate_init=spec["learning_rate"],
        max_iter=max_iter,
        tol=0.0,
        n_iter_no_change=max_iter,
        shuffle=True,
        alpha=0.0,
        random_state=seed,
    )
    if spec["optimizer"] == "sgd":
        return MLPClassifier(
            solver="sgd", learning_rate="constant", momentum=0.0, nesterovs_momentum=False, **common_kwargs
        )
    return MLPClassifier(solver="adam", epsilon=1e-7, **common_kwargs)


def _bce(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def train(spec, split, seed):
    history = {"val_loss": [], "val_accuracy": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if not spec["validation"]:
            return build(spec, seed, spec["epochs"]).fit(split.x, split.y), history
        model = build(spec, seed, 1)
        for _ in range(spec["epochs"]):
            model.partial_fit(split.x, split.y, classes=[0.0, 1.0])
            p = model.predict_proba(split.x_val)[:, 1]
            history["val_loss"].append(_bce(p, split.y_val))
            history["val_accuracy"].append(float(np.mean((p > 0.5) == (split.y_val > 0.5))))
    return model, history


def check(trained, spec, split):
    model, history = trained
    figures = {"train_accuracy": float(model.score(split.x, split.y))}
    if spec["validation"]:
        figures["val_accuracy"] = history["val_accuracy"][-1]
    else:
        figures["val_accuracy"] = float(model.score(split.x_val, split.y_val))
    return figures


def train_seeds(spec, split, seeds):
    return [train(spec, split, seed)[0] for seed in seeds]


def check_seeds(trained, spec, split):
    # MLPClassifier reports no training accuracy while it trains: it is scored on the training rows afterwards.
    return {"train_accuracies": [float(model.score(split.x, split.y)) for model in trained]}


def predict_bench(spec, split, predict_x, workdir: Path):
    model, _ = train(spec, split, 0)
    # scikit-learn persists models only through pickle, which this project never uses: the model stays in memory.
    return common.predict_figures(
        lambda x: model.predict_proba(x)[:, 1], model.predict_proba(split.x_val)[:, 1], split, predict_x, load_s=None
    )
