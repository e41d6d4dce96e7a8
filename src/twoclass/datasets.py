"""Small synthetic two-class datasets: the course's toy problems and TensorFlow Playground's four.

Every generator returns ``(x, y)`` with ``x`` float32 of shape (n, d) and ``y`` int32 of shape (n,) holding 0/1,
takes ``seed`` (fed to :func:`numpy.random.default_rng`) and shuffles its rows, so ``validation_split`` style
tail slices see both classes. NumPy only: importing this module never pulls in JAX.

The Playground generators follow ``tensorflow/playground/src/dataset.ts``: the *returned* point is the clean one
and the label is computed on the point plus noise, so noise shows up as labels that disagree with the geometry
(exactly what the Playground draws). Playground's +1/-1 labels become 1/0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from twoclass.core.validation import check_float, check_int, unknown_name

__all__ = ["circles", "mean_of_four", "mean_of_four_lesson", "circle", "xor", "gauss", "spiral", "load"]

Dataset = tuple[np.ndarray, np.ndarray]


def _common(owner: str, n: int, noise: float, seed: int) -> tuple[int, float, np.random.Generator]:
    n = check_int(n, "n", owner, minimum=2)
    noise = check_float(noise, "noise", owner, minimum=0.0, maximum=0.5)
    seed = check_int(seed, "seed", owner, minimum=0)
    return n, noise, np.random.default_rng(seed)


def _split(n: int) -> tuple[int, int]:
    """(count of class 1, count of class 0); an odd n gives its extra point to class 0."""
    return n // 2, n - n // 2


def _finish(points: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> Dataset:
    order = rng.permutation(len(labels))
    return np.ascontiguousarray(points[order], dtype=np.float32), labels[order].astype(np.int32)


def circles(n: int = 1000, noise: float = 0.08, factor: float = 0.5, seed: int = 0) -> Dataset:
    """The slides' red and blue circles: two concentric rings (as sklearn's make_circles).

    Inner ring (radius ``factor``) is red, label 1; outer ring (radius 1) is blue, label 0. Gaussian noise with
    standard deviation ``noise`` is added to both coordinates.

    >>> x, y = circles(200, seed=1)
    >>> x.shape, int(y.sum())
    ((200, 2), 100)
    """
    n, noise, rng = _common("circles", n, noise, seed)
    factor = check_float(
        factor, "factor", "circles", minimum=0.0, maximum=1.0, include_minimum=False, include_maximum=False
    )
    n_in, n_out = _split(n)
    angle_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    angle_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    points = np.concatenate(
        [
            np.column_stack([np.cos(angle_out), np.sin(angle_out)]),
            factor * np.column_stack([np.cos(angle_in), np.sin(angle_in)]),
        ]
    )
    points = points + rng.normal(0.0, noise, size=points.shape)
    labels = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(points, labels, rng)


def mean_of_four(n: int = 10_000, seed: int = 0) -> Dataset:
    """The Keras lesson's task: four numbers from U(0, 100); label 1 ("high") when their mean is >= 50.

    >>> x, y = mean_of_four(5)
    >>> bool(((x.astype("float64").mean(axis=1) >= 50) == (y == 1)).all())
    True
    """
    n = check_int(n, "n", "mean_of_four", minimum=2)
    seed = check_int(seed, "seed", "mean_of_four", minimum=0)
    x = np.random.default_rng(seed).uniform(0.0, 100.0, size=(n, 4)).astype(np.float32)
    # Label the float32 values the caller actually receives, so recomputing the rule never disagrees.
    y = (x.astype(np.float64).mean(axis=1) >= 50.0).astype(np.int32)
    return x, y


def mean_of_four_lesson() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The lesson's hand-written set: 6 training rows (3 low, then 3 high) and 4 validation rows (2 low, 2 high).

    >>> x_train, y_train, x_val, y_val = mean_of_four_lesson()
    >>> y_train.tolist(), y_val.tolist()
    ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1])
    """
    x_train = np.array(
        [
            [5, 12, 20, 8],  # mean 11.25 -> low
            [30, 22, 14, 40],  # mean 26.5  -> low
            [10, 35, 3, 26],  # mean 18.5  -> low
            [88, 72, 95, 64],  # mean 79.75 -> high
            [70, 91, 83, 99],  # mean 85.75 -> high
            [62, 97, 75, 80],  # mean 78.5  -> high
        ],
        dtype=np.float32,
    )
    y_train = np.array([0, 0, 0, 1, 1, 1], dtype=np.int32)
    x_val = np.array(
        [
            [15, 27, 9, 33],  # mean 21    -> low
            [2, 18, 38, 11],  # mean 17.25 -> low
            [77, 85, 69, 92],  # mean 80.75 -> high
            [94, 66, 81, 73],  # mean 78.5  -> high
        ],
        dtype=np.float32,
    )
    y_val = np.array([0, 0, 1, 1], dtype=np.int32)
    return x_train, y_train, x_val, y_val


