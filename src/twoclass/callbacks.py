"""Mirrors `keras.callbacks`."""

from ._callbacks import (CSVLogger, Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint,
                         ReduceLROnPlateau, TerminateOnNaN)

__all__ = ["CSVLogger", "Callback", "EarlyStopping", "History", "LambdaCallback", "ModelCheckpoint",
           "ReduceLROnPlateau", "TerminateOnNaN"]
