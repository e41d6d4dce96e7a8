"""Mirrors `keras.models`."""

from ._model import Model, Sequential


def load_model(filepath, custom_objects=None, compile: bool = True):
    """Load a `.keras` file (written by twoclass or by Keras 3) or a twoclass model directory."""
    from ._saving import load_model as _load

    return _load(filepath, compile=compile)


def model_from_json(json_string: str, custom_objects=None):
    from ._saving import model_from_json as _from_json

    return _from_json(json_string)


__all__ = ["Model", "Sequential", "load_model", "model_from_json"]
