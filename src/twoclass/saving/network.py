"""A Keras-style network as the record a model directory stores ({'architecture', 'weights'}), and back.

The architecture is Keras 3's model config (`twoclass.keras.config`); the weights are named `layers.<i>.<weight>`
as `twoclass.saving.model_dir` lays them out. `load_model` is `twoclass.models.load_model`: a model directory or a
`.keras` file.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from twoclass.keras import config as keras_config
from twoclass.keras import loading
from twoclass.keras.archive import require_built
from twoclass.keras.layers import Normalization
from twoclass.saving import model_dir as fmt


def network_record(model) -> dict[str, Any]:
    """A Keras-style model as {'architecture': Keras config dict, 'weights': {name: array}}."""
    require_built(model, "save")
    architecture = keras_config.model_config(model)
    names = [name for name, _, _ in fmt.weight_specs(architecture)]
    arrays = model.get_weights()
    if len(names) != len(arrays):
        raise ValueError(
            f"Model '{model.name}' has {len(arrays)} weight arrays but its architecture describes "
            f"{len(names)}; it cannot be saved as a model directory."
        )
    weights = {}
    for (name, shape, dtype), array in zip(fmt.weight_specs(architecture), arrays):
        weights[name] = np.asarray(array, dtype=dtype).reshape(shape)
    return {"architecture": architecture, "weights": weights}


def network_from_record(record: dict[str, Any], compile: bool = True):
    """Rebuild the Keras-style model from network_record output (or a read model directory)."""
    architecture, weights = record["architecture"], record["weights"]
    model = loading.model_from_config(architecture)
    specs = fmt.layer_specs(architecture)
    for layer, (_spec, own) in zip(model.layers, fmt.iter_layer_weights(specs, weights)):
        if isinstance(layer, Normalization):  # building needs its statistics; the stored ones are the truth
            layer.mean, layer.variance = np.asarray(own["mean"]), np.asarray(own["variance"])
    compile_config = architecture.get("compile_config")
    if compile and compile_config:
        keras_config.compile_from_config(model, compile_config)
    model.build()
    model.set_weights([weights[name] for name, _, _ in fmt.weight_specs(architecture)])
    return model


def network_from_dir(record: fmt.ModelDir, path: Any, compile: bool = True):
    """The network of a read model directory; a record that cannot be rebuilt is reported as damaged."""
    try:
        return network_from_record(
            {"architecture": record.meta["architecture"], "weights": record.weights}, compile=compile
        )
    except (KeyError, TypeError, ValueError) as error:
        raise fmt.damaged(os.fspath(path), f"its network cannot be rebuilt ({error})") from None


def load_model_dir(path: Any, compile: bool = True):
    """The Keras-style network stored in a model directory (for a classifier, its ``model_``).

    Example:
        >>> model = load_model_dir("model")  # doctest: +SKIP
        >>> model.predict(x)  # doctest: +SKIP
    """
    return network_from_dir(fmt.read_model_dir(path), path, compile)


def save_network_dir(model, path: Any, meta: dict[str, Any], kind: str) -> str:
    """Write `model` and the JSON `meta` beside it as a model directory of the given kind (atomically)."""
    record = network_record(model)
    head = {
        "format": fmt.FORMAT,
        "format_version": fmt.FORMAT_VERSION,
        "kind": kind,
        "architecture": record["architecture"],
        "weights": [{"name": n, "shape": list(s), "dtype": d} for n, s, d in fmt.weight_specs(record["architecture"])],
        "versions": _versions(),
    }
    return fmt.write_model_dir(path, {**head, **meta}, record["weights"])


def _versions() -> dict[str, str]:
    import importlib.metadata as metadata

    from twoclass import __version__

    out = {"twoclass": __version__}
    for package in ("numpy", "jax", "scikit-learn", "pandas", "safetensors"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return out


def load_model(filepath, custom_objects=None, compile: bool = True):
    """Load a `.keras` file (written by twoclass or by Keras 3) or a twoclass model directory.

    Example:
        >>> model = load_model("rings.keras")  # doctest: +SKIP
    """
    if isinstance(filepath, (str, os.PathLike)) and os.path.isdir(filepath):
        if os.path.exists(os.path.join(filepath, fmt.JSON_FILE)):
            return load_model_dir(filepath, compile=compile)
        raise ValueError(
            f"'{os.fspath(filepath)}' is a folder without a {fmt.JSON_FILE}, so it is not a twoclass "
            "model folder. load_model reads '.keras' files and folders written by twoclass.io."
        )
    return loading.load_model(filepath, compile=compile)


def model_from_json(json_string: str, custom_objects=None):
    """A new, untrained model from a JSON config written by twoclass or by Keras 3 (`model.to_json()`)."""
    return loading.model_from_json(json_string)
