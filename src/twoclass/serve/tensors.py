"""Tensors of the Open Inference Protocol as clients send them: JSON data (flat or nested) or binary data after
the JSON header (Triton's binary tensor data extension), decoded into flat NumPy arrays and checked against their
declared datatype and shape. Every problem is a `RequestError` naming the input.

Example:
    >>> [t.values for t in decode_tensors([{"name": "age", "datatype": "FP64", "shape": [2], "data": [30, None]}],
    ...                                   b"")]
    [array([30., nan])]
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from twoclass.serve.models import RequestError

try:  # a dependency of twoclass, optional at run time: the standard library's json does the same, slower
    import orjson
except ImportError:  # pragma: no cover - the project's environment has it
    orjson = None

__all__ = [
    "DATATYPES",
    "NUMBER_TYPES",
    "Tensor",
    "decode_tensors",
    "describe",
    "dumps_json",
    "loads_json",
    "object_parameter",
    "shown",
]

_NUMPY_TYPES = {
    "BOOL": "|b1",
    "UINT8": "<u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "INT8": "<i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
}
DATATYPES = (*_NUMPY_TYPES, "BYTES")
NUMBER_TYPES = tuple(t for t in _NUMPY_TYPES if t != "BOOL")


@dataclass
class Tensor:
    name: str
    datatype: str
    shape: tuple[int, ...]
    values: np.ndarray  # flat: float64 (NaN for null), int64, bool or object (str / None)


def loads_json(body: bytes, what: str = "The request body") -> Any:
    """JSON from bytes; NaN and Infinity literals are read as Python reads them (the schema check refuses them
    where they do not belong). orjson reads it when installed (several times faster on thousands of numbers); what
    it refuses (NaN literals, integers past 64 bits, any error) goes to the standard library, which reads the same
    values the same way and words the error."""
    if orjson is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RequestError(f"{what} is not valid JSON ({reason}).") from None


def dumps_json(document: Any) -> bytes:
    """Compact JSON bytes of an answer (finite numbers only), with orjson when installed.

    Example:
        >>> dumps_json({"data": [0.5, 1]})
        b'{"data":[0.5,1]}'
    """
    if orjson is not None:
        return orjson.dumps(document)
    return json.dumps(document, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode("utf-8")


def object_parameter(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be a JSON object. Got {describe(value)} instead.")
    return value


def decode_tensors(value: Any, binary_part: bytes) -> list[Tensor]:
    if not isinstance(value, list) or not value:
        raise RequestError(
            "The request must have 'inputs': a non-empty list of tensors, each with 'name', 'shape', "
            f"'datatype' and 'data'. Got {shown(value)} instead."
        )
    tensors: list[Tensor] = []
    offset = 0
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise RequestError(
                f"inputs[{i}] must be an object with 'name', 'shape', 'datatype' and 'data'. Got "
                f"{describe(item)} instead."
            )
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise RequestError(f"inputs[{i}] must have a non-empty string 'name'. Got {shown(name)} instead.")
        if name in seen:
            raise RequestError(f"Input {name!r} is given twice.")
        seen.add(name)
        datatype, shape = _datatype(item.get("datatype"), name), _shape(item.get("shape"), name)
        parameters = object_parameter(item.get("parameters"), f"The 'parameters' of input {name!r}")
        size = parameters.get("binary_data_size")
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise RequestError(
                    f"The 'binary_data_size' of input {name!r} must be an integer >= 0. Got {size!r} instead."
                )
            if offset + size > len(binary_part):
                raise RequestError(
                    f"Input {name!r} declares {size} bytes of binary data, but only "
                    f"{len(binary_part) - offset} bytes follow the JSON header."
                )
            values = _from_binary(binary_part[offset : offset + size], datatype, shape, name)
            offset += size
        elif "data" in item:
            values = _from_json(item["data"], datatype, shape, name)
        else:
            raise RequestError(f"Input {name!r} has no 'data' (and no 'binary_data_size' parameter).")
        tensors.append(Tensor(name, datatype, shape, values))
    if offset != len(binary_part):
        raise RequestError(
            f"{len(binary_part) - offset} bytes of binary data after the JSON header belong to no "
            "input (check each input's 'binary_data_size')."
        )
    return tensors


def _datatype(value: Any, name: str) -> str:
    if value not in DATATYPES:
        raise RequestError(
            f"Input {name!r} has datatype {value!r}; the Open Inference Protocol's datatypes are "
            f"{', '.join(DATATYPES)}."
        )
    return value


def _shape(value: Any, name: str) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value)
    ):
        raise RequestError(
            f"Input {name!r} must have a 'shape': a non-empty list of integers >= 0. Got {shown(value)} instead."
        )
    return tuple(value)


def _flatten(data: Any, shape: tuple[int, ...], name: str) -> list[Any]:
    """The values row-major; the V2 protocol allows them flat or nested as the shape is. Ragged data is refused."""
    size = math.prod(shape)
    if not isinstance(data, list):
        raise RequestError(f"The 'data' of input {name!r} must be a list. Got {describe(data)} instead.")
    if not data or not isinstance(data[0], list):
        if len(data) != size:
            raise RequestError(
                f"Input {name!r} has shape {list(shape)}, so {size} values, but its 'data' holds {len(data)}."
            )
        return data
    flat: list[Any] = []

    def walk(part: Any, depth: int, where: str) -> None:
        if depth == len(shape):
            if isinstance(part, list):
                raise RequestError(
                    f"The 'data' of input {name!r} is nested deeper than its shape {list(shape)} (at {where})."
                )
            flat.append(part)
            return
        if not isinstance(part, list) or len(part) != shape[depth]:
            got = f"{len(part)} values" if isinstance(part, list) else describe(part)
            raise RequestError(
                f"The 'data' of input {name!r} is ragged or does not match its shape {list(shape)}: "
                f"at {where} expected {shape[depth]} values, got {got}."
            )
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
        raise RequestError(
            f"Input {name!r} has datatype {datatype}, so its data must be {what}. Got "
            f"{shown(flat[bad])} at position {bad} instead."
        )
    if datatype == "BYTES":
        return np.array(flat, dtype=object)
    if datatype == "BOOL":
        return np.array(flat, dtype=bool)
    if datatype.startswith("FP"):
        return np.array([math.nan if v is None else v for v in flat] if type(None) in types else flat, dtype=np.float64)
    try:
        return np.array(flat, dtype=np.int64)
    except OverflowError:
        raise RequestError(f"Input {name!r} has an integer too large for a 64-bit integer.") from None


def _from_binary(raw: bytes, datatype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    size = math.prod(shape)
    if datatype != "BYTES":
        dtype = np.dtype(_NUMPY_TYPES[datatype])
        if len(raw) != size * dtype.itemsize:
            raise RequestError(
                f"Input {name!r} has shape {list(shape)} and datatype {datatype}, so "
                f"{size * dtype.itemsize} bytes of binary data, but declares {len(raw)}."
            )
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
            items.append(raw[offset : offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise RequestError(f"Element {len(items)} of input {name!r} is not UTF-8 text.") from None
        offset += length
    if len(items) != size:
        raise RequestError(
            f"Input {name!r} has shape {list(shape)}, so {size} values, but its binary data holds {len(items)}."
        )
    return np.array(items, dtype=object)


def describe(value: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, float) or math.isfinite(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
