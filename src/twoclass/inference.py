"""Predicting from a model directory with NumPy only: JAX is never imported.

`load(path)` reads `twoclass.json` and `weights.safetensors` and returns a `Predictor`. It runs the stored
preprocessing (pandas and scikit-learn transformers rebuilt from JSON) and the network's forward pass in NumPy
(Dense and activations, Dropout and GaussianNoise as the identity, BatchNormalization and Normalization with
their inference formulas), then the calibrator and the stored threshold. Its probabilities match the JAX model's
to within 1e-5. Suited to servers and batch jobs that should not start JAX, and to one row at a time. It stays small:
SciPy only for a calibrated model or a gelu layer; a classifier fitted on a numeric array predicts arrays without
pandas or scikit-learn (`NumericRows`); DataFrames and records go through the full `Preprocessor`.

Example:
    >>> predictor = load("titanic_model")  # doctest: +SKIP
    >>> predictor.predict_records([{"Pclass": 3, "Sex": "male", "Age": 22}])  # doctest: +SKIP
    [{'label': 0, 'probability': 0.11}]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from twoclass.saving import model_dir as fmt

__all__ = ["ROW_BLOCK", "Predictor", "load", "forward"]

# Every row goes through matrix products of ROW_BLOCK rows, whatever else is in its batch: BLAS picks its kernel,
# and so its order of additions, by shape, so a row's output is then the same bit for bit alone or among others.
# Small, so that a one-row request computes 16 rows, not a thousand; the blocks of a call are stacked into one
# (blocks, 16, F) product, which NumPy runs as one same-shaped product per block.
ROW_BLOCK = 16
# Blocks per stacked product: 4,096 rows, so that a large call's intermediates stay in pieces that fit in cache.
_CHUNK_BLOCKS = 256


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, as SciPy's ``expit``, without importing SciPy.

    Example:
        >>> expit(np.array([0.0, -1000.0])).tolist()
        [0.5, 0.0]
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _gelu(x):
    from scipy.special import erf  # only models with a gelu layer pay SciPy's memory

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


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
    "gelu": _gelu,
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
    n, width = x.shape
    out = np.empty(n, dtype=np.float64)
    chunk = ROW_BLOCK * _CHUNK_BLOCKS
    for start in range(0, n, chunk):
        part = x[start : start + chunk]
        rows = part.shape[0]
        blocks = -(-rows // ROW_BLOCK)
        if rows < blocks * ROW_BLOCK:  # the last block padded with zero rows to the full block
            part = np.concatenate([part, np.zeros((blocks * ROW_BLOCK - rows, width))])
        stacked = part.reshape(blocks, ROW_BLOCK, width)
        out[start : start + rows] = _run_block(layers, stacked, logits).reshape(-1)[:rows]
    return out


def _run_block(layers: list[tuple[fmt.LayerSpec, dict]], x: np.ndarray, logits: bool) -> np.ndarray:
    """The network on stacked blocks x (blocks, ROW_BLOCK, F): every product is one (ROW_BLOCK, F) @ (F, units) per
    block, and the rest is element by element, so no row's result depends on the other blocks."""
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
    return h[..., 0]


