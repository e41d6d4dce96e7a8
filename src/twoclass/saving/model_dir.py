"""The model directory on disk: `twoclass.json` (everything but the weights) and `weights.safetensors`.

This module reads, checks and writes that directory with NumPy, JSON and safetensors only: it never imports JAX,
so the NumPy inference path (`twoclass.inference`) can load a model without it. Building JAX models from a
directory lives in `twoclass.io`.

Layout of `twoclass.json` (format version 1):
    format, format_version   "twoclass-model", 1
    kind                     "classifier" (a fitted TwoClassClassifier) or "model" (a bare Keras-style model)
    architecture             the Keras `model.to_json()` dict (layer configs, build and compile config)
    weights                  [{"name", "shape", "dtype"}] in Keras weight order; the tensors are in the
                             safetensors file under those names ("layers.<i>.<weight>", i counting layers
                             after the input)
    plus, for a classifier:  estimator params, input (kind and columns), preprocessing (Preprocessor.to_dict),
                             labels, threshold, calibration, history, validation figures, seed, versions
    integrity                {"algorithm": "sha256", "digest": ...}: SHA-256 over the JSON's content (without
                             this entry) and the bytes of weights.safetensors (`twoclass.saving.integrity`).
                             Written since issue 17, in the same format version: a file without it (from an
                             older twoclass) loads with a UserWarning that its weights cannot be checked, and
                             every stored value is range-checked either way (`twoclass.saving.record_checks`,
                             the preprocessing in `twoclass.data`).

Reading is bounded: twoclass.json at most 64 MiB and 64 levels deep, the weights file no larger than its
architecture needs, its header checked before any tensor is read. Saving never loses a model (`swap`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from twoclass.core.files import about, fsync_directory
from twoclass.core.validation import invalid, missing
from twoclass.saving import integrity, record_checks, swap

FORMAT = "twoclass-model"
FORMAT_VERSION = 1
JSON_FILE = "twoclass.json"
WEIGHTS_FILE = "weights.safetensors"

# Names of each layer's weights, in Keras's order (Dense kernel then bias, and so on).
_IDENTITY_LAYERS = {"Dropout", "GaussianNoise", "InputLayer"}
_KNOWN_LAYERS = {"Dense", "Activation", "BatchNormalization", "Normalization", *_IDENTITY_LAYERS}


class ModelDir(NamedTuple):
    """What a model directory holds: the JSON record and the weight tensors by name."""

    meta: dict[str, Any]
    weights: dict[str, np.ndarray]


class LayerSpec(NamedTuple):
    """One layer of the network as the NumPy and ONNX paths see it."""

    index: int  # position among the layers after the input; the weight names use it
    class_name: str
    config: dict[str, Any]
    input_dim: int
    output_dim: int


def damaged(path: Any, why: str) -> ValueError:
    """The one error a damaged or foreign model directory raises."""
    return ValueError(f"'{path}' is not a usable twoclass model directory: {why}.")


# ------------------------------------------------------------------------------------------------ architecture


def _entries(architecture: Any) -> list[dict[str, Any]]:
    if not isinstance(architecture, dict) or not isinstance(architecture.get("config"), dict):
        raise ValueError("the architecture is not a Keras model config (no 'config' object)")
    layers = architecture["config"].get("layers")
    if not isinstance(layers, list) or not all(isinstance(e, dict) for e in layers):
        raise ValueError("the architecture has no list of layers")
    return layers


def _input_dim(entries: list[dict[str, Any]], architecture: dict[str, Any]) -> int:
    for entry in entries:
        if entry.get("class_name") == "InputLayer":
            shape = entry.get("config", {}).get("batch_shape") or entry.get("config", {}).get("batch_input_shape")
            if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], int):
                return shape[1]
    shape = architecture.get("config", {}).get("build_input_shape")
    if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], int):
        return shape[1]
    raise ValueError("the architecture does not say how many input features the network takes")


def _activation(config: dict[str, Any]) -> str:
    value = config.get("activation", "linear")
    if isinstance(value, dict):  # Keras may store {"class_name": ..., "config": {"name": ...}}
        value = value.get("config", {}).get("name") or value.get("class_name")
    return "linear" if value is None else str(value)


def layer_specs(architecture: Any) -> list[LayerSpec]:
    """The network's layers after the input, with their input and output widths.

    Example:
        >>> [s.class_name for s in layer_specs(meta["architecture"])]  # doctest: +SKIP
        ['Dense', 'Dense']
    """
    entries = _entries(architecture)
    dim = _input_dim(entries, architecture)
    specs: list[LayerSpec] = []
    for entry in entries:
        name, config = entry.get("class_name"), entry.get("config")
        if name == "InputLayer":
            continue
        if name not in _KNOWN_LAYERS or not isinstance(config, dict):
            raise ValueError(f"the architecture has a layer of unknown type {name!r}")
        out = dim
        if name == "Dense":
            units = config.get("units")
            if not isinstance(units, int) or units < 1:
                raise ValueError(f"a Dense layer has no valid 'units' ({units!r})")
            out = units
            config = {**config, "activation": _activation(config)}
        elif name == "Activation":
            config = {**config, "activation": _activation(config)}
        specs.append(LayerSpec(len(specs), name, config, dim, out))
        dim = out
    if not specs:
        raise ValueError("the architecture has no layers")
    return specs


def weight_specs(architecture: Any) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, dtype) of every weight tensor in Keras order, as the safetensors file must hold them."""
    out: list[tuple[str, tuple[int, ...], str]] = []
    for spec in layer_specs(architecture):
        prefix, cfg, d = f"layers.{spec.index}.", spec.config, spec.input_dim
        if spec.class_name == "Dense":
            out.append((prefix + "kernel", (d, spec.output_dim), "float32"))
            if cfg.get("use_bias", True):
                out.append((prefix + "bias", (spec.output_dim,), "float32"))
        elif spec.class_name == "BatchNormalization":
            if cfg.get("scale", True):
                out.append((prefix + "gamma", (d,), "float32"))
            if cfg.get("center", True):
                out.append((prefix + "beta", (d,), "float32"))
            out += [(prefix + "moving_mean", (d,), "float32"), (prefix + "moving_variance", (d,), "float32")]
        elif spec.class_name == "Normalization":
            out += [
                (prefix + "mean", (d,), "float32"),
                (prefix + "variance", (d,), "float32"),
                (prefix + "count", (), "int64"),
            ]
    return out


