"""twoclass: neural-network binary classification.

A Keras-style API (`Sequential`, `Dense`, `compile`, `fit`, ...) and a scikit-learn estimator
(`TwoClassClassifier`), both on one compiled JAX engine. Submodules mirror Keras: `twoclass.models`,
`twoclass.layers`, `twoclass.optimizers`, `twoclass.losses`, `twoclass.metrics`, `twoclass.callbacks`, ...

Importing twoclass is cheap: JAX and scikit-learn load when first needed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "activations",
    "distribute",
    "spark",
    "streaming",
    "sweeps",
    "tf",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "plots",
    "regularizers",
    "utils",
    "data",
    "threshold",
    "calibration",
    "report",
    "inference",
    "io",
    "sklearn",
    "onnx",
}
_ATTRIBUTES = {
    "Sequential": "models",
    "Model": "models",
    "load_model": "models",
    "model_from_json": "models",
    "Input": "layers",
    "InputLayer": "layers",
    "Dense": "layers",
    "Dropout": "layers",
    "Activation": "layers",
    "BatchNormalization": "layers",
    "Normalization": "layers",
    "GaussianNoise": "layers",
    "SGD": "optimizers",
    "Adam": "optimizers",
    "AdamW": "optimizers",
    "RMSprop": "optimizers",
    "Adagrad": "optimizers",
    "History": "callbacks",
    "EarlyStopping": "callbacks",
    "TwoClassClassifier": "sklearn",
    "fit_seeds": "keras.seeds",
    "set_random_seed": "utils",
    "sweep": "sweeps",
    "DataParallel": "distribute",
}

__all__ = sorted(_SUBMODULES | set(_ATTRIBUTES))


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _ATTRIBUTES:
        return getattr(importlib.import_module(f"{__name__}.{_ATTRIBUTES[name]}"), name)
    raise AttributeError(f"module 'twoclass' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
