"""The models a server holds: each a `twoclass.inference.Predictor` with its name and its input schema.

A model takes either columns (a TwoClassClassifier fitted on a DataFrame: one input per column, numeric,
categorical or text) or one numeric tensor [N, F] (a classifier fitted on an array, or a bare Keras-style network).
`ServedModel.predict` runs the Predictor on rows that the protocols have already decoded and checked against that
schema; it never imports JAX.

Example:
    >>> model = ServedModel.load("titanic-model")  # doctest: +SKIP
    >>> [(i.name, i.datatype) for i in model.inputs]  # doctest: +SKIP
    [('Pclass', 'BYTES'), ('Sex', 'BYTES'), ('Age', 'FP64')]
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from twoclass import inference

__all__ = ["InputSpec", "ModelOutcome", "RequestError", "Rows", "ServedModel", "parse_model_specs"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
OUTPUTS = ("probability", "label")


class RequestError(Exception):
    """A request the server refuses: answered with ``status`` and ``{"error": message}``, never a traceback."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class InputSpec:
    """One input of a model as the Open Inference Protocol describes it (shape -1 = any number of rows)."""

    name: str
    datatype: str  # FP64 for numeric columns, BYTES for categorical and text, FP32 for the [N, F] tensor
    shape: tuple[int, ...]
    kind: str  # "numeric", "categorical", "text" or "tensor"
    missing_allowed: bool

    def metadata(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "datatype": self.datatype,
            "shape": list(self.shape),
            "parameters": {"kind": self.kind, "missing_allowed": self.missing_allowed},
        }


@dataclass
class Rows:
    """Decoded rows of one request: a DataFrame of the model's columns, or a float64 array [N, F]."""

    data: Any
    n: int


@dataclass
class ModelOutcome:
    """The positive class's probability for each row, and the warnings about those rows (unseen categories)."""

    probability: np.ndarray
    warnings: list[str]


