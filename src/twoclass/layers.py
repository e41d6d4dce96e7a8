"""Mirrors `keras.layers`."""

from twoclass.keras.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    GaussianNoise,
    Input,
    InputLayer,
    Layer,
    Normalization,
)

__all__ = [
    "Activation",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "GaussianNoise",
    "Input",
    "InputLayer",
    "Layer",
    "Normalization",
]
