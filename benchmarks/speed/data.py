"""The benchmark's data: generated once by the parent from a seed, written as .npy, read by every child.

Only NumPy here, so that a child's framework import is timed before anything else is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from benchmarks.speed import config


class Split(NamedTuple):
    x: np.ndarray  # float32, (n, features)
    y: np.ndarray  # float32, (n,), values 0.0 / 1.0
    x_val: np.ndarray
    y_val: np.ndarray


def circles(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles as in the slides: class 1 (red) inside radius 0.5, class 0 (blue) in a ring 0.7..1."""
    half = n // 2
    radius = np.concatenate([rng.uniform(0.0, 0.5, half), rng.uniform(0.7, 1.0, n - half)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order].astype(np.float32)


def mean_of_four(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The lesson's task: four numbers U(0, 100), label 1 ("high") when their mean is >= 50; scaled by /100."""
    raw = rng.uniform(0.0, 100.0, (n, 4))
    y = (raw.mean(axis=1) >= 50.0).astype(np.float32)
    return (raw / 100.0).astype(np.float32), y


def wide(n: int, rng: np.random.Generator, teacher_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features labelled by a fixed random tanh teacher net plus logistic noise (learnable, not trivial)."""
    teacher = np.random.default_rng(teacher_seed)
    w_hidden = teacher.normal(0.0, 1.0, (config.WIDE_FEATURES, 16)) / np.sqrt(config.WIDE_FEATURES)
    w_out = teacher.normal(0.0, 1.0, 16)
    x = rng.standard_normal((n, config.WIDE_FEATURES), dtype=np.float32)
    logit = 3.0 * np.tanh(2.0 * x @ w_hidden) @ w_out / np.sqrt(16)
    y = (logit + rng.logistic(0.0, 1.0, n) > 0.0).astype(np.float32)
    return x, y


def make_split(dataset: str, sizes: config.Sizes, seed: int) -> Split:
    """The train and validation data of one dataset; validation rows come from the same distribution."""
    rng = np.random.default_rng(seed)
    if dataset == "circles":
        x, y = circles(config.CIRCLES_ROWS, rng)
        xv, yv = circles(config.CIRCLES_ROWS, rng)
    elif dataset == "mean4":
        x, y = mean_of_four(config.MEAN4_TRAIN_ROWS, rng)
        xv, yv = mean_of_four(config.MEAN4_VAL_ROWS, rng)
    elif dataset == "wide":
        x, y = wide(sizes.wide_rows, rng, teacher_seed=seed + 1)
        xv, yv = wide(config.WIDE_VAL_ROWS, rng, teacher_seed=seed + 1)
    else:
        raise ValueError(f"The 'dataset' parameter must be one of circles, mean4, wide. Got {dataset!r} instead.")
    return Split(x, y, xv, yv)


def write_split(directory: Path, dataset: str, split: Split) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for field, array in split._asdict().items():
        np.save(directory / f"{dataset}_{field}.npy", array)


def read_split(directory: Path, dataset: str) -> Split:
    return Split(*(np.load(directory / f"{dataset}_{field}.npy") for field in Split._fields))


def write_predict_rows(directory: Path, seed: int) -> None:
    """Rows to predict in W5 (the W2 distribution)."""
    x, _ = mean_of_four(config.PREDICT_ROWS, np.random.default_rng(seed + 2))
    np.save(directory / "predict_x.npy", x)


def read_predict_rows(directory: Path) -> np.ndarray:
    return np.load(directory / "predict_x.npy")


def majority_rate(y: np.ndarray) -> float:
    positive = float(np.mean(y))
    return max(positive, 1.0 - positive)
