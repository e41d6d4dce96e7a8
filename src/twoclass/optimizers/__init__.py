"""Mirrors `keras.optimizers` (and `keras.optimizers.schedules`)."""

from .._optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, get
from . import schedules

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "schedules"]
