"""Reading a model directory's two files with bounded memory, and the SHA-256 that ties them together.

- twoclass.json is read only if it is at most MAX_JSON_BYTES, and refused if nested deeper than MAX_JSON_DEPTH (the
  JSON decoder would otherwise raise RecursionError, or take all memory, on a hostile file).
- weights.safetensors is checked from its 8-byte header length and its JSON header first: every tensor's name,
  dtype, shape and byte range must be what the architecture needs, and the file exactly that long, before a byte of
  tensor data is read. So a header that declares a huge tensor costs nothing.
- The digest is SHA-256 over the JSON's content (canonical form: sorted keys, no spaces, the `integrity` entry left
  out) and the bytes of weights.safetensors. Saving writes it into twoclass.json as
  {"integrity": {"algorithm": "sha256", "digest": "<64 hex digits>", ...}}; loading recomputes it, so a flipped bit
  in the weights or an edited number in the JSON is refused, while a JSON file re-indented by a tool still loads.
  Files written before the digest existed (same format version) load with a UserWarning saying they cannot be
  checked; their values are still range-checked.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from typing import Any

import numpy as np

MAX_JSON_BYTES = 64 * 1024 * 1024  # a 20,000-term vocabulary per text column is ~1 MB: far above any real model
MAX_JSON_DEPTH = 64  # a model record nests about 10 levels deep
MAX_HEADER_BYTES = 1024 * 1024  # names, dtypes, shapes and offsets of a few dozen tensors
MAX_WEIGHTS_BYTES = 1024**3  # 268 million float32 parameters: twoclass networks are thousands of times smaller
INTEGRITY_KEY = "integrity"
ALGORITHM = "sha256"
_SAFETENSORS_DTYPES = {"float32": ("F32", 4), "int64": ("I64", 8), "float64": ("F64", 8), "int32": ("I32", 4)}


class Damaged(ValueError):
    """What is wrong with one of the files, in words; the reader adds the directory's path."""


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node)
    return deepest


def parse_json(data: bytes, name: str) -> Any:
    """Parse JSON bytes, refusing what is not UTF-8, not JSON, or nested deeper than MAX_JSON_DEPTH."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Damaged(f"{name} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise Damaged(f"{name} is nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None
    except json.JSONDecodeError as error:
        raise Damaged(f"{name} is not valid JSON ({error})") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise Damaged(f"{name} is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    return value


def read_bounded(file: str, name: str, limit: int) -> bytes:
    """The bytes of ``file``, refused (before reading) when it is larger than ``limit``."""
    with open(file, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        # size + 1, not limit + 1: read(n) allocates n bytes at once; the + 1 sees a file that grew meanwhile
        data = b"" if size > limit else handle.read(size + 1)
    if size > limit or len(data) != size:
        what = "changed while it was read" if size <= limit else f"is {size / 1024**2:.1f} MiB"
        raise Damaged(f"{name} {what}: twoclass reads files of at most {limit / 1024**2:.0f} MiB, whole")
    return data


def canonical(meta: dict[str, Any]) -> bytes:
    """The JSON content in one fixed form (what the digest covers): sorted keys, no spaces, ASCII."""
    content = {k: v for k, v in meta.items() if k != INTEGRITY_KEY}
    try:
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True).encode()
    except (TypeError, ValueError, RecursionError) as error:
        raise Damaged(f"its content cannot be put in canonical form ({error})") from None


def digest(meta: dict[str, Any], weights_bytes: bytes) -> str:
    """SHA-256 over the canonical JSON content and the weights file's bytes, as 64 hex digits."""
    hasher = hashlib.sha256(b"twoclass-model\n")
    hasher.update(canonical(meta))
    hasher.update(b"\n")
    hasher.update(weights_bytes)
    return hasher.hexdigest()


def integrity_entry(meta: dict[str, Any], weights_bytes: bytes) -> dict[str, str]:
    return {
        "algorithm": ALGORITHM,
        "digest": digest(meta, weights_bytes),
        "covers": "the content of twoclass.json without this entry (sorted keys, no spaces) and the bytes of "
        "weights.safetensors",
    }


