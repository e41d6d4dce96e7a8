"""The Open Inference Protocol (KServe V2 REST), as Triton's and KServe's clients speak it.

`decode_request` reads an inference request (JSON, or JSON followed by binary tensors: Triton's binary tensor data
extension, which `tritonclient.http` uses by default) and checks it against the model's schema; `encode_response`
writes the answer the same way the client asked for it. Every problem is a `RequestError` that names the input and
says what was expected and what was received.

Example:
    >>> request = decode_request(model, b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 2],'
    ...                                 b' "data": [0.5, 0.1]}]}', None)  # doctest: +SKIP
    >>> request.rows.n  # doctest: +SKIP
    1
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twoclass.serve.models import OUTPUTS, RequestError, Rows, ServedModel
from twoclass.serve.tensors import (
    NUMBER_TYPES,
    Tensor,
    decode_tensors,
    describe,
    dumps_json,
    loads_json,
    object_parameter,
    shown,
)

__all__ = ["InferRequest", "decode_request", "encode_response"]


@dataclass
class InferRequest:
    """A checked inference request: its rows, and how to answer it."""

    rows: Rows
    id: str | None = None
    threshold: float | None = None
    outputs: list[str] = field(default_factory=lambda: list(OUTPUTS))
    binary: dict[str, bool] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ request


def decode_request(model: ServedModel, body: bytes, header_length: str | None) -> InferRequest:
    """Parse and check a V2 inference request for ``model``; ``header_length`` is the Inference-Header-Content-Length
    header (the size of the JSON part when binary tensors follow it), or None."""
    json_part, binary_part = _split_body(body, header_length)
    document = loads_json(json_part)
    if not isinstance(document, dict):
        raise RequestError(
            f"The inference request must be a JSON object with 'inputs'. Got {describe(document)} instead."
        )
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise RequestError(f"The request's 'id' must be a string. Got {describe(request_id)} instead.")
    parameters = object_parameter(document.get("parameters"), "The request's 'parameters'")
    tensors = decode_tensors(document.get("inputs"), binary_part)
    outputs, binary = _outputs(document.get("outputs"), parameters)
    rows = _rows(model, tensors)
    return InferRequest(rows, request_id, threshold_parameter(parameters), outputs, binary)


def _split_body(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        size = int(header_length)
    except ValueError:
        size = -1
    if not 0 <= size <= len(body):
        raise RequestError(
            f"The Inference-Header-Content-Length header must be the size of the JSON part, between 0 "
            f"and the body's {len(body)} bytes. Got {header_length!r} instead."
        )
    return body[:size], body[size:]


def threshold_parameter(parameters: dict[str, Any]) -> float | None:
    if "threshold" not in parameters:
        return None
    value = parameters["threshold"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0 or math.isnan(value):
        raise RequestError(f"The 'threshold' parameter must be a number in [0, 1]. Got {value!r} instead.")
    return float(value)


def _outputs(value: Any, parameters: dict[str, Any]) -> tuple[list[str], dict[str, bool]]:
    everything_binary = parameters.get("binary_data_output") is True
    if value is None:
        return list(OUTPUTS), {name: everything_binary for name in OUTPUTS}
    if not isinstance(value, list):
        raise RequestError(
            f"The request's 'outputs' must be a list of objects with a 'name'. Got {describe(value)} instead."
        )
    names: list[str] = []
    binary: dict[str, bool] = {}
    for i, output in enumerate(value):
        if not isinstance(output, dict) or not isinstance(output.get("name"), str):
            raise RequestError(f"outputs[{i}] must be an object with a string 'name'. Got {shown(output)} instead.")
        name = output["name"]
        if name not in OUTPUTS:
            raise RequestError(
                f"outputs[{i}] names {name!r}, which is not an output of this model; its outputs are "
                "'probability' and 'label'."
            )
        if name in binary:
            raise RequestError(f"The output {name!r} is requested twice.")
        own = object_parameter(output.get("parameters"), f"The 'parameters' of output {name!r}")
        wanted = own.get("binary_data", everything_binary)
        if not isinstance(wanted, bool):
            raise RequestError(
                f"The 'binary_data' parameter of output {name!r} must be true or false. Got {wanted!r} instead."
            )
        names.append(name)
        binary[name] = wanted
    return names, binary


# ------------------------------------------------------------------------------------------------ schema


def _rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    if model.tensor:
        return _tensor_rows(model, tensors)
    return _column_rows(model, tensors)


def _tensor_rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    spec = model.inputs[0]
    if len(tensors) != 1:
        raise RequestError(
            f"Model '{model.name}' takes one input, a numeric tensor [N, {model.n_features}] "
            f"(named '{spec.name}'). Got {len(tensors)} inputs instead."
        )
    tensor = tensors[0]
    if tensor.datatype not in NUMBER_TYPES and tensor.datatype != "BOOL":
        raise RequestError(
            f"Input {tensor.name!r} must have a numeric datatype such as FP32. Got {tensor.datatype} instead."
        )
    if len(tensor.shape) != 2 or tensor.shape[1] != model.n_features:
        raise RequestError(
            f"Input {tensor.name!r} must have shape [N, {model.n_features}] (rows, features). Got "
            f"{list(tensor.shape)} instead."
        )
    x = tensor.values.astype(np.float64).reshape(tensor.shape)
    rows = Rows(x, tensor.shape[0])
    model.check_rows(rows)
    return rows


def _column_rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    import pandas as pd

    given = {t.name: t for t in tensors}
    absent = [spec.name for spec in model.inputs if spec.name not in given]
    if absent:
        raise RequestError(
            f"The request has no input {absent[0]!r}"
            + (f" (nor {', '.join(map(repr, absent[1:]))})" if absent[1:] else "")
            + f"; model '{model.name}' needs one input per column: "
            f"{', '.join(repr(s.name) for s in model.inputs)} (GET /v2/models/{model.name})."
        )
    unknown = [name for name in given if name not in model.input_by_name and name not in model.known_columns]
    if unknown:
        raise RequestError(
            f"Input {unknown[0]!r} is not an input of model '{model.name}'; its inputs are "
            f"{', '.join(repr(s.name) for s in model.inputs)}."
        )
    columns: dict[str, np.ndarray] = {}
    n_rows: int | None = None
    first = ""
    for spec in model.inputs:
        tensor = given[spec.name]
        if not (len(tensor.shape) == 1 or (len(tensor.shape) == 2 and tensor.shape[1] == 1)):
            raise RequestError(
                f"Input {spec.name!r} is one column, so its shape must be [N] or [N, 1]. Got "
                f"{list(tensor.shape)} instead."
            )
        if spec.kind == "numeric" and tensor.datatype == "BYTES":
            raise RequestError(
                f"Input {spec.name!r} is a numeric column, so its datatype must be numeric (FP64, FP32, "
                "INT64, ...). Got BYTES instead."
            )
        if spec.kind == "text" and tensor.datatype != "BYTES":
            raise RequestError(
                f"Input {spec.name!r} is a text column, so its datatype must be BYTES. Got {tensor.datatype} instead."
            )
        if n_rows is None:
            n_rows, first = tensor.shape[0], spec.name
        elif tensor.shape[0] != n_rows:
            raise RequestError(
                f"The inputs have different numbers of rows: {first!r} has {n_rows} and {spec.name!r} "
                f"has {tensor.shape[0]}."
            )
        columns[spec.name] = tensor.values
    return Rows(pd.DataFrame(columns), int(n_rows or 0))


# ------------------------------------------------------------------------------------------------ response


def encode_response(
    model: ServedModel, request: InferRequest, probability: np.ndarray, threshold: float, warnings: list[str]
) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers: plain JSON, or a JSON header followed by the binary outputs."""
    n = len(probability)
    outputs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for name in request.outputs:
        binary = request.binary.get(name, False)
        output: dict[str, Any] = {"name": name, "datatype": "FP32" if name == "probability" else "BYTES", "shape": [n]}
        if name == "probability":
            values = probability.astype(np.float32)
            raw = values.astype("<f4").tobytes() if binary else b""
            data: list[Any] = [] if binary else values.tolist()
        else:
            data = model.labels(probability, threshold, text=True)
            raw = b"".join(struct.pack("<I", len(b)) + b for b in (s.encode("utf-8") for s in data)) if binary else b""
        if binary:
            output["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            output["data"] = data
        outputs.append(output)
    document: dict[str, Any] = {
        "model_name": model.name,
        "model_version": "",
        "outputs": outputs,
        "parameters": {"threshold": threshold},
    }
    if request.id is not None:
        document["id"] = request.id
    if warnings:
        document["parameters"]["warning"] = " ".join(warnings)
    header = dumps_json(document)
    if not chunks:
        return header, {"content-type": "application/json"}
    return header + b"".join(chunks), {
        "content-type": "application/octet-stream",
        "inference-header-content-length": str(len(header)),
    }
