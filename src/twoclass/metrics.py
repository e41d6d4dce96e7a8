"""Mirrors `keras.metrics`, for two-class problems."""

from ._metrics import (AUC, BinaryAccuracy, BinaryCrossentropy, F1Score, FalseNegatives, FalsePositives,
                       MeanAbsoluteError, MeanSquaredError, Metric, Precision, Recall, TrueNegatives, TruePositives,
                       get)

__all__ = ["AUC", "BinaryAccuracy", "BinaryCrossentropy", "F1Score", "FalseNegatives", "FalsePositives",
           "MeanAbsoluteError", "MeanSquaredError", "Metric", "Precision", "Recall", "TrueNegatives",
           "TruePositives", "get"]