class NumericRows:
    """A classifier's numeric preprocessing in NumPy alone, for float arrays: median imputation and missing-value
    indicators, then standardisation or the recipe's encoding (smooth-clipped robust z, piecewise-linear bins): the
    operations of `twoclass.data.Preprocessor.transform` in its order, so the same bits (tests/serve pins it), without
    importing `twoclass.data` (pandas and scikit-learn: a hundred MB a server of such a model does not need).
    `from_meta` gives None (use the full Preprocessor) unless the record's digest was checked and it is numeric only.

    Example:
        >>> NumericRows.from_meta(meta, n_inputs=106).transform(np.array([[0.1, np.nan]])).dtype  # doctest: +SKIP
        dtype('float32')
    """

    def __init__(self, meta: Mapping[str, Any]) -> None:
        columns = list(meta["input"]["columns"])
        numeric = meta["preprocessing"]["numeric"]
        names = [str(c) for c in numeric["columns"]]
        self.index = np.array([columns.index(c) for c in names], dtype=np.intp)
        self.median = _finite(numeric["median"], len(names))
        self.flagged = np.array(sorted(names.index(c) for c in numeric["missing_indicator"]), dtype=np.intp)
        encoding = numeric.get("encoding")
        self.kind = "standard" if encoding is None else encoding["kind"]
        if self.kind == "standard":
            self.center = _finite(numeric["mean"], len(names))
            self.scale = _finite(numeric["scale"], len(names))
            self.edges: list[np.ndarray] = []
            ok = bool(np.all(self.scale > 0))
        else:
            self.center = _finite(encoding["center"], len(names))
            self.scale = _finite(encoding["scale"], len(names))
            self.edges = [np.asarray(e, dtype=np.float64) for e in encoding["edges"]]
            ok = self.kind in ("robust", "binned") and len(self.edges) == len(names)
            ok = ok and all(len(e) == 0 or (len(e) >= 3 and bool(np.all(np.diff(e) > 0))) for e in self.edges)
        # numeric_encoding 'binned+standard': the standardised columns follow the encoding's
        self.copy = numeric.get("standard_copy", False)
        ok = ok and isinstance(self.copy, bool) and not (self.copy and self.kind == "standard")
        if self.copy:
            self.mean = _finite(numeric["mean"], len(names))
            self.std = _finite(numeric["scale"], len(names))
            ok = ok and bool(np.all(self.std > 0))
        if not ok:
            raise ValueError("numeric preprocessing out of range")
        self.encoded = len(names) + sum(max(len(e) - 1, 0) for e in self.edges)
        self.width = self.encoded + (len(names) if self.copy else 0) + len(self.flagged)
        # Output places of each z and bin ([z_0, bins of 0..., z_1, ...]); each bin's column, left edge and width.
        z_at, bin_at, bin_column = [], [], []
        for j, edges in enumerate(self.edges or [np.zeros(0)] * len(names)):
            z_at.append(len(z_at) + len(bin_at))
            bin_at += range(z_at[-1] + 1, z_at[-1] + len(edges))
            bin_column += [j] * max(len(edges) - 1, 0)
        self.z_at, self.bin_at, self.bin_column = (np.array(v, dtype=np.intp) for v in (z_at, bin_at, bin_column))
        self.left = np.concatenate([e[:-1] for e in self.edges if len(e)] or [np.zeros(0)])
        self.bin_width = np.concatenate([np.diff(e) for e in self.edges if len(e)] or [np.zeros(0)])
        labels = meta["labels"]
        self.classes = [labels["negative"], labels["positive"]]

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any], n_inputs: int) -> NumericRows | None:
        """The NumPy preprocessing of a classifier record, or None where the full Preprocessor must be used."""
        try:
            pre = meta["preprocessing"]
            negative, positive = meta["labels"]["negative"], meta["labels"]["positive"]
            eligible = (
                meta.get("integrity") is not None  # read_model_dir checked the digest: the record is as written
                and meta["input"]["kind"] == "array"
                and pre.get("format") == 1
                and pre.get("kind") == "twoclass.Preprocessor"
                and pre.get("categorical") == []
                and pre.get("text") == []
                and isinstance(pre.get("numeric"), dict)
                and not pre["numeric"].get("formats")
                and type(negative) is type(positive)
                and type(negative) in (str, int, bool)
                and negative != positive
            )
            rows = cls(meta) if eligible else None
            return rows if rows is not None and rows.width == n_inputs == len(pre["feature_names_out"]) else None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None  # the full Preprocessor gives the damaged record's own message

    def transform(self, array: np.ndarray) -> np.ndarray | None:
        """The features (n, width) as float32 for rows ``array`` (n, input columns), or None when a value is infinite
        or beyond float32's range (the full Preprocessor refuses those with a message naming the column)."""
        x = array[:, self.index]
        missing = np.isnan(x)
        with np.errstate(invalid="ignore"):
            if not bool(np.all(missing | (np.abs(x) <= _FLOAT32_MAX))):
                return None
        imputed = np.where(missing, self.median, x)
        out = np.empty((x.shape[0], self.width), dtype=np.float32)
        if self.kind == "standard":
            out[:, : len(self.z_at)] = (imputed - self.center) / self.scale
        else:
            z = (imputed - self.center) * self.scale
            out[:, self.z_at] = z / np.sqrt(1.0 + (z / _CLIP) ** 2)  # as twoclass.data.numeric.smooth_clip
            if len(self.bin_at):  # as twoclass.data.numeric.piecewise_linear, every column's bins at once
                out[:, self.bin_at] = np.clip((imputed[:, self.bin_column] - self.left) / self.bin_width, 0.0, 1.0)
        if self.copy:  # as StandardScaler.transform
            out[:, self.encoded : self.encoded + len(self.index)] = (imputed - self.mean) / self.std
        out[:, self.width - len(self.flagged) :] = missing[:, self.flagged]
        return out


