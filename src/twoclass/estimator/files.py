"""Model directories for both kinds of model: a fitted TwoClassClassifier or a Keras-style network.

    model/
      twoclass.json          architecture (Keras layer configs), preprocessing, label mapping, threshold,
                             calibration, training history, seed, library versions, format version
      weights.safetensors    the network's weights (safetensors.numpy), named layers.<i>.<weight>

`save_model_dir` writes the folder atomically (`twoclass.saving.model_dir`); `load` returns a TwoClassClassifier, or
a bare Sequential when the folder holds only a Keras-style model. A damaged folder raises one ValueError saying what
is wrong. These are `twoclass.io`'s functions.

Example:
    >>> save_model_dir(clf, "titanic_model")          # doctest: +SKIP
    >>> load("titanic_model").predict(df.head())        # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from twoclass.estimator.classifier import TwoClassClassifier
from twoclass.estimator.state import estimator_meta
from twoclass.saving import model_dir
from twoclass.saving.network import network_from_dir, save_network_dir


def save_model_dir(estimator_or_model: Any, path: Any) -> str:
    """Save a fitted TwoClassClassifier or a built Keras-style model to the directory ``path`` (atomically).

    Example:
        >>> save_model_dir(clf, "model")  # doctest: +SKIP
        '/abs/path/model'
    """
    from twoclass.keras.model import Sequential  # JAX loads here, not when the estimator is imported

    if isinstance(estimator_or_model, TwoClassClassifier):
        meta, network = estimator_meta(estimator_or_model)
        return save_network_dir(network, path, meta, kind="classifier")
    if isinstance(estimator_or_model, Sequential):
        return save_network_dir(estimator_or_model, path, {}, kind="model")
    raise TypeError(
        "The 'estimator_or_model' argument of save_model_dir must be a fitted TwoClassClassifier or "
        f"a twoclass Sequential/Model. Got {type(estimator_or_model).__name__} instead."
    )


def load(path: Any):
    """A TwoClassClassifier from a directory written by save_model_dir (or a Sequential for a bare model).

    Example:
        >>> clf = load("model")  # doctest: +SKIP
        >>> clf.predict(new_rows)  # doctest: +SKIP
    """
    record = model_dir.read_model_dir(path)
    kind = record.meta.get("kind")
    if kind == "model":
        return network_from_dir(record, path)
    if kind != "classifier":
        raise model_dir.damaged(os.fspath(path), f"its kind is {kind!r}; expected 'classifier' or 'model'")
    return TwoClassClassifier.load(path)
