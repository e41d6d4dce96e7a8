"""Mirrors `keras.metrics`, for two-class problems."""

from twoclass.keras.metrics import (
    AUC,
    BinaryAccuracy,
    BinaryCrossentropy,
    F1Score,
    FalseNegatives,
    FalsePositives,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
    get,
)

__all__ = [
    "AUC",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "F1Score",
    "FalseNegatives",
    "FalsePositives",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "Recall",
    "TrueNegatives",
    "TruePositives",
    "get",
]
