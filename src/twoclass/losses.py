"""Mirrors `keras.losses`."""

from twoclass.keras.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    binary_crossentropy,
    get,
    mean_squared_error,
)

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "binary_crossentropy",
    "get",
    "mean_squared_error",
]