_FLOAT32_MAX, _CLIP = float(np.finfo(np.float32).max), 3.0  # as twoclass.data: written_numbers, numeric.CLIP


def _finite(values: Any, n: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,) or not np.isfinite(array).all():
        raise ValueError("stored numbers out of range")
    return array


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
        self._preprocessor: Any = None
        self._numeric: NumericRows | None = None
        if self._classifier:
            self._init_classifier(record.meta)
        else:
            self.calibrator, self.columns, self.input_kind = None, None, "array"
            self.classes_ = np.array([0, 1])
            self.threshold = 0.5

    def _init_classifier(self, meta: dict[str, Any]) -> None:
        self.calibrator = None
        if meta["calibration"] is not None:
            from twoclass.calibration import calibrator_from_dict  # SciPy, for calibrated models only

            self.calibrator = calibrator_from_dict(meta["calibration"])
        self.columns = list(meta["input"]["columns"])
        self.input_kind = meta["input"]["kind"]
        self.threshold = float(meta["threshold"]["value"])
        self._numeric = NumericRows.from_meta(meta, self.n_inputs)
        if self._numeric is None:
            self._load_preprocessor()
        else:
            self.classes_ = np.array(self._numeric.classes)

    def _load_preprocessor(self) -> None:
        from twoclass.data import LabelEncoding, Preprocessor

        preprocessor = Preprocessor.from_dict(self.meta["preprocessing"])
        if preprocessor.n_features_out_ != self.n_inputs:
            raise ValueError(
                f"The preprocessing gives {preprocessor.n_features_out_} features but the network "
                f"takes {self.n_inputs}."
            )
        self.classes_ = np.array(LabelEncoding.from_dict(self.meta["labels"]).classes)
        self._preprocessor = preprocessor

    @property
    def kind(self) -> str:
        """'classifier' (a TwoClassClassifier's directory: labels, preprocessing, threshold) or 'network'."""
        return "classifier" if self._classifier else "network"

    @property
    def preprocessor(self) -> Any:
        """The classifier's `twoclass.data.Preprocessor` (built on first use); None for a bare network."""
        if self._classifier and self._preprocessor is None:
            self._load_preprocessor()
        return self._preprocessor

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
        pandas = sys.modules.get("pandas")  # not imported: X cannot be a DataFrame
        if pandas is not None and isinstance(X, pandas.DataFrame):
            if self.input_kind == "array":
                return self._frame_features(X.to_numpy(dtype=np.float64))
            return self.preprocessor.transform(X)
        array = np.asarray(X, dtype=np.float64 if self.input_kind == "array" else object)
        if array.ndim != 2 or array.shape[1] != len(self.columns):
            raise ValueError(
                f"The 'X' argument of Predictor.predict_proba must be a DataFrame or a 2-D array with "
                f"{len(self.columns)} columns. Got shape {array.shape} instead."
            )
        if self._numeric is not None:
            features = self._numeric.transform(array)
            if features is not None:
                return features
        return self._frame_features(array)  # and the full Preprocessor's message for a value out of range

    def _frame_features(self, array: np.ndarray) -> np.ndarray:
        import pandas as pd

        return self.preprocessor.transform(pd.DataFrame(array, columns=self.columns))

    def _logits(self, x: np.ndarray) -> np.ndarray:
        logits = _run(self._layers, x, logits=True)
        if self.calibrator is None:
            return logits
        from twoclass.calibration import calibrated_logits

        return calibrated_logits(self.calibrator, logits)

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
        return f"Predictor({self.kind}, {self.n_inputs} network inputs, classes={self.classes_.tolist()})"


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
