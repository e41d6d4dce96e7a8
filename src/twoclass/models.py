"""Mirrors `keras.models`."""

from twoclass.keras.model import Model, Sequential
from twoclass.saving.network import load_model, model_from_json

__all__ = ["Model", "Sequential", "load_model", "model_from_json"]
