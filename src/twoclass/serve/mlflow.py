"""MLflow's scoring format (`POST /invocations`), as MLflow's clients and `mlflow models serve` users send it.

JSON bodies hold exactly one of ``dataframe_split`` (pandas' split orient: columns and data), ``dataframe_records``
(a list of {column: value}), ``instances`` or ``inputs`` (a list of rows or records, or {column: [values]});
``params`` may carry a ``threshold``. ``text/csv`` bodies are read as `twoclass predict` reads a CSV file. The answer
is ``{"predictions": [{"label": ..., "probability": ...}, ...]}`` with the user's own labels.

Example:
    >>> request = decode_request(model, b'{"dataframe_records": [{"age": 30, "sex": "female"}]}',
    ...                          "application/json")  # doctest: +SKIP
    >>> request.rows.n  # doctest: +SKIP
    1
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from twoclass.serve.models import RequestError, Rows, ServedModel
from twoclass.serve.tensors import describe, loads_json, shown
from twoclass.serve.v2 import threshold_parameter

__all__ = ["FORMATS", "MLflowRequest", "decode_request", "encode_response"]

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")


@dataclass
class MLflowRequest:
    rows: Rows
    threshold: float | None = None


def decode_request(model: ServedModel, body: bytes, media_type: str) -> MLflowRequest:
    """Rows from an /invocations body of media type 'application/json' or 'text/csv', checked against the model."""
    if media_type == "text/csv":
        return MLflowRequest(_csv_rows(model, body))
    document = loads_json(body)
    if not isinstance(document, dict):
        raise RequestError(
            f"The body must be a JSON object with one of {', '.join(map(repr, FORMATS))}. Got "
            f"{describe(document)} instead."
        )
    present = [key for key in FORMATS if key in document]
    if len(present) != 1:
        found = f"{' and '.join(map(repr, present))}" if present else f"keys {shown(sorted(document))}"
        raise RequestError(f"The body must hold exactly one of {', '.join(map(repr, FORMATS))}. Got {found} instead.")
    params = document.get("params") or {}
    if not isinstance(params, dict):
        raise RequestError(f"'params' must be a JSON object. Got {describe(params)} instead.")
    threshold = threshold_parameter(params)
    key = present[0]
    value = document[key]
    if key == "dataframe_split":
        rows = _split_rows(model, value)
    elif key == "dataframe_records":
        rows = _records_rows(model, value, key)
    else:
        rows = _instances_rows(model, value, key)
    model.check_rows(rows)
    return MLflowRequest(rows, threshold)


# ------------------------------------------------------------------------------------------------ formats


def _split_rows(model: ServedModel, value: Any) -> Rows:
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise RequestError(
            "'dataframe_split' must be an object with 'columns' (names) and 'data' (a list of rows), "
            f"as pandas' to_dict(orient='split') gives. Got {shown(value)} instead."
        )
    data, columns = value["data"], value.get("columns")
    if columns is None:
        if not model.tensor:
            raise RequestError(
                f"'dataframe_split' needs 'columns' for model '{model.name}', which reads columns "
                f"{', '.join(repr(s.name) for s in model.inputs)}."
            )
        return _array_rows(model, data, "dataframe_split.data")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise RequestError(f"'dataframe_split.columns' must be a list of column names. Got {shown(columns)} instead.")
    if len(set(columns)) != len(columns):
        raise RequestError("'dataframe_split.columns' names a column twice.")
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            got = f"{len(row)} values" if isinstance(row, list) else describe(row)
            raise RequestError(f"Row {i} of 'dataframe_split.data' has {got}; 'columns' names {len(columns)}.")
    if model.tensor and not model.known_columns:
        return _array_rows(model, data, "dataframe_split.data")
    return _frame_rows(
        model, {c: [row[j] for row in data] for j, c in enumerate(columns)}, len(data), "dataframe_split"
    )


def _records_rows(model: ServedModel, value: Any, key: str) -> Rows:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise RequestError(f"'{key}' must be a list of objects (column -> value). Got {shown(value)} instead.")
    if model.tensor and not model.known_columns:
        raise RequestError(
            f"Model '{model.name}' is a bare network without column names; send 'instances' or "
            "'inputs' as a list of rows of numbers, or 'dataframe_split' with 'data'."
        )
    names = {name for record in value for name in record}
    # A field absent from some records is a missing value there, as in `Predictor.predict_records`.
    columns = {name: [record.get(name) for record in value] for name in names}
    return _frame_rows(model, columns, len(value), key)


def _instances_rows(model: ServedModel, value: Any, key: str) -> Rows:
    if isinstance(value, dict):  # columnar: {column: [values]} or one row {column: value}
        lists = [v for v in value.values() if isinstance(v, list)]
        if lists and len(lists) != len(value):
            raise RequestError(
                f"'{key}' as an object must map every column to a list of values (or every column to "
                "one value, for one row)."
            )
        if lists:
            lengths = {name: len(v) for name, v in value.items()}
            if len(set(lengths.values())) > 1:
                (a, na), (b, nb) = (
                    min(lengths.items(), key=lambda kv: kv[1]),
                    max(lengths.items(), key=lambda kv: kv[1]),
                )
                raise RequestError(f"The columns of '{key}' have different lengths: {a!r} has {na} and {b!r} has {nb}.")
            n = next(iter(lengths.values()))
            if model.tensor and not model.known_columns:
                raise RequestError(
                    f"Model '{model.name}' is a bare network without column names; send '{key}' as a "
                    "list of rows of numbers."
                )
            return _frame_rows(model, dict(value), n, key)
        return _records_rows(model, [value], key)
    if not isinstance(value, list):
        raise RequestError(
            f"'{key}' must be a list of rows or of records, or an object of columns. Got {describe(value)} instead."
        )
    if value and all(isinstance(r, dict) for r in value):
        return _records_rows(model, value, key)
    if not model.tensor:
        raise RequestError(
            f"'{key}' for model '{model.name}' must name its columns: a list of records "
            "({column: value}) or an object of columns; rows without names are for array models."
        )
    return _array_rows(model, value, key)


def _array_rows(model: ServedModel, data: Any, where: str) -> Rows:
    width = model.n_features
    if not isinstance(data, list):
        raise RequestError(f"'{where}' must be a list of rows. Got {describe(data)} instead.")
    allowed = (int, float, type(None)) if model.classifier else (int, float)
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != width:
            got = f"{len(row)} values" if isinstance(row, list) else describe(row)
            raise RequestError(f"Row {i} of '{where}' has {got}; model '{model.name}' takes {width} numbers per row.")
        for j, v in enumerate(row):
            if type(v) not in allowed:
                what = "numbers" if not model.classifier else "numbers or null"
                raise RequestError(
                    f"Row {i} of '{where}' has {shown(v)} at position {j}; model '{model.name}' takes {what}."
                )
    x = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=np.float64).reshape(-1, width)
    return Rows(x, len(data))


def _frame_rows(model: ServedModel, columns: dict[str, list[Any]], n: int, where: str) -> Rows:
    if model.tensor:  # a classifier fitted on an array: its columns are x0, x1, ...
        absent = [c for c in model.known_columns if c not in columns]
        if absent:
            raise RequestError(
                f"'{where}' has no column {absent[0]!r}; model '{model.name}' reads columns "
                f"{', '.join(map(repr, model.known_columns))}."
            )
        return _array_rows(
            model, [list(r) for r in zip(*(columns[c] for c in model.known_columns))] if n else [], where
        )
    absent = [s.name for s in model.inputs if s.name not in columns]
    if absent:
        raise RequestError(
            f"'{where}' has no column {absent[0]!r}; model '{model.name}' needs columns "
            f"{', '.join(repr(s.name) for s in model.inputs)}."
        )
    import pandas as pd  # here, not above: an array model's server never needs pandas

    frame: dict[str, Any] = {}
    for spec in model.inputs:
        values = columns[spec.name]
        for i, v in enumerate(values):
            if isinstance(v, (dict, list)):
                raise RequestError(
                    f"Column {spec.name!r} of '{where}' has {describe(v)} at row {i}; a cell must be a "
                    "number, a string, a boolean or null."
                )
        frame[spec.name] = pd.Series(values, dtype=object) if values else pd.Series([], dtype=object)
    # Unused columns (identifiers, extra fields) are ignored, as `twoclass predict` ignores them.
    return Rows(pd.DataFrame(frame).infer_objects(), n)


def _csv_rows(model: ServedModel, body: bytes) -> Rows:
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(body))
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RequestError(f"The CSV body cannot be read ({reason}).") from None
    columns = {str(c): frame[c].tolist() for c in frame.columns}
    if model.tensor and not model.known_columns:
        if frame.shape[1] != model.n_features:
            raise RequestError(
                f"The CSV has {frame.shape[1]} column(s); model '{model.name}' takes {model.n_features}, "
                "one per feature, under a header row."
            )
        return _array_rows(model, frame.to_numpy().tolist(), "text/csv body")
    if model.tensor:
        return _frame_rows(model, columns, len(frame), "text/csv body")
    absent = [s.name for s in model.inputs if s.name not in frame.columns]
    if absent:
        raise RequestError(
            f"The CSV has no column {absent[0]!r}; model '{model.name}' needs columns "
            f"{', '.join(repr(s.name) for s in model.inputs)}."
        )
    # The frame as pandas read it, like `twoclass predict` on the same file: identical predictions.
    return Rows(frame[[s.name for s in model.inputs]], len(frame))


def encode_response(model: ServedModel, probability: np.ndarray, threshold: float, warnings: list[str]) -> dict:
    """{"predictions": [{"label", "probability"}, ...]} with the user's own labels; "warnings" when there are any."""
    labels = model.labels(probability, threshold)
    document: dict[str, Any] = {
        "predictions": [{"label": label, "probability": p} for label, p in zip(labels, probability.tolist())]
    }
    if warnings:
        document["warnings"] = warnings
    return document
