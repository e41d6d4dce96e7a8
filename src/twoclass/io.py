"""Model directories: one folder per model, no pickle.

    model/
      twoclass.json          architecture (Keras layer configs), preprocessing, label mapping, threshold,
                             calibration, training history, seed, library versions, format version
      weights.safetensors    the network's weights (safetensors.numpy), named layers.<i>.<weight>

`save_model_dir` writes the folder atomically (a temporary folder next to it takes its place only once complete;
a crash mid-save leaves the old model as it was). `load_model_dir` returns the Keras-style network (what
`twoclass.models.load_model("model/")` gives); `load` returns a TwoClassClassifier, or a bare Sequential when the
folder holds only a Keras-style model. A damaged folder raises one ValueError saying what is wrong.

Example:
    >>> save_model_dir(clf, "titanic_model")          # doctest: +SKIP
    >>> load("titanic_model").predict(df.head())        # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import _model_format as fmt

__all__ = ["load", "load_model_dir", "save_model_dir"]


# ------------------------------------------------------------------------------------------------ networks


def network_record(model) -> dict[str, Any]:
    """A Keras-style model as {'architecture': Keras config dict, 'weights': {name: array}}."""
    from . import _keras_format
    from ._saving import _require_built

    _require_built(model, "save")
    architecture = _keras_format.model_config(model)
    names = [name for name, _, _ in fmt.weight_specs(architecture)]
    arrays = model.get_weights()
    if len(names) != len(arrays):
        raise ValueError(f"Model '{model.name}' has {len(arrays)} weight arrays but its architecture describes "
                         f"{len(names)}; it cannot be saved as a model directory.")
    weights = {}
    for (name, shape, dtype), array in zip(fmt.weight_specs(architecture), arrays):
        weights[name] = np.asarray(array, dtype=dtype).reshape(shape)
    return {"architecture": architecture, "weights": weights}


def network_from_record(record: dict[str, Any], compile: bool = True):
    """Rebuild the Keras-style model from network_record output (or a read model directory)."""
    from . import _keras_format
    from ._layers import Normalization

    architecture, weights = record["architecture"], record["weights"]
    model = _keras_format.model_from_config(architecture)
    specs = fmt.layer_specs(architecture)
    for layer, (spec, own) in zip(model.layers, fmt.iter_layer_weights(specs, weights)):
        if isinstance(layer, Normalization):  # building needs its statistics; the stored ones are the truth
            layer.mean, layer.variance = np.asarray(own["mean"]), np.asarray(own["variance"])
    compile_config = architecture.get("compile_config")
    if compile and compile_config:
        _keras_format.compile_from_config(model, compile_config)
    model.build()
    model.set_weights([weights[name] for name, _, _ in fmt.weight_specs(architecture)])
    return model


def _versions() -> dict[str, str]:
    import importlib.metadata as metadata

    from . import __version__

    out = {"twoclass": __version__}
    for package in ("numpy", "jax", "scikit-learn", "pandas", "safetensors"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return out


# ------------------------------------------------------------------------------------------------ saving


def save_model_dir(estimator_or_model: Any, path: Any) -> str:
    """Save a fitted TwoClassClassifier or a built Keras-style model to the directory ``path`` (atomically).

    Example:
        >>> save_model_dir(clf, "model")  # doctest: +SKIP
        '/abs/path/model'
    """
    from ._model import Sequential
    from .sklearn import TwoClassClassifier

    if isinstance(estimator_or_model, TwoClassClassifier):
        from ._estimator_state import estimator_meta

        meta, network = estimator_meta(estimator_or_model)
        kind = "classifier"
    elif isinstance(estimator_or_model, Sequential):
        meta, network, kind = {}, estimator_or_model, "model"
    else:
        raise TypeError("The 'estimator_or_model' argument of save_model_dir must be a fitted TwoClassClassifier or "
                        f"a twoclass Sequential/Model. Got {type(estimator_or_model).__name__} instead.")
    record = network_record(network)
    head = {"format": fmt.FORMAT, "format_version": fmt.FORMAT_VERSION, "kind": kind,
            "architecture": record["architecture"],
            "weights": [{"name": n, "shape": list(s), "dtype": d}
                        for n, s, d in fmt.weight_specs(record["architecture"])],
            "versions": _versions()}
    return fmt.write_model_dir(path, {**head, **meta}, record["weights"])


# ------------------------------------------------------------------------------------------------ loading


def load_model_dir(path: Any, compile: bool = True):
    """The Keras-style network stored in a model directory (for a classifier, its ``model_``).

    Example:
        >>> model = load_model_dir("model")  # doctest: +SKIP
        >>> model.predict(x)  # doctest: +SKIP
    """
    record = fmt.read_model_dir(path)
    return _network(record, path, compile)


def _network(record: fmt.ModelDir, path: Any, compile: bool = True):
    try:
        return network_from_record({"architecture": record.meta["architecture"], "weights": record.weights},
                                   compile=compile)
    except (KeyError, TypeError, ValueError) as error:
        raise fmt.damaged(os.fspath(path), f"its network cannot be rebuilt ({error})") from None


def load(path: Any):
    """A TwoClassClassifier from a directory written by save_model_dir (or a Sequential for a bare model).

    Example:
        >>> clf = load("model")  # doctest: +SKIP
        >>> clf.predict(new_rows)  # doctest: +SKIP
    """
    record = fmt.read_model_dir(path)
    kind = record.meta.get("kind")
    if kind == "model":
        return _network(record, path)
    if kind != "classifier":
        raise fmt.damaged(os.fspath(path), f"its kind is {kind!r}; expected 'classifier' or 'model'")
    from ._estimator_state import estimator_from_meta

    network = _network(record, path, compile=False)
    try:
        return estimator_from_meta(record.meta, network)
    except (KeyError, TypeError, ValueError) as error:
        raise fmt.damaged(os.fspath(path), f"{fmt.JSON_FILE} is inconsistent ({error})") from None