def circle(n: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground "circle": a disc (label 1, radius < 2.5) inside a ring (label 0, radius 3.5..5).

    The label is decided on the point plus U(-5, 5) * noise per coordinate, so noise flips labels near 2.5..3.5.

    >>> x, y = circle(100)
    >>> bool(((np.hypot(x[:, 0], x[:, 1]) < 2.5) == (y == 1)).all())
    True
    """
    n, noise, rng = _common("circle", n, noise, seed)
    radius = 5.0
    n_pos, n_neg = _split(n)
    r = np.concatenate([rng.uniform(0.0, radius * 0.5, n_pos), rng.uniform(radius * 0.7, radius, n_neg)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = points + rng.uniform(-radius, radius, size=points.shape) * noise
    labels = np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5
    return _finish(points, labels, rng)


def xor(n: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground "exclusive or": label 1 in the 1st and 3rd quadrants (x * y >= 0), 0 elsewhere.

    Points are pushed 0.3 away from both axes; the label uses the point plus U(-5, 5) * noise. As in Playground,
    the classes are balanced only in expectation.

    >>> x, y = xor(100)
    >>> bool(((x[:, 0] * x[:, 1] >= 0) == (y == 1)).all())
    True
    """
    n, noise, rng = _common("xor", n, noise, seed)
    points = rng.uniform(-5.0, 5.0, size=(n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    noisy = points + rng.uniform(-5.0, 5.0, size=points.shape) * noise
    labels = noisy[:, 0] * noisy[:, 1] >= 0
    return _finish(points, labels, rng)


def gauss(n: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground "gaussian": blobs at (2, 2) (label 1) and (-2, -2) (label 0), variance 0.5 + 7 * noise.

    >>> x, y = gauss(100)
    >>> x[y == 1].mean(axis=0).round().tolist(), x[y == 0].mean(axis=0).round().tolist()
    ([2.0, 2.0], [-2.0, -2.0])
    """
    n, noise, rng = _common("gauss", n, noise, seed)
    std = np.sqrt(0.5 + 7.0 * noise)  # Playground maps noise 0..0.5 linearly onto variance 0.5..4
    n_pos, n_neg = _split(n)
    centres = np.concatenate([np.full((n_pos, 2), 2.0), np.full((n_neg, 2), -2.0)])
    points = centres + rng.normal(0.0, std, size=centres.shape)
    labels = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    return _finish(points, labels, rng)


def spiral(n: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Playground "spiral": two interleaved arms 1.75 turns long, the label-0 arm rotated by pi.

    >>> x, y = spiral(100)
    >>> x.shape, int(y.sum())
    ((100, 2), 50)
    """
    n, noise, rng = _common("spiral", n, noise, seed)

    def arm(count: int, delta: float) -> np.ndarray:
        i = np.arange(count) / count
        r, t = 5.0 * i, 1.75 * 2 * np.pi * i + delta
        jitter = rng.uniform(-1.0, 1.0, size=(count, 2)) * noise
        return np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter

    n_pos, n_neg = _split(n)
    points = np.concatenate([arm(n_pos, 0.0), arm(n_neg, np.pi)])
    labels = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    return _finish(points, labels, rng)


_GENERATORS: dict[str, Callable[..., Dataset]] = {
    "circles": circles,
    "mean": mean_of_four,
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
}


def load(name: str, **kwargs: Any) -> Dataset:
    """Generate a dataset by name: one of "circles", "mean", "circle", "xor", "gauss", "spiral".

    >>> x, y = load("xor", n=50, noise=0.1, seed=3)
    >>> x.shape
    (50, 2)
    """
    if not isinstance(name, str) or name not in _GENERATORS:
        raise unknown_name("dataset", name, _GENERATORS)
    return _GENERATORS[name](**kwargs)
