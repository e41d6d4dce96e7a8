import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest


def ring_data(n: int = 400, seed: int = 0):
    """Two noisy concentric rings: inner = 1, outer = 0 (the slides' red and blue circles)."""
    rng = np.random.default_rng(seed)
    inner = np.arange(n) % 2 == 0
    radius = np.where(inner, rng.uniform(0.0, 0.5, n), rng.uniform(0.8, 1.2, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.c_[radius * np.cos(angle), radius * np.sin(angle)].astype(np.float32)
    return x, inner.astype(np.float32)


@pytest.fixture
def rings():
    return ring_data()


@pytest.fixture(scope="session")
def keras():
    import keras as real_keras

    return real_keras