def check_digest(
    meta: dict[str, Any], weights_bytes: bytes, json_name: str, weights_name: str, shown: str | None = None
) -> None:
    """Refuse a record whose stored digest differs from its content's; warn when there is none (older files)."""
    entry = meta.get(INTEGRITY_KEY)
    if entry is None:
        warnings.warn(
            f"'{shown or json_name}' has no integrity digest (it was saved by an older twoclass), so damage to its "
            f"weights cannot be detected; save the model again to add one.",
            UserWarning,
            stacklevel=4,
        )
        return
    if not isinstance(entry, dict) or entry.get("algorithm") != ALGORITHM or not isinstance(entry.get("digest"), str):
        raise Damaged(
            f"the '{INTEGRITY_KEY}' entry of {json_name} must be an object with algorithm 'sha256' and a "
            f"digest. Got {str(entry)[:80]} instead"
        )
    if entry["digest"] != digest(meta, weights_bytes):
        raise Damaged(
            f"its SHA-256 digest does not match: {weights_name} or the content of {json_name} changed "
            "after the model was saved (a damaged copy, or an edit); save the model again from its source"
        )


# ------------------------------------------------------------------------------------------------ safetensors


def read_tensors(data: bytes, specs: list[tuple[str, tuple[int, ...], str]], name: str) -> dict[str, np.ndarray]:
    """Check a safetensors file's header against ``specs`` (name, shape, dtype) and return the tensors.

    The header is checked before any tensor is touched, and ``data`` is at most what the specs need (the caller
    compares the file's size with `expected_size` before reading it).
    """
    if len(data) < 8:
        raise Damaged(f"{name} cannot be read (too short for a safetensors file: {len(data)} bytes)")
    header_length = int.from_bytes(data[:8], "little")
    if header_length > min(MAX_HEADER_BYTES, len(data) - 8):
        raise Damaged(
            f"{name} cannot be read (it declares a header of {header_length} bytes in a file of {len(data)} bytes)"
        )
    header = parse_json(bytes(data[8 : 8 + header_length]), f"the header of {name}")
    if not isinstance(header, dict):
        raise Damaged(f"{name} cannot be read (its header is not a JSON object)")
    header.pop("__metadata__", None)
    wanted = {n: (shape, dtype) for n, shape, dtype in specs}
    missing, extra = sorted(set(wanted) - set(header)), sorted(set(header) - set(wanted))
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else []
        )
        raise Damaged(f"{name} does not match the architecture ({'; '.join(parts)})")
    body = memoryview(data)[8 + header_length :]
    tensors, spans = {}, []
    for tensor, (shape, dtype) in wanted.items():
        entry = header[tensor]
        code, size = _SAFETENSORS_DTYPES[dtype]
        if not isinstance(entry, dict) or entry.get("dtype") != code:
            got = entry.get("dtype") if isinstance(entry, dict) else entry
            raise Damaged(f"weight '{tensor}' in {name} has dtype {got!r} but the architecture needs {code}")
        if entry.get("shape") != list(shape):
            got = tuple(entry["shape"]) if isinstance(entry.get("shape"), list) else entry.get("shape")
            raise Damaged(f"weight '{tensor}' has shape {got} but the architecture needs {shape}")
        offsets = entry.get("data_offsets")
        length = math.prod(shape) * size
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or offsets[1] - offsets[0] != length
            or offsets[0] < 0
            or offsets[1] > len(body)
        ):
            raise Damaged(
                f"weight '{tensor}' in {name} has data offsets {offsets!r} that do not fit its shape or the file"
            )
        spans.append((offsets[0], offsets[1]))
        array = np.frombuffer(body[offsets[0] : offsets[1]], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[tensor] = array.astype(dtype).reshape(shape)
    spans.sort()
    covered = 0
    for start, end in spans:
        if start != covered:
            raise Damaged(f"the tensors in {name} overlap or leave gaps")
        covered = end
    if covered != len(body):
        raise Damaged(f"{name} has {len(body) - covered} bytes after its last tensor")
    return tensors


def expected_size(specs: list[tuple[str, tuple[int, ...], str]], name: str) -> int:
    """The most bytes a weights file for these specs may have: the tensors plus the largest header we read."""
    total = sum(math.prod(shape) * _SAFETENSORS_DTYPES[dtype][1] for _, shape, dtype in specs)
    if total > MAX_WEIGHTS_BYTES:
        raise Damaged(
            f"the architecture needs {total / 1024**3:.1f} GiB of weights, more than the "
            f"{MAX_WEIGHTS_BYTES // 1024**3} GiB twoclass reads from {name}"
        )
    return 8 + MAX_HEADER_BYTES + total
