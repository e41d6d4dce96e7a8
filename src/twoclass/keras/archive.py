"""Saving and loading models in Keras 3's formats: `.keras` archives, `.weights.h5` files and JSON configs.

Files written here are read by Keras 3 itself (`keras.models.load_model`, `model.load_weights`,
`keras.models.model_from_json`), and files Keras 3 writes are read here, for Sequential models and functional models
that are a single chain of twoclass's layers. What the formats contain is in `config.py` (configs) and
`weights_h5.py` (weights); this module handles paths, archives, atomic writes and the errors users see. Files
written here carry the optimizer's state in Keras's layout, so Keras continues training exactly; twoclass, loading
any file, keeps the step count and starts the optimizer's moments afresh.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from twoclass.core.files import atomic_output
from twoclass.keras import config as fmt
from twoclass.keras import legacy_h5
from twoclass.keras import weights_h5 as weights_fmt

KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose file layout these files reproduce
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


class _FileExists(FileExistsError, ValueError):
    """Raised for overwrite=False; catchable as FileExistsError or as ValueError."""


class FileMissing(FileNotFoundError, ValueError):
    """Raised for a path that does not exist; catchable as FileNotFoundError or as ValueError (as Keras raises)."""


# --------------------------------------------------------------------------------------------------------------------
# Configs and JSON


def sequential_config(model) -> dict[str, Any]:
    """What Keras's `model.get_config()` returns: the inner config (name, layers, build_input_shape).

    >>> sequential_config(model)["layers"][1]["class_name"]
    'Dense'
    """
    return fmt.model_config(model)["config"]


def model_to_json(model, **json_kwargs) -> str:
    """The model's architecture (and compile settings) as Keras 3's `model.to_json()` writes it.

    >>> keras.models.model_from_json(model_to_json(model))  # the real Keras reads it
    """
    return json.dumps(fmt.model_config(model), **json_kwargs)


# --------------------------------------------------------------------------------------------------------------------
# Paths and atomic writes


def fspath_of(filepath, owner: str) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(
            f"The 'filepath' parameter of {owner} must be a str or os.PathLike. Got {type(filepath).__name__} instead."
        )
    return os.fspath(filepath)


def _atomic_write(path: str, write: Callable[[Any], None], overwrite: bool, owner: str) -> None:
    """Write through `write(binary_file)` into a temp file beside `path`, then move it into place in one step."""
    if not overwrite and os.path.exists(path):
        raise _FileExists(
            f"{owner} would overwrite the existing file '{path}', and overwrite=False. Pass "
            "overwrite=True or choose another path."
        )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileMissing(
            f"The folder '{directory}' does not exist, so {owner} cannot write '{path}'. Create it first (os.makedirs)."
        )
    with atomic_output(path, "wb") as out:
        write(out)


def require_built(model, owner: str) -> None:
    """Build a model that knows its input size (as Keras builds a Sequential with an Input); else a clear error."""
    if model.params is None:
        if model.input_dim is None:
            raise ValueError(
                f"Model '{model.name}' has never been built, so it has no weights to {owner}. Call "
                "fit first, or give the first layer input_shape=(n,) (or start with Input(shape=(n,)))."
            )
        model.build()


def _weights_bytes(model) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        weights_fmt.write_weights(model, h5file)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------------------------
# .keras archives


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Save architecture, compile settings and weights to a `.keras` file that Keras 3 loads.

    >>> model.save("rings.keras")    # then keras.models.load_model("rings.keras") works too
    """
    path = fspath_of(filepath, "save")
    if legacy_h5.is_legacy_model_path(path):
        # Keras 3 still writes the legacy HDF5 model file for these names (and warns that it is legacy)
        require_built(model, "save")
        _atomic_write(path, lambda out: _legacy_bytes(model, out), overwrite, "save")
        return
    if not path.endswith(".keras"):
        raise ValueError(
            f"The 'filepath' parameter of save must end in '.keras' (the Keras 3 format, which Keras and twoclass "
            f"both load). Got {path!r} instead. To save only the weights use model.save_weights('name.weights.h5'); "
            "for a twoclass model folder (safetensors + JSON, read by `twoclass predict`) use "
            "twoclass.io.save_model_dir(model, 'folder')."
        )
    require_built(model, "save")
    config = json.dumps(fmt.model_config(model))
    metadata = json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "twoclass_version": _twoclass_version(),
        }
    )

    def write(out) -> None:
        weights = _weights_bytes(model)
        with zipfile.ZipFile(out, "w") as archive:  # stored, not deflated: as Keras writes it
            archive.writestr(_METADATA, metadata)
            archive.writestr(_CONFIG, config)
            archive.writestr(_WEIGHTS, weights)

    _atomic_write(path, write, overwrite, "save")


