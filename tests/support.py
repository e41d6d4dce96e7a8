"""Data and models that several test modules share (importable as `support`: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import twoclass
from twoclass.layers import BatchNormalization, Dense, Dropout, Input, Normalization


def ring_data(n: int = 400, seed: int = 0):
    """Two noisy concentric rings: inner = 1, outer = 0 (the slides' red and blue circles)."""
    rng = np.random.default_rng(seed)
    inner = np.arange(n) % 2 == 0
    radius = np.where(inner, rng.uniform(0.0, 0.5, n), rng.uniform(0.8, 1.2, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.c_[radius * np.cos(angle), radius * np.sin(angle)].astype(np.float32)
    return x, inner.astype(np.float32)


def mixed_frame(n=160, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(1, 80, n)),
            "port": rng.choice(["S", "C", "Q"], n),
            "fare": rng.exponential(30, n),
        }
    )
    y = np.where((df["port"] == "C") | (df["age"].fillna(30) < 15), "yes", "no")
    return df, y


def random_network(seed=0, n_in=4):
    """A bare Keras-style network with every kind of stored layer and non-trivial weights."""
    rng = np.random.default_rng(seed)
    model = twoclass.Sequential(
        [
            Input(shape=(n_in,)),
            Normalization(mean=rng.normal(size=n_in), variance=rng.uniform(0.5, 2, n_in)),
            Dense(6, activation="tanh"),
            BatchNormalization(),
            Dropout(0.3),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=twoclass.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.build()
    weights = []
    for w in model.get_weights():
        if w.dtype.kind == "i":
            weights.append(np.asarray(50, np.int64))
        else:
            weights.append(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
    model.set_weights(weights)
    return model


ACTIVATIONS = [
    "linear",
    "relu",
    "relu6",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "elu",
    "selu",
    "gelu",
    "swish",
    "silu",
    "softplus",
    "softsign",
    "leaky_relu",
    "exponential",
    "mish",
]
