"""Predicting from a model directory with NumPy only: JAX is never imported.

`load(path)` reads `twoclass.json` and `weights.safetensors` and returns a `Predictor`. It runs the stored
preprocessing (pandas and scikit-learn transformers rebuilt from JSON) and the network's forward pass in NumPy
(Dense and activations, Dropout and GaussianNoise as the identity, BatchNormalization and Normalization with
their inference formulas), then the calibrator and the stored threshold. Its probabilities match the JAX model's
to within 1e-5. Suited to servers and batch jobs that should not start JAX, and to one row at a time.

Example:
    >>> predictor = load("titanic_model")  # doctest: +SKIP
    >>> predictor.predict_records([{"Pclass": 3, "Sex": "male", "Age": 22}])  # doctest: +SKIP
    [{'label': 0, 'probability': 0.11}]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from scipy.special import erf, expit

from twoclass.calibration import calibrated_logits, calibrator_from_dict
from twoclass.core.arrays import row_block
from twoclass.saving import model_dir as fmt

__all__ = ["Predictor", "load", "forward"]


def _softplus(x):
    return np.logaddexp(0.0, x)


def _selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": expit,
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0, 6) / 6.0,
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": _selu,
    "gelu": lambda x: 0.5 * x * (1.0 + erf(x / np.sqrt(2.0))),
    "swish": lambda x: x * expit(x),
    "silu": lambda x: x * expit(x),
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


def _activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    if name not in ACTIVATIONS:
        raise ValueError(f"The activation {name!r} is not supported by the NumPy inference path.")
    return ACTIVATIONS[name]


def forward(
    specs: list[fmt.LayerSpec], weights: Mapping[str, np.ndarray], x: np.ndarray, *, logits: bool = False
) -> np.ndarray:
    """The network's output for rows x, shape (n,), in float64. With ``logits``, a final sigmoid is left out
    (what `Sequential.predict_logits` returns); otherwise it is the model's output (`Sequential.predict`).

    Example:
        >>> forward(layer_specs(arch), weights, np.zeros((1, 3)))  # doctest: +SKIP
        array([0.5])
    """
    return _run(_float64_layers(specs, weights), x, logits)


def _float64_layers(specs: list[fmt.LayerSpec], weights: Mapping[str, np.ndarray]) -> list[tuple[fmt.LayerSpec, dict]]:
    return [
        (spec, {k: np.asarray(v, np.float64) for k, v in own.items()})
        for spec, own in fmt.iter_layer_weights(specs, weights)
    ]


def _run(layers: list[tuple[fmt.LayerSpec, dict]], x: np.ndarray, logits: bool) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    block = row_block(x.shape[1])
    out = np.empty(x.shape[0], dtype=np.float64)
    for start in range(0, x.shape[0], block):
        part = x[start : start + block]
        if part.shape[0] < block:  # the last block padded to full size: the same shapes as every other block
            part = np.concatenate([part, np.zeros((block - part.shape[0], x.shape[1]))])
        out[start : start + block] = _run_block(layers, part, logits)[: min(block, x.shape[0] - start)]
    return out


def _run_block(layers: list[tuple[fmt.LayerSpec, dict]], x: np.ndarray, logits: bool) -> np.ndarray:
    h = x
    last = len(layers) - 1
    for spec, w in layers:
        name, cfg = spec.class_name, spec.config
        final_linear = logits and spec.index == last and cfg.get("activation") == "sigmoid"
        if name == "Dense":
            h = h @ w["kernel"] + (w["bias"] if "bias" in w else 0.0)
            h = h if final_linear else _activation(cfg["activation"])(h)
        elif name == "Activation":
            h = h if final_linear else _activation(cfg["activation"])(h)
        elif name == "BatchNormalization":
            h = (h - w["moving_mean"]) / np.sqrt(w["moving_variance"] + float(cfg.get("epsilon", 1e-3)))
            h = h * w["gamma"] if "gamma" in w else h
            h = h + w["beta"] if "beta" in w else h
        elif name == "Normalization":
            h = (h - w["mean"]) / np.maximum(np.sqrt(w["variance"]), 1e-7)
        # Dropout and GaussianNoise do nothing at inference.
    return h[:, 0]


class Predictor:
    """A loaded model directory, predicting with NumPy. Built by `load(path)`.

    Attributes: classes_ ([negative, positive]), threshold (the stored decision threshold), columns (the input
    columns the model reads; None for a bare network), meta (the whole twoclass.json record).
    """

    def __init__(self, record: fmt.ModelDir) -> None:
        self.meta = record.meta
        self._specs = fmt.layer_specs(record.meta["architecture"])
        self._layers = _float64_layers(self._specs, record.weights)  # once: a one-row call is mostly overhead
        self.n_inputs = self._specs[0].input_dim
        self._classifier = record.meta.get("kind") == "classifier"
        if self._classifier:
            self._init_classifier(record.meta)
        else:
            self.preprocessor, self.calibrator, self.columns, self.input_kind = None, None, None, "array"
            self.classes_ = np.array([0, 1])
            self.threshold = 0.5

    def _init_classifier(self, meta: dict[str, Any]) -> None:
        from twoclass.data import LabelEncoding, Preprocessor

        self.preprocessor = Preprocessor.from_dict(meta["preprocessing"])
        if self.preprocessor.n_features_out_ != self.n_inputs:
            raise ValueError(
                f"The preprocessing gives {self.preprocessor.n_features_out_} features but the network "
                f"takes {self.n_inputs}."
            )
        self.calibrator = None if meta["calibration"] is None else calibrator_from_dict(meta["calibration"])
        self.columns = list(meta["input"]["columns"])
        self.input_kind = meta["input"]["kind"]
        self.classes_ = np.array(LabelEncoding.from_dict(meta["labels"]).classes)
        self.threshold = float(meta["threshold"]["value"])

    # ------------------------------------------------------------------------------------------------ features
    def _features(self, X: Any) -> np.ndarray:
        if not self._classifier:
            x = np.asarray(X, dtype=np.float64)
            if x.ndim != 2 or x.shape[1] != self.n_inputs:
                raise ValueError(
                    f"The 'X' argument of Predictor.predict_proba must have shape (n, {self.n_inputs}). "
                    f"Got shape {x.shape} instead."
                )
            return x
        import pandas as pd

        if isinstance(X, pd.DataFrame):
            frame = X
        else:
            array = np.asarray(X, dtype=np.float64 if self.input_kind == "array" else object)
            if array.ndim != 2 or array.shape[1] != len(self.columns):
                raise ValueError(
                    f"The 'X' argument of Predictor.predict_proba must be a DataFrame or a 2-D array with "
                    f"{len(self.columns)} columns. Got shape {array.shape} instead."
                )
            frame = pd.DataFrame(array, columns=self.columns)
        if self.input_kind == "array" and isinstance(X, pd.DataFrame):
            frame = pd.DataFrame(X.to_numpy(dtype=np.float64), columns=self.columns)
        return self.preprocessor.transform(frame)

    def _logits(self, x: np.ndarray) -> np.ndarray:
        return calibrated_logits(self.calibrator, _run(self._layers, x, logits=True))

    # ------------------------------------------------------------------------------------------------ predict
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities (n, 2) in the order of classes_, as TwoClassClassifier.predict_proba gives them.
        For a bare Keras-style network, column 1 is the network's output (model.predict)."""
        x = self._features(X)
        p = expit(self._logits(x)) if self._classifier else _run(self._layers, x, logits=False)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The labels: positive where the probability is >= the stored threshold."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold).astype(np.int64)]

    def predict_records(self, records: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Rows given as dicts (column -> value), as a server receives them; returns one dict per row with the
        'label' and the positive class's 'probability'.

        Example:
            >>> predictor.predict_records({"age": 30, "sex": "female"})  # doctest: +SKIP
            [{'label': 'yes', 'probability': 0.81}]
        """
        if not self._classifier:
            raise ValueError(
                "predict_records needs a model directory saved from a TwoClassClassifier (it has the "
                "column names); this one holds a bare network. Use predict_proba with an array."
            )
        rows = [records] if isinstance(records, Mapping) else list(records)
        x = self.preprocessor.transform_records(rows)
        p = expit(self._logits(x))
        labels = self.classes_[(p >= self.threshold).astype(np.int64)]
        return [
            {"label": label.item() if hasattr(label, "item") else label, "probability": float(prob)}
            for label, prob in zip(labels, p)
        ]

    def __repr__(self) -> str:
        kind = "classifier" if self._classifier else "network"
        return f"Predictor({kind}, {self.n_inputs} network inputs, classes={self.classes_.tolist()})"


def load(path: Any) -> Predictor:
    """Read a model directory for NumPy-only prediction (no JAX import).

    Example:
        >>> load("model").predict_proba(rows)  # doctest: +SKIP
    """
    record = fmt.read_model_dir(path)
    try:
        return Predictor(record)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise fmt.damaged(path, fmt.in_file(error)) from None