def _legacy_bytes(model, out) -> None:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        legacy_h5.write(model, h5file)
    out.write(buffer.getvalue())


def _twoclass_version() -> str:
    from twoclass import __version__

    return __version__


def _not_a_model(path: str, why: str) -> ValueError:
    return ValueError(f"'{path}' is not a Keras model file ({why}).")


_MAX_CONFIG_BYTES = 64 * 1024 * 1024  # as twoclass.json in a model directory
_MAX_WEIGHTS_BYTES = 1024**3


def read_archive(path: str) -> tuple[dict, bytes]:
    if not zipfile.is_zipfile(path):
        if is_hdf5(path):
            raise _not_a_model(
                path,
                "it is an HDF5 file: a legacy Keras 2 '.h5' model or a weights file. Load "
                "weights with model.load_weights(path) into a model of the same architecture",
            )
        raise _not_a_model(path, "not a zip archive")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if _CONFIG not in names:
                raise _not_a_model(path, f"the archive has no {_CONFIG}")
            if _WEIGHTS not in names:
                raise _not_a_model(
                    path,
                    f"the archive has no {_WEIGHTS}"
                    + (
                        "; it stores weights as .npz, which twoclass does not read"
                        if "model.weights.npz" in names
                        else ""
                    ),
                )
            for member, limit in ((_CONFIG, _MAX_CONFIG_BYTES), (_WEIGHTS, _MAX_WEIGHTS_BYTES)):
                # checked before inflating: a member may expand to far more than the archive's size
                size = archive.getinfo(member).file_size
                if size > limit:
                    raise _not_a_model(
                        path, f"its {member} would expand to {size:,} bytes, more than the {limit:,} twoclass reads"
                    )
            config_text, weights = archive.read(_CONFIG), archive.read(_WEIGHTS)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _not_a_model(path, f"the zip archive is damaged: {error}") from None
    try:
        config = json.loads(config_text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise _not_a_model(path, f"its {_CONFIG} is not valid JSON (or is nested too deeply)") from None
    if not isinstance(config, dict):
        raise _not_a_model(path, f"its {_CONFIG} does not describe a model")
    return config, weights


def is_hdf5(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8) == b"\x89HDF\r\n\x1a\n"


class open_h5:
    """An h5py.File over bytes or a path, whose failure to open is a ValueError naming the file."""

    def __init__(self, source, shown: str):
        self.source, self.shown, self.file = source, shown, None

    def __enter__(self):
        import h5py

        try:
            self.file = h5py.File(io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source, "r")
        except OSError as error:
            raise ValueError(
                f"{self.shown} holds no readable HDF5 weights ({error}). The file is damaged or is not a weights file."
            ) from None
        return self.file

    def __exit__(self, *exc) -> None:
        self.file.close()


# --------------------------------------------------------------------------------------------------------------------
# Weights


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save the weights to a `.weights.h5` file in Keras 3's layout (Keras's `load_weights` reads it).

    >>> model.save_weights("rings.weights.h5")
    """
    path = fspath_of(filepath, "save_weights")
    if not path.endswith(".weights.h5"):
        raise ValueError(
            f"The 'filepath' parameter of save_weights must end in '.weights.h5', as in Keras 3. Got "
            f"{path!r} instead. To save the whole model use model.save('name.keras')."
        )
    require_built(model, "save")
    _atomic_write(path, lambda out: out.write(_weights_bytes(model)), overwrite, "save_weights")


def load_weights(model, filepath) -> None:
    """Load weights saved by `save_weights` (twoclass or Keras 3), or the weights inside a `.keras` file.

    >>> model.load_weights("rings.weights.h5")
    """
    path = fspath_of(filepath, "load_weights")
    if not (path.endswith(".weights.h5") or path.endswith(".keras") or legacy_h5.is_legacy_model_path(path)):
        raise ValueError(
            "The 'filepath' parameter of load_weights must end in '.weights.h5', '.keras' or '.h5' (a legacy model "
            f"file). Got {path!r} instead."
        )
    if not os.path.exists(path):
        raise FileMissing(f"File not found: '{path}'.")
    source: Any = path
    if path.endswith(".keras"):
        source = read_archive(path)[1]
    elif not is_hdf5(path):
        raise ValueError(f"'{path}' is not a weights file (not HDF5). Write one with model.save_weights(path).")
    with open_h5(source, f"'{path}'") as h5file:
        if legacy_h5.is_legacy_model_file(h5file):  # a whole model saved as .h5: its weights, by layer order
            require_built(model, "load weights into")
            apply_weights(model, legacy_h5.layer_arrays(h5file, model, f"'{path}'"), h5file, f"'{path}'")
            return
        apply_weights(model, weights_fmt.read_layer_weights(model, h5file), h5file, f"'{path}'")


def apply_weights(model, per_layer: list[list[np.ndarray]], h5file, shown: str) -> None:
    """Check every layer's arrays against the model, naming the first layer that differs, then set them all."""
    placeholders = _fill_unadapted(model)
    was_built = model.built
    try:
        require_built(model, "load weights into")
        expected = weights_fmt.layer_weights(model)
        for layer, path, want, got in zip(model.layers, weights_fmt.layer_paths(model), expected, per_layer):
            want_shapes = [w.shape for w in want]
            got_shapes = [np.shape(w) for w in got]
            if want_shapes != got_shapes:
                raise ValueError(
                    f"Layer '{layer.name}' ({type(layer).__name__}) of model '{model.name}' has weights of shapes "
                    f"{want_shapes}, but {shown} has {got_shapes} for it (at '{path}'). The file was saved from a "
                    "model with a different architecture."
                )
        extra = _unclaimed_layers(h5file, weights_fmt.layer_paths(model))
        if extra:
            raise ValueError(
                f"{shown} has weights for layers that model '{model.name}' does not have ({extra}). "
                "The file was saved from a model with more layers."
            )
        model.set_weights([w for arrays in per_layer for w in arrays])
    except BaseException:
        for layer in placeholders:
            layer.mean = layer.variance = None
        if not was_built:
            model.forget_weights()
        raise


def _fill_unadapted(model) -> list:
    """Give never-adapted Normalization layers a stand-in mean and variance so the model can be built; the file's
    values replace them."""
    from twoclass.keras.layers import Normalization

    if model.input_dim is None:
        return []
    filled = []
    for layer, dim in zip(model.layers, [model.input_dim, *model.output_dims()]):
        if isinstance(layer, Normalization) and layer.mean is None:
            layer.mean, layer.variance = np.zeros(dim, np.float32), np.ones(dim, np.float32)
            filled.append(layer)
    return filled


def _unclaimed_layers(h5file, paths: list[str]) -> list[str]:
    group = h5file.get("layers")
    if group is None:
        return []
    claimed = {path.split("/", 1)[1] for path in paths} | {"input_layer"}
    return sorted(name for name in group.keys() if name not in claimed and len(group[name].get("vars", {})) > 0)
