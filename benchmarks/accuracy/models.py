"""The models compared, each with the defaults its users start from, on the same features and folds.

Every baseline sees the matrix of ``twoclass.data.Preprocessor`` fitted on the training fold (numeric columns
imputed and standardised, categoricals one-hot, text as TF-IDF word 1-2 grams: the preprocessing of the datasets'
README), the same column kinds twoclass gets. The preprocessing time is part of every model's fit time.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twoclass.data import Preprocessor

from .tasks import Task

# One thread each: OpenMP workers spin-waiting on a shared, busy 2-core machine made HGB 50x slower with 2.
THREADS = 1


@dataclass(frozen=True)
class FoldResult:
    proba: np.ndarray  # P(positive) on the test rows
    pred: np.ndarray  # 0/1 at the model's own threshold
    fit_seconds: float
    threshold: float


@dataclass
class Prepared:
    """One fold's feature matrices, shared by the baselines (computed once, its time charged to each)."""

    x_train: np.ndarray
    x_test: np.ndarray
    seconds: float


# HistGradientBoosting bins every column densely: on 20,000 TF-IDF columns it takes minutes per fold. On text
# tasks it gets the same preprocessing with the vocabulary capped at this many terms per text column (the report
# says so); every other model sees the full matrix.
HGB_TEXT_TERMS = 1_000


def prepare(task: Task, train: np.ndarray, test: np.ndarray, *, text_max_features: int = 20_000) -> Prepared:
    start = time.perf_counter()
    pre = Preprocessor(task.column_types, text_max_features=text_max_features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unseen categories in a test fold are expected
        x_train = pre.fit_transform(task.frame.iloc[train])
        seconds = time.perf_counter() - start
        x_test = pre.transform(task.frame.iloc[test])
    return Prepared(x_train, x_test, seconds)


def _sklearn_fit(make: Callable[[int], object], *, capped_text: bool = False) -> Callable:
    def run(task: Task, train: np.ndarray, test: np.ndarray, prepared: Prepared, seed: int) -> FoldResult:
        if capped_text and "text" in task.column_types.values():
            prepared = prepare(task, train, test, text_max_features=HGB_TEXT_TERMS)
        model = make(seed)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning of a default max_iter is part of the default
            model.fit(prepared.x_train, task.y[train])
        seconds = time.perf_counter() - start + prepared.seconds
        proba = model.predict_proba(prepared.x_test)[:, 1]
        return FoldResult(proba, (proba >= 0.5).astype(np.int64), seconds, 0.5)

    return run


def _twoclass(task: Task, train: np.ndarray, test: np.ndarray, prepared: Prepared, seed: int) -> FoldResult:
    from twoclass import TwoClassClassifier

    model = TwoClassClassifier(column_types=task.column_types, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(task.frame.iloc[train], task.y[train])
        seconds = time.perf_counter() - start
        proba = model.predict_proba(task.frame.iloc[test])[:, 1]
        pred = np.asarray(model.predict(task.frame.iloc[test])).astype(np.int64)
    return FoldResult(proba, pred, seconds, float(model.threshold_.value))


def _logistic(seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000)


def _mlp(seed: int):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(early_stopping=True, random_state=seed)


def _hgb(seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed)


def _lightgbm(seed: int):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(random_state=seed, n_jobs=THREADS, verbose=-1)


MODELS: dict[str, tuple[str, Callable]] = {
    "twoclass": (
        "TwoClassClassifier() defaults (recipe='auto'): numeric columns robustly scaled and encoded on tree-chosen "
        "bins, a logistic regression, then up to 8 networks of 64-32 relu units on it (its linear path) trained "
        "together on a flat-cosine schedule and stopped by a rule tied to the best epoch (from 25,000 training rows: "
        "2 networks with a per-column embedding layer of 16 units, then 256 relu units, dropout 0.3, AdamW, their "
        "weights a moving average of every step's, trained on the validation rows too at the epoch a third network "
        "trained without them chooses); the best epoch and the blend "
        "with the logistic regression chosen on a 15% validation split, or under 2,000 rows out of fold (members "
        "trained on 3 of 4 folds: cross-validation bagging); threshold chosen for F1",
        _twoclass,
    ),
    "logreg": ("LogisticRegression(max_iter=2000), C=1", _sklearn_fit(_logistic)),
    "mlp": (
        "MLPClassifier(early_stopping=True): 100 relu, Adam, max_iter=200, stopping on a 10% validation "
        "split as twoclass does",
        _sklearn_fit(_mlp),
    ),
    "hgb": (
        f"HistGradientBoostingClassifier() defaults (text tasks: TF-IDF capped at {HGB_TEXT_TERMS:,} terms)",
        _sklearn_fit(_hgb, capped_text=True),
    ),
    "lightgbm": ("LGBMClassifier() defaults", _sklearn_fit(_lightgbm)),
}
