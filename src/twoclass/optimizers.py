"""Mirrors `keras.optimizers` (and `keras.optimizers.schedules`)."""

from . import _schedules as schedules
from ._optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, get

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "schedules"]