class ServedModel:
    """A loaded model directory and what the protocols need to know about it.

    Attributes: name, path, predictor, inputs (list of InputSpec), tensor (True when the model takes one numeric
    tensor [N, F]), n_features (F for a tensor model), classes (the user's labels, [negative, positive]),
    threshold (the stored decision threshold), known_columns (every column the model was trained with, including
    those it drops, such as identifiers).
    """

    def __init__(self, name: str, path: str, predictor: inference.Predictor) -> None:
        self.name = name
        self.path = path
        self.predictor = predictor
        self.classes = [c.item() if hasattr(c, "item") else c for c in predictor.classes_]
        # Indexed by 0/1 to label many rows at once (object arrays keep the user's own Python values).
        self._label_values = np.array([None, None], dtype=object)
        self._label_values[:] = self.classes
        self._label_texts = np.array([str(c) for c in self.classes], dtype=object)
        self.threshold = float(predictor.threshold)
        self.classifier = predictor.kind == "classifier"
        self.tensor = not self.classifier or predictor.input_kind == "array"
        if self.tensor:
            self.n_features = len(predictor.columns) if self.classifier else int(predictor.n_inputs)
            # A classifier imputes missing values as it learned to; a bare network has nothing to fill them with.
            self.inputs = [InputSpec("input", "FP32", (-1, self.n_features), "tensor", self.classifier)]
            self.known_columns: list[str] = list(predictor.columns or [])
        else:
            self.n_features = 0
            kinds = dict(predictor.preprocessor.column_types_)
            self.inputs = [
                InputSpec(c, "FP64" if kinds[c] == "numeric" else "BYTES", (-1,), kinds[c], True)
                for c in predictor.preprocessor.required_columns_
            ]
            self.known_columns = list(predictor.columns)
        self.input_by_name = {spec.name: spec for spec in self.inputs}

    @classmethod
    def load(cls, path: str | os.PathLike, name: str | None = None) -> ServedModel:
        """Load a model directory; a missing or damaged one raises the same error `twoclass predict` gives."""
        path = os.fspath(path)
        name = name if name is not None else model_name_from_path(path)
        check_model_name(name)
        return cls(name, os.path.abspath(path), inference.load(path))

    # ------------------------------------------------------------------------------------------------ metadata
    def metadata(self) -> dict[str, Any]:
        """The Open Inference Protocol's model metadata, with the labels and threshold as parameters."""
        return {
            "name": self.name,
            "versions": [],
            "platform": "twoclass",
            "inputs": [spec.metadata() for spec in self.inputs],
            "outputs": [
                {"name": "probability", "datatype": "FP32", "shape": [-1]},
                {"name": "label", "datatype": "BYTES", "shape": [-1]},
            ],
            "parameters": {
                "kind": "classifier" if self.classifier else "network",
                "threshold": self.threshold,
                "negative_label": str(self.classes[0]),
                "positive_label": str(self.classes[1]),
            },
        }

    def example_row(self) -> dict[str, Any]:
        """One plausible row in the model's own schema (for the OpenAPI examples): medians, first categories."""
        if self.tensor:
            return {f"x{i}": 0.0 for i in range(self.n_features)}
        meta = self.predictor.meta.get("preprocessing", {})
        values: dict[str, Any] = {}
        try:
            numeric = meta.get("numeric") or {}
            for column, median in zip(numeric.get("columns", []), numeric.get("median", [])):
                values[column] = round(float(median), 3) if median is not None and math.isfinite(median) else None
            for block in meta.get("categorical", []):
                values[block["column"]] = (block.get("categories") or ["a"])[0]
            for block in meta.get("text", []):
                values[block["column"]] = " ".join(str(t) for t in (block.get("terms") or ["some", "text"])[:3])
        except (TypeError, KeyError, AttributeError, ValueError):  # an example is a nicety, never a failure
            pass
        return {spec.name: values.get(spec.name, 0.0 if spec.kind == "numeric" else "a") for spec in self.inputs}

    # ------------------------------------------------------------------------------------------------ predict
    def check_rows(self, rows: Rows) -> None:
        """Refuse missing or infinite values in a bare network's tensor (it has nothing to fill them with)."""
        if not self.tensor or self.classifier:
            return
        x = rows.data
        bad = ~np.isfinite(x)
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            what = "a missing value (null or NaN)" if np.isnan(x[row, column]) else "an infinite value"
            raise RequestError(
                f"Input 'input' has {what} at row {row}, feature {column}; model '{self.name}' is a "
                "bare network and takes finite numbers only."
            )

    def predict(self, batch: Sequence[Rows]) -> list[ModelOutcome | Exception]:
        """Probabilities for several requests' rows in one forward pass; each request gets its own outcome.

        A row's probability does not depend on the other rows (the preprocessing and the network work row by row),
        so one pass over the concatenated rows equals one pass per request. If the pass fails, each request is run
        alone so that only the faulty one gets the error.

        Example:
            >>> model.predict([Rows(frame, 2)])[0].probability  # doctest: +SKIP
            array([0.81, 0.12])
        """
        if len(batch) == 1:
            return [self._one(batch[0])]
        try:
            probability, messages = self._probabilities(_concatenate([rows.data for rows in batch]))
        except Exception:  # noqa: BLE001 - the faulty request is found by running each alone, below
            return [self._one(rows) for rows in batch]
        bounds = np.cumsum([0] + [rows.n for rows in batch])
        outcomes: list[ModelOutcome | Exception] = []
        for rows, start, stop in zip(batch, bounds[:-1], bounds[1:]):
            # Warnings name the rows of the whole batch; rare, so the request's own are worked out again.
            own = self._warnings_for(rows) if messages else []
            outcomes.append(ModelOutcome(probability[start:stop], own))
        return outcomes

    def _one(self, rows: Rows) -> ModelOutcome | Exception:
        try:
            probability, messages = self._probabilities(rows.data)
        except (ValueError, TypeError, KeyError) as error:
            return RequestError(_one_line(error))
        except Exception as error:  # noqa: BLE001 - becomes a 500 without a traceback in the response
            return error
        return ModelOutcome(probability, messages)

    def _probabilities(self, data: Any) -> tuple[np.ndarray, list[str]]:
        # Called on one thread only (the server's prediction thread), so catch_warnings and the preprocessor's
        # last_unseen_counts_ are not raced.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            probability = self.predictor.predict_proba(data)[:, 1]
        return probability, [_one_line(w.message) for w in caught if issubclass(w.category, UserWarning)]

    def _warnings_for(self, rows: Rows) -> list[str]:
        if not self.classifier or self.tensor:
            return []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            self.predictor.preprocessor.transform(rows.data)
        return [_one_line(w.message) for w in caught if issubclass(w.category, UserWarning)]

    def labels(self, probability: np.ndarray, threshold: float, *, text: bool = False) -> list[Any]:
        """The user's labels: positive where the probability is >= the threshold (as `twoclass predict`); with
        ``text``, as strings (the V2 protocol's BYTES output).

        Example:
            >>> model.labels(np.array([0.2, 0.9]), 0.5)  # doctest: +SKIP
            ['no', 'yes']
        """
        chosen = (probability >= threshold).astype(np.intp)
        return (self._label_texts if text else self._label_values)[chosen].tolist()

    def label_counts(self, probability: np.ndarray, threshold: float) -> dict[str, int]:
        """How many rows get each label (as text), for the metrics; labels no row got are left out.

        Example:
            >>> model.label_counts(np.array([0.2, 0.9, 0.7]), 0.5)  # doctest: +SKIP
            {'no': 1, 'yes': 2}
        """
        positive = int(np.count_nonzero(probability >= threshold))
        counts: dict[str, int] = {}
        for label, n in zip(self._label_texts.tolist(), (len(probability) - positive, positive)):
            if n:  # added up: two labels may read the same as text (1 and "1")
                counts[label] = counts.get(label, 0) + n
        return counts

    def __repr__(self) -> str:
        return f"ServedModel({self.name!r}, {len(self.inputs)} input(s), classes={self.classes})"


