"""Models rebuilt from Keras 3's formats: a config dict, a JSON string, a `.keras` archive.

This sits above `model` (it creates Sequential and Model objects), so the layers, configs and archives below it
never import the model classes.
"""

from __future__ import annotations

import json
import os

from twoclass.keras import archive, legacy_h5
from twoclass.keras import config as fmt
from twoclass.keras import weights_h5 as weights_fmt
from twoclass.keras.config import UnsupportedModel, layer_from_entry
from twoclass.keras.model import Model, Sequential


def model_from_config(config: dict):
    """A twoclass Sequential (or functional Model) from a Keras model config dict, without compiling it."""
    class_name = config.get("class_name")
    inner = config.get("config") or {}
    if class_name not in ("Sequential", "Functional", "Model"):
        raise UnsupportedModel(
            f"The config describes a {class_name!r} model; twoclass loads Keras 'Sequential' and 'Functional' models."
        )
    fmt.check_classes(list(inner.get("layers", [])))
    if class_name == "Sequential":
        entries = list(inner.get("layers", []))
        model = Sequential(name=inner.get("name"))
    else:
        entries = fmt.chain_entries(inner)
        model = Model(name=inner.get("name"))
    for entry in entries:
        model.add(layer_from_entry(entry))
    build_shape = inner.get("build_input_shape") or (config.get("build_config") or {}).get("input_shape")
    if model.input_dim is None and build_shape and len(build_shape) == 2 and build_shape[1]:
        model.declare_input_dim(int(build_shape[1]))
    return model


def model_from_json(json_string: str):
    """A new, untrained twoclass model from a JSON config written by twoclass or by Keras 3.

    >>> model = model_from_json(keras_model.to_json())
    """
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(
            f"The 'json_string' parameter of model_from_json must be a str. Got {type(json_string).__name__} instead."
        )
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The 'json_string' parameter of model_from_json must be a JSON model config. It is not "
            f"valid JSON ({error})."
        ) from None
    if not isinstance(config, dict):
        raise ValueError(
            "The 'json_string' parameter of model_from_json must be a JSON object describing a model. "
            f"Got a JSON {type(config).__name__} instead."
        )
    return model_from_config(_outer(config))


def _outer(config: dict) -> dict:
    # Also accept the inner dict that get_config() returns.
    if "class_name" not in config and "layers" in config:
        kind = "Functional" if "input_layers" in config else "Sequential"
        return {"class_name": kind, "config": config}
    return config


def _load_legacy_h5(path: str, compile: bool):
    """A legacy `.h5` model file, as Keras 3's `load_model` reads it (architecture, weights, compile settings)."""
    with archive.open_h5(path, f"'{path}'") as h5file:
        if not legacy_h5.is_legacy_model_file(h5file):
            raise ValueError(
                f"'{path}' is an HDF5 file without a model in it (a weights file?): load it with "
                "model.load_weights(path) into a model of the same architecture."
            )
        try:
            model = model_from_config(legacy_h5.model_config(h5file))
        except fmt.UnsupportedModel as error:
            raise ValueError(f"'{path}' cannot be loaded by twoclass. {error}") from None
        archive.require_built(model, "load")
        archive.apply_weights(model, legacy_h5.layer_arrays(h5file, model, f"'{path}'"), h5file, f"'{path}'")
        compile_settings = legacy_h5.training_config(h5file)
    if compile and compile_settings:
        try:
            fmt.compile_from_config(model, compile_settings)
        except fmt.UnsupportedModel as error:
            raise ValueError(f"'{path}': {error}") from None
    return model


def load_model(filepath, compile: bool = True):
    """Load a `.keras` file written by twoclass or by Keras 3 (model folders: `twoclass.models.load_model`).

    >>> model = load_model("rings.keras")
    >>> model.predict(x)
    """
    path = archive.fspath_of(filepath, "load_model")
    if os.path.isdir(path):
        raise ValueError(
            f"'{path}' is a folder, not a '.keras' file. Read twoclass model folders with "
            "twoclass.models.load_model or twoclass.io.load."
        )
    if not os.path.exists(path):
        raise archive.FileMissing(
            f"File not found: '{path}'. load_model reads '.keras' files (model.save('name.keras'))."
        )
    if archive.is_hdf5(path):
        return _load_legacy_h5(path, compile)
    config, weights = archive.read_archive(path)
    try:
        model = model_from_config(config)
    except fmt.UnsupportedModel as error:
        raise ValueError(f"'{path}' cannot be loaded by twoclass. {error}") from None
    with archive.open_h5(weights, path) as h5file:
        archive.apply_weights(model, weights_fmt.read_layer_weights(model, h5file), h5file, f"'{path}'")
        iterations = weights_fmt.saved_iterations(h5file)
    compile_settings = config.get("compile_config")
    if compile and compile_settings:
        try:
            fmt.compile_from_config(model, compile_settings)
        except fmt.UnsupportedModel as error:
            raise ValueError(f"'{path}': {error}") from None
        if iterations is not None:
            model.optimizer.iterations = iterations
    return model
