"""Keras's legacy HDF5 model file (`model.save("model.h5")`, `load_model("model.h5")`), as Keras 3 still writes and
reads it (with a warning that the format is legacy).

The layout, checked against files Keras 3.15 saved: root attributes `keras_version`, `backend`, `model_config` (the
JSON of `{"class_name": ..., "config": model.get_config()}`) and `training_config` (compile's settings with an
`optimizer_config`); a group `model_weights` whose attribute `layer_names` lists every layer in model order, and one
group per layer (sorted by name) whose attribute `weight_names` lists each variable's path (`sequential/dense/kernel`),
stored at that path inside the group. Optimizer variables (`optimizer_weights`) are neither written nor read: a model
loaded from such a file resumes training with a fresh optimizer state, as Keras's `include_optimizer=False` files do.

>>> model.save("pima.h5")                  # keras.models.load_model("pima.h5") reads it, and the reverse
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from twoclass.keras import config as fmt
from twoclass.keras import weights_h5 as weights_fmt

KERAS_VERSION = "3.15.1"  # the release whose layout this reproduces


def is_legacy_model_path(path: str) -> bool:
    """A `.h5` / `.hdf5` name that is not a `.weights.h5` file: Keras 3 saves a whole model there (legacy format)."""
    return path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5")


def write(model, h5file) -> None:
    """The legacy file's contents, into an open h5py File."""
    full = fmt.model_config(model)
    compiled = full.pop("compile_config", None) or {}
    h5file.attrs["keras_version"] = KERAS_VERSION
    h5file.attrs["backend"] = "jax"
    h5file.attrs["model_config"] = json.dumps({"class_name": full["class_name"], "config": full["config"]})
    if compiled:
        training = {k: v for k, v in compiled.items() if k != "optimizer"}
        optimizer = compiled["optimizer"]
        training["optimizer_config"] = {"class_name": optimizer["class_name"], "config": optimizer["config"]}
        h5file.attrs["training_config"] = json.dumps(training)
    group = h5file.create_group("model_weights")
    group.attrs["layer_names"] = _names([layer.name for layer in model.layers])
    group.attrs["backend"] = b"jax"
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    per_layer = dict(zip((layer.name for layer in model.layers), weights_fmt.layer_weights(model)))
    for layer in sorted(model.layers, key=lambda item: item.name):
        layer_group = group.create_group(layer.name)
        paths = [f"{model.name}/{layer.name}/{name}" for name in _variable_names(layer, per_layer[layer.name])]
        layer_group.attrs["weight_names"] = _names(paths)
        for path, value in zip(paths, per_layer[layer.name]):
            layer_group.create_dataset(path, data=np.asarray(value))
    top = group.create_group("top_level_model_weights")
    top.attrs["weight_names"] = np.array([], dtype=np.float64)


def _names(names: list[str]) -> np.ndarray:
    """Names as Keras stores them: fixed-length bytes (an empty list is an empty float array, as NumPy makes it)."""
    return np.array([n.encode("utf8") for n in names]) if names else np.array([], dtype=np.float64)


def _variable_names(layer, arrays: list) -> list[str]:
    kind = type(layer).__name__
    if kind == "Dense":
        return ["kernel", "bias"][: len(arrays)]
    if kind == "BatchNormalization":
        names = (["gamma"] if layer.scale else []) + (["beta"] if layer.center else [])
        return names + ["moving_mean", "moving_variance"]
    if kind == "Normalization":
        return ["mean", "variance", "count"]
    return [f"variable_{i}" for i in range(len(arrays))]


def is_legacy_model_file(h5file) -> bool:
    return "model_config" in h5file.attrs and "model_weights" in h5file


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def model_config(h5file) -> dict[str, Any]:
    return json.loads(_text(h5file.attrs["model_config"]))


def training_config(h5file) -> dict[str, Any] | None:
    if "training_config" not in h5file.attrs:
        return None
    training = json.loads(_text(h5file.attrs["training_config"]))
    compiled = {k: v for k, v in training.items() if k != "optimizer_config"}
    if "optimizer_config" in training:
        compiled["optimizer"] = training["optimizer_config"]
    return compiled


def layer_arrays(h5file, model, shown: str) -> list[list[np.ndarray]]:
    """Each of the model's layers' saved arrays, matched in order to the file's layers that hold weights (Keras's
    topological loading)."""
    group = h5file["model_weights"] if "model_weights" in h5file else h5file
    names = [_text(n) for n in group.attrs.get("layer_names", [])]
    saved = []
    for name in names:
        weight_names = [_text(n) for n in group[name].attrs.get("weight_names", [])]
        if weight_names:
            saved.append([np.asarray(group[name][w]) for w in weight_names])
    with_weights = [index for index, layer in enumerate(model.layers) if layer.n_keras_weights()]
    if len(saved) != len(with_weights):
        raise ValueError(
            f"{shown} holds weights for {len(saved)} layers, but model '{model.name}' has {len(with_weights)} layers "
            "with weights. The file was saved from a model with another architecture."
        )
    per_layer: list[list[np.ndarray]] = [[] for _ in model.layers]
    for index, arrays in zip(with_weights, saved):
        per_layer[index] = arrays
    return per_layer


def check_readable(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"File not found: '{path}'.")