def _concatenate(parts: list[Any]) -> Any:
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, axis=0)
    import pandas as pd

    return pd.concat(parts, axis=0, ignore_index=True)


def _one_line(error: Any) -> str:
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# ------------------------------------------------------------------------------------------------ names


def model_name_from_path(path: str) -> str:
    """A model is named after its directory: 'runs/titanic-model/' -> 'titanic-model'."""
    return os.path.basename(os.path.normpath(path))


def check_model_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"The model name {name!r} must be letters, digits, '_', '.' or '-' (it goes into URLs), "
            "starting with a letter or digit. Name it explicitly with NAME=DIR."
        )


def parse_model_specs(specs: Sequence[str]) -> dict[str, str]:
    """'DIR' or 'NAME=DIR' arguments -> {name: directory}, in the order given; a repeated name raises.

    Example:
        >>> parse_model_specs(["titanic=runs/model-3", "spam-model"])
        {'titanic': 'runs/model-3', 'spam-model': 'spam-model'}
    """
    if not specs:
        raise ValueError("Give at least one model directory to serve.")
    models: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or os.path.exists(spec):  # a directory whose name holds '=' is still a directory
            name, path = model_name_from_path(spec), spec
        check_model_name(name)
        if name in models:
            raise ValueError(
                f"Two models are named {name!r} ({models[name]!r} and {path!r}). Name them apart with NAME=DIR."
            )
        models[name] = path
    return models


def load_models(models: Mapping[str, Any]) -> dict[str, ServedModel]:
    """{name: directory or Predictor or ServedModel} -> {name: ServedModel}; loading errors propagate as they are."""
    out: dict[str, ServedModel] = {}
    for name, value in models.items():
        check_model_name(name)
        if isinstance(value, ServedModel):
            out[name] = value
        elif isinstance(value, inference.Predictor):
            out[name] = ServedModel(name, "(in memory)", value)
        else:
            out[name] = ServedModel.load(value, name)
    if not out:
        raise ValueError("Give at least one model to serve.")
    return out
