"""Helpers shared by the peers (NumPy only)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks.speed import config


def predict_figures(
    proba: Callable[[np.ndarray], np.ndarray], reference_val: np.ndarray, split, predict_x, load_s: float | None
) -> dict:
    """W5's figures for a loaded model's ``proba`` (rows -> P(class 1)); ``reference_val`` is the trained model's."""
    loaded_val = np.asarray(proba(split.x_val), dtype=np.float64).reshape(-1)
    row = predict_x[:1]
    for _ in range(10):  # warm up, as a server would before taking traffic
        proba(row)
    proba(predict_x)
    latencies = []
    for i in range(config.LATENCY_CALLS):
        row = predict_x[i : i + 1]
        start = time.perf_counter()
        proba(row)
        latencies.append(time.perf_counter() - start)
    throughput_times = []
    for _ in range(3):
        start = time.perf_counter()
        out = proba(predict_x)
        throughput_times.append(time.perf_counter() - start)
    assert np.asarray(out).reshape(-1).shape[0] == len(predict_x)
    return {
        "load_s": load_s,
        "latency_us": statistics.median(latencies) * 1e6,
        "throughput_rows_s": len(predict_x) / statistics.median(throughput_times),
        "max_abs_diff": float(np.max(np.abs(loaded_val - np.asarray(reference_val, np.float64).reshape(-1)))),
        "val_accuracy": float(np.mean((loaded_val > 0.5) == (split.y_val > 0.5))),
    }


def as_positive_proba(p) -> np.ndarray:
    """P(class 1) as a 1-D array, whether a peer returns (n,), (n, 1) or scikit-learn's (n, 2)."""
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = arr[:, 1]
    return arr.reshape(-1)


def fit_figures(history: dict, spec, split, val_proba: Callable[[], np.ndarray]) -> dict:
    """One fit's sanity figures: the last training accuracy of its history, and the validation accuracy from the
    history when the workload validates every epoch, else from ``val_proba()`` (P(class 1) on the validation rows)."""
    figures = {"train_accuracy": float(history["accuracy"][-1])}
    if spec["validation"]:
        figures["val_accuracy"] = float(history["val_accuracy"][-1])
    else:
        p = as_positive_proba(val_proba())
        figures["val_accuracy"] = float(np.mean((p > 0.5) == (split.y_val > 0.5)))
    return figures


def histories_over_seeds(train: Callable, spec, split, seeds) -> list[dict]:
    """W4 for a peer with no way to batch seeds: one fresh fit per seed, in a Python loop, as its user writes it."""
    return [train(spec, split, seed)[1] for seed in seeds]


def final_train_accuracies(histories: list[dict]) -> dict:
    return {"train_accuracies": [float(history["accuracy"][-1]) for history in histories]}