# ------------------------------------------------------------------------------------------------ JSON


def jsonable(value: Any) -> Any:
    """Plain JSON types: NumPy scalars and arrays become numbers and lists, tuples lists, NaN/inf None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


# ------------------------------------------------------------------------------------------------ reading


def read_model_dir(path: Any) -> ModelDir:
    """Read and check a model directory; any problem raises one ValueError that says what is wrong.

    Sizes and names are checked before contents are read (see `twoclass.saving.integrity`), the SHA-256 digest
    over the weights and the JSON content is verified, and a classifier's stored entries are range-checked
    (`twoclass.saving.record_checks`). A model left in a backup by a save that was killed mid-swap is put back
    first (`twoclass.saving.swap.recover`).

    Example:
        >>> record = read_model_dir("model/")  # doctest: +SKIP
        >>> record.meta["kind"]  # doctest: +SKIP
        'classifier'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"The 'path' argument must be a str or os.PathLike. Got {type(path).__name__} instead.")
    path = os.fspath(path)
    source = swap.recover(os.path.abspath(path)) or path
    if not os.path.isdir(source):
        if os.path.exists(source):
            raise damaged(path, "it is a file, not a directory")
        raise FileNotFoundError(f"Model directory not found: '{path}'.")
    try:
        meta = _read_meta(source)
        specs = _weight_specs(meta)
        weights_bytes = _read_weights_file(source, specs)
        weights = integrity.read_tensors(weights_bytes, specs, WEIGHTS_FILE)  # the header's own errors first
        integrity.check_digest(meta, weights_bytes, JSON_FILE, WEIGHTS_FILE, shown=os.path.join(path, JSON_FILE))
        for name, array in weights.items():
            if array.dtype.kind == "f" and not np.isfinite(array).all():
                raise integrity.Damaged(f"weight '{name}' contains NaN or infinite values")
        if meta["kind"] == "classifier":
            record_checks.check_classifier(meta)
    except integrity.Damaged as error:
        raise damaged(path, str(error)) from None
    except ValueError as error:
        raise damaged(path, in_file(error)) from None
    except OSError as error:
        raise about(error, error.filename or path, "read") from None
    return ModelDir(meta, weights)


def in_file(error: BaseException, file: str = JSON_FILE) -> str:
    """An entry's error as part of a sentence about the file: "twoclass.json: the 'value' entry of ..."."""
    text = str(error).rstrip(".")
    return f"{file}: " + (text[:1].lower() + text[1:] if text.startswith("The ") else text)


def _read_meta(path: str) -> dict[str, Any]:
    file = os.path.join(path, JSON_FILE)
    if not os.path.isfile(file):
        raise integrity.Damaged(f"{JSON_FILE} is missing")
    meta = integrity.parse_json(integrity.read_bounded(file, JSON_FILE, integrity.MAX_JSON_BYTES), JSON_FILE)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise integrity.Damaged(f"{JSON_FILE} does not describe a twoclass model (no format '{FORMAT}')")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise integrity.Damaged(
            f"its format version is {version!r} and this twoclass reads version "
            f"{FORMAT_VERSION}; upgrade twoclass or save the model again"
        )
    for key in ("kind", "architecture", "weights"):
        if key not in meta:
            raise missing(key, JSON_FILE)
    if meta["kind"] not in ("classifier", "model"):
        raise invalid("kind", JSON_FILE, "'classifier' or 'model'", meta["kind"], kind="entry")
    return meta


