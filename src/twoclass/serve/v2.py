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

import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .models import OUTPUTS, RequestError, Rows, ServedModel

__all__ = ["DATATYPES", "InferRequest", "decode_request", "encode_response", "loads_json"]

_NUMPY_TYPES = {"BOOL": "|b1", "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8", "INT8": "<i1",
                "INT16": "<i2", "INT32": "<i4", "INT64": "<i8", "FP16": "<f2", "FP32": "<f4", "FP64": "<f8"}
DATATYPES = (*_NUMPY_TYPES, "BYTES")
_NUMBER_TYPES = tuple(t for t in _NUMPY_TYPES if t != "BOOL")


@dataclass
class Tensor:
    name: str
    datatype: str
    shape: tuple[int, ...]
    values: np.ndarray  # flat: float64 (NaN for null), int64, bool or object (str / None)


@dataclass
class InferRequest:
    """A checked inference request: its rows, and how to answer it."""

    rows: Rows
    id: str | None = None
    threshold: float | None = None
    outputs: list[str] = field(default_factory=lambda: list(OUTPUTS))
    binary: dict[str, bool] = field(default_factory=dict)


def loads_json(body: bytes, what: str = "The request body") -> Any:
    """JSON from bytes; NaN and Infinity literals are read as Python reads them (the schema check refuses them
    where they do not belong)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RequestError(f"{what} is not valid JSON ({reason}).") from None


# ------------------------------------------------------------------------------------------------ request


def decode_request(model: ServedModel, body: bytes, header_length: str | None) -> InferRequest:
    """Parse and check a V2 inference request for ``model``; ``header_length`` is the Inference-Header-Content-Length
    header (the size of the JSON part when binary tensors follow it), or None."""
    json_part, binary_part = _split_body(body, header_length)
    document = loads_json(json_part)
    if not isinstance(document, dict):
        raise RequestError(f"The inference request must be a JSON object with 'inputs'. Got {_kind(document)} instead.")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise RequestError(f"The request's 'id' must be a string. Got {_kind(request_id)} instead.")
    parameters = _parameters(document.get("parameters"), "The request's 'parameters'")
    tensors = _tensors(document.get("inputs"), binary_part)
    outputs, binary = _outputs(document.get("outputs"), parameters)
    rows = _rows(model, tensors)
    return InferRequest(rows, request_id, _threshold(parameters), outputs, binary)


def _split_body(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        size = int(header_length)
    except ValueError:
        size = -1
    if not 0 <= size <= len(body):
        raise RequestError(f"The Inference-Header-Content-Length header must be the size of the JSON part, between 0 "
                           f"and the body's {len(body)} bytes. Got {header_length!r} instead.")
    return body[:size], body[size:]


def _parameters(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be a JSON object. Got {_kind(value)} instead.")
    return value


def _threshold(parameters: dict[str, Any]) -> float | None:
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
        raise RequestError(f"The request's 'outputs' must be a list of objects with a 'name'. Got {_kind(value)} "
                           "instead.")
    names: list[str] = []
    binary: dict[str, bool] = {}
    for i, output in enumerate(value):
        if not isinstance(output, dict) or not isinstance(output.get("name"), str):
            raise RequestError(f"outputs[{i}] must be an object with a string 'name'. Got {_shown(output)} instead.")
        name = output["name"]
        if name not in OUTPUTS:
            raise RequestError(f"outputs[{i}] names {name!r}, which is not an output of this model; its outputs are "
                               "'probability' and 'label'.")
        if name in binary:
            raise RequestError(f"The output {name!r} is requested twice.")
        own = _parameters(output.get("parameters"), f"The 'parameters' of output {name!r}")
        wanted = own.get("binary_data", everything_binary)
        if not isinstance(wanted, bool):
            raise RequestError(f"The 'binary_data' parameter of output {name!r} must be true or false. Got "
                               f"{wanted!r} instead.")
        names.append(name)
        binary[name] = wanted
    return names, binary


# ------------------------------------------------------------------------------------------------ tensors


def _tensors(value: Any, binary_part: bytes) -> list[Tensor]:
    if not isinstance(value, list) or not value:
        raise RequestError("The request must have 'inputs': a non-empty list of tensors, each with 'name', 'shape', "
                           f"'datatype' and 'data'. Got {_shown(value)} instead.")
    tensors: list[Tensor] = []
    offset = 0
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise RequestError(f"inputs[{i}] must be an object with 'name', 'shape', 'datatype' and 'data'. Got "
                               f"{_kind(item)} instead.")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise RequestError(f"inputs[{i}] must have a non-empty string 'name'. Got {_shown(name)} instead.")
        if name in seen:
            raise RequestError(f"Input {name!r} is given twice.")
        seen.add(name)
        datatype, shape = _datatype(item.get("datatype"), name), _shape(item.get("shape"), name)
        parameters = _parameters(item.get("parameters"), f"The 'parameters' of input {name!r}")
        size = parameters.get("binary_data_size")
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise RequestError(f"The 'binary_data_size' of input {name!r} must be an integer >= 0. Got {size!r} "
                                   "instead.")
            if offset + size > len(binary_part):
                raise RequestError(f"Input {name!r} declares {size} bytes of binary data, but only "
                                   f"{len(binary_part) - offset} bytes follow the JSON header.")
            values = _from_binary(binary_part[offset:offset + size], datatype, shape, name)
            offset += size
        elif "data" in item:
            values = _from_json(item["data"], datatype, shape, name)
        else:
            raise RequestError(f"Input {name!r} has no 'data' (and no 'binary_data_size' parameter).")
        tensors.append(Tensor(name, datatype, shape, values))
    if offset != len(binary_part):
        raise RequestError(f"{len(binary_part) - offset} bytes of binary data after the JSON header belong to no "
                           "input (check each input's 'binary_data_size').")
    return tensors


def _datatype(value: Any, name: str) -> str:
    if value not in DATATYPES:
        raise RequestError(f"Input {name!r} has datatype {value!r}; the Open Inference Protocol's datatypes are "
                           f"{', '.join(DATATYPES)}.")
    return value


def _shape(value: Any, name: str) -> tuple[int, ...]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value)):
        raise RequestError(f"Input {name!r} must have a 'shape': a non-empty list of integers >= 0. Got {_shown(value)} "
                           "instead.")
    return tuple(value)


def _flatten(data: Any, shape: tuple[int, ...], name: str) -> list[Any]:
    """The values row-major; the V2 protocol allows them flat or nested as the shape is. Ragged data is refused."""
    size = math.prod(shape)
    if not isinstance(data, list):
        raise RequestError(f"The 'data' of input {name!r} must be a list. Got {_kind(data)} instead.")
    if not data or not isinstance(data[0], list):
        if len(data) != size:
            raise RequestError(f"Input {name!r} has shape {list(shape)}, so {size} values, but its 'data' holds "
                               f"{len(data)}.")
        return data
    flat: list[Any] = []

    def walk(part: Any, depth: int, where: str) -> None:
        if depth == len(shape):
            if isinstance(part, list):
                raise RequestError(f"The 'data' of input {name!r} is nested deeper than its shape {list(shape)} "
                                   f"(at {where}).")
            flat.append(part)
            return
        if not isinstance(part, list) or len(part) != shape[depth]:
            got = f"{len(part)} values" if isinstance(part, list) else _kind(part)
            raise RequestError(f"The 'data' of input {name!r} is ragged or does not match its shape {list(shape)}: "
                               f"at {where} expected {shape[depth]} values, got {got}.")
        for j, item in enumerate(part):
            walk(item, depth + 1, f"{where}[{j}]")

    walk(data, 0, "data")
    return flat


def _from_json(data: Any, datatype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    flat = _flatten(data, shape, name)
    types = set(map(type, flat))
    if datatype == "BYTES":
        allowed: tuple[type, ...] = (str, type(None))
        what = "strings (or null for a missing value)"
    elif datatype == "BOOL":
        allowed, what = (bool,), "true or false"
    elif datatype.startswith("FP"):
        allowed, what = (int, float, type(None)), "numbers (or null for a missing value)"
    else:
        allowed, what = (int,), "integers"
    if not types <= set(allowed):
        bad = next(i for i, v in enumerate(flat) if type(v) not in allowed)
        raise RequestError(f"Input {name!r} has datatype {datatype}, so its data must be {what}. Got "
                           f"{_shown(flat[bad])} at position {bad} instead.")
    if datatype == "BYTES":
        return np.array(flat, dtype=object)
    if datatype == "BOOL":
        return np.array(flat, dtype=bool)
    if datatype.startswith("FP"):
        return np.array([math.nan if v is None else v for v in flat] if type(None) in types else flat,
                        dtype=np.float64)
    try:
        return np.array(flat, dtype=np.int64)
    except OverflowError:
        raise RequestError(f"Input {name!r} has an integer too large for a 64-bit integer.") from None


def _from_binary(raw: bytes, datatype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    size = math.prod(shape)
    if datatype != "BYTES":
        dtype = np.dtype(_NUMPY_TYPES[datatype])
        if len(raw) != size * dtype.itemsize:
            raise RequestError(f"Input {name!r} has shape {list(shape)} and datatype {datatype}, so "
                               f"{size * dtype.itemsize} bytes of binary data, but declares {len(raw)}.")
        values = np.frombuffer(raw, dtype=dtype)
        if datatype == "BOOL":
            return values.astype(bool)
        return values.astype(np.float64 if datatype.startswith("FP") else np.int64)
    items: list[str] = []
    offset = 0
    while offset < len(raw):  # each element: a 4-byte little-endian length, then the bytes
        if offset + 4 > len(raw):
            raise RequestError(f"The binary BYTES data of input {name!r} ends inside an element's length.")
        (length,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + length > len(raw):
            raise RequestError(f"The binary BYTES data of input {name!r} is shorter than its element lengths say.")
        try:
            items.append(raw[offset:offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise RequestError(f"Element {len(items)} of input {name!r} is not UTF-8 text.") from None
        offset += length
    if len(items) != size:
        raise RequestError(f"Input {name!r} has shape {list(shape)}, so {size} values, but its binary data holds "
                           f"{len(items)}.")
    return np.array(items, dtype=object)


# ------------------------------------------------------------------------------------------------ schema


def _rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    if model.tensor:
        return _tensor_rows(model, tensors)
    return _column_rows(model, tensors)


def _tensor_rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    spec = model.inputs[0]
    if len(tensors) != 1:
        raise RequestError(f"Model '{model.name}' takes one input, a numeric tensor [N, {model.n_features}] "
                           f"(named '{spec.name}'). Got {len(tensors)} inputs instead.")
    tensor = tensors[0]
    if tensor.datatype not in _NUMBER_TYPES and tensor.datatype != "BOOL":
        raise RequestError(f"Input {tensor.name!r} must have a numeric datatype such as FP32. Got {tensor.datatype} "
                           "instead.")
    if len(tensor.shape) != 2 or tensor.shape[1] != model.n_features:
        raise RequestError(f"Input {tensor.name!r} must have shape [N, {model.n_features}] (rows, features). Got "
                           f"{list(tensor.shape)} instead.")
    x = tensor.values.astype(np.float64).reshape(tensor.shape)
    rows = Rows(x, tensor.shape[0])
    model.check_rows(rows)
    return rows


def _column_rows(model: ServedModel, tensors: list[Tensor]) -> Rows:
    import pandas as pd

    given = {t.name: t for t in tensors}
    absent = [spec.name for spec in model.inputs if spec.name not in given]
    if absent:
        raise RequestError(f"The request has no input {absent[0]!r}" + (f" (nor {', '.join(map(repr, absent[1:]))})"
                                                                         if absent[1:] else "")
                           + f"; model '{model.name}' needs one input per column: "
                           f"{', '.join(repr(s.name) for s in model.inputs)} (GET /v2/models/{model.name}).")
    unknown = [name for name in given if name not in model.input_by_name and name not in model.known_columns]
    if unknown:
        raise RequestError(f"Input {unknown[0]!r} is not an input of model '{model.name}'; its inputs are "
                           f"{', '.join(repr(s.name) for s in model.inputs)}.")
    columns: dict[str, np.ndarray] = {}
    n_rows: int | None = None
    first = ""
    for spec in model.inputs:
        tensor = given[spec.name]
        if not (len(tensor.shape) == 1 or (len(tensor.shape) == 2 and tensor.shape[1] == 1)):
            raise RequestError(f"Input {spec.name!r} is one column, so its shape must be [N] or [N, 1]. Got "
                               f"{list(tensor.shape)} instead.")
        if spec.kind == "numeric" and tensor.datatype == "BYTES":
            raise RequestError(f"Input {spec.name!r} is a numeric column, so its datatype must be numeric (FP64, FP32, "
                               "INT64, ...). Got BYTES instead.")
        if spec.kind == "text" and tensor.datatype != "BYTES":
            raise RequestError(f"Input {spec.name!r} is a text column, so its datatype must be BYTES. Got "
                               f"{tensor.datatype} instead.")
        if n_rows is None:
            n_rows, first = tensor.shape[0], spec.name
        elif tensor.shape[0] != n_rows:
            raise RequestError(f"The inputs have different numbers of rows: {first!r} has {n_rows} and {spec.name!r} "
                               f"has {tensor.shape[0]}.")
        columns[spec.name] = tensor.values
    return Rows(pd.DataFrame(columns), int(n_rows or 0))


# ------------------------------------------------------------------------------------------------ response


def encode_response(model: ServedModel, request: InferRequest, probability: np.ndarray, threshold: float,
                    warnings: list[str]) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers: plain JSON, or a JSON header followed by the binary outputs."""
    n = len(probability)
    outputs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for name in request.outputs:
        if name == "probability":
            values = probability.astype(np.float32)
            datatype, raw = "FP32", values.astype("<f4").tobytes()
            data: list[Any] = values.tolist()
        else:
            data = [str(label) for label in model.labels(probability, threshold)]
            datatype = "BYTES"
            raw = b"".join(struct.pack("<I", len(b)) + b for b in (s.encode("utf-8") for s in data))
        output: dict[str, Any] = {"name": name, "datatype": datatype, "shape": [n]}
        if request.binary.get(name):
            output["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            output["data"] = data
        outputs.append(output)
    document: dict[str, Any] = {"model_name": model.name, "model_version": "", "outputs": outputs,
                                "parameters": {"threshold": threshold}}
    if request.id is not None:
        document["id"] = request.id
    if warnings:
        document["parameters"]["warning"] = " ".join(warnings)
    header = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if not chunks:
        return header, {"content-type": "application/json"}
    return header + b"".join(chunks), {"content-type": "application/octet-stream",
                                       "inference-header-content-length": str(len(header))}


# ------------------------------------------------------------------------------------------------ helpers


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, float) or math.isfinite(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
