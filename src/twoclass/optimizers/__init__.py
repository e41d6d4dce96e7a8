"""Mirrors `keras.optimizers` (and `keras.optimizers.schedules`)."""

from twoclass.keras.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, get
from twoclass.optimizers import schedules

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "schedules"]