def _weight_specs(meta: dict[str, Any]) -> list[tuple[str, tuple[int, ...], str]]:
    try:
        return weight_specs(meta["architecture"])
    except (ValueError, TypeError) as error:
        raise integrity.Damaged(f"{JSON_FILE}: {error}") from None


def _read_weights_file(path: str, specs: list[tuple[str, tuple[int, ...], str]]) -> bytes:
    file = os.path.join(path, WEIGHTS_FILE)
    if not os.path.isfile(file):
        raise integrity.Damaged(f"{WEIGHTS_FILE} is missing")
    limit = integrity.expected_size(specs, WEIGHTS_FILE)
    if os.path.getsize(file) > limit:
        raise integrity.Damaged(
            f"{WEIGHTS_FILE} is {os.path.getsize(file):,} bytes, more than the architecture's "
            f"weights can take ({limit:,} at most)"
        )
    return integrity.read_bounded(file, WEIGHTS_FILE, limit)


def ordered_weights(record: ModelDir) -> list[np.ndarray]:
    """The weight tensors in Keras order (what `model.set_weights` takes)."""
    return [record.weights[name] for name, _, _ in weight_specs(record.meta["architecture"])]


# ------------------------------------------------------------------------------------------------ writing


def _write_files(directory: str, meta: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save

    tensors = {name: np.array(array, order="C") for name, array in weights.items()}  # keeps 0-d shapes
    # one metadata entry: safetensors writes the entries of its metadata map in no fixed order, and two made the
    # file (and the digest twoclass.json keeps of it) differ from save to save of the same model
    weights_bytes = save(tensors, metadata={"format": f"{FORMAT} {FORMAT_VERSION}"})
    content = jsonable({k: v for k, v in meta.items() if k != integrity.INTEGRITY_KEY})
    content[integrity.INTEGRITY_KEY] = integrity.integrity_entry(content, weights_bytes)
    text = json.dumps(content, indent=1, allow_nan=False) + "\n"
    for name, data in ((WEIGHTS_FILE, weights_bytes), (JSON_FILE, text.encode("utf-8"))):
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    fsync_directory(directory)


def check_replaceable(path: str) -> None:
    """Refuse to replace anything but a model directory that holds only twoclass's own files (or nothing)."""
    if not os.path.lexists(path):
        return
    if not os.path.isdir(path) or os.path.islink(path):
        raise ValueError(f"Refusing to save the model to '{path}': it is a file. Choose a new path or remove it.")
    entries = sorted(os.listdir(path))
    foreign = [e for e in entries if e not in swap.OWN_FILES or not os.path.isfile(os.path.join(path, e))]
    if not foreign:
        return
    if JSON_FILE not in entries:
        raise ValueError(
            f"Refusing to save the model to '{path}': it is a non-empty directory that is not a "
            "twoclass model. Choose a new path or remove it."
        )
    shown = ", ".join(repr(e) for e in foreign[:5]) + (", ..." if len(foreign) > 5 else "")
    raise ValueError(
        f"Refusing to save the model to '{path}': it holds files twoclass did not write ({shown}), "
        "which replacing the model would delete. Move them, or choose another path."
    )


def write_model_dir(path: Any, meta: dict[str, Any], weights: dict[str, np.ndarray]) -> str:
    """Write a model directory atomically: the files go into a temporary directory next to ``path``, which then
    takes the place of the old one (`twoclass.saving.swap`). A failure or a kill at any point leaves the old model
    (or, killed mid-swap, a backup that the next load or save puts back). Returns the path written.

    Example:
        >>> write_model_dir("model", meta, weights)  # doctest: +SKIP
        'model'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"The 'path' argument must be a str or os.PathLike. Got {type(path).__name__} instead.")
    path = os.path.abspath(os.fspath(path)).rstrip(os.sep) or os.sep
    parent, name = os.path.split(path)
    try:
        swap.recover(path)
        check_replaceable(path)
        os.makedirs(parent, exist_ok=True)
        swap.remove_leftovers(path)
        temp = swap.temp_dir(parent, name)
    except OSError as error:
        raise about(error, path, "write") from None
    try:
        _write_files(temp, meta, weights)
        swap.swap_into_place(temp, path)
    except BaseException as error:
        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(error, OSError):
            raise about(error, path, "write") from None
        raise
    finally:
        swap.done_with(temp)
    return path


def iter_layer_weights(specs: list[LayerSpec], weights: dict[str, np.ndarray]) -> Iterator[tuple[LayerSpec, dict]]:
    """Each layer with its own weights keyed by short name ('kernel', 'bias', ...)."""
    for spec in specs:
        prefix = f"layers.{spec.index}."
        yield spec, {k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)}
