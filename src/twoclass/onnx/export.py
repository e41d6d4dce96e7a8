"""The public functions: `to_onnx` (the ModelProto of an estimator, a model directory or a network), `export_onnx`
(written to a file, atomically) and `frame_to_feeds` (a DataFrame as an exported pipeline's inputs).

Example:
    >>> export_onnx("titanic-model/", "titanic.onnx")  # doctest: +SKIP
    'titanic.onnx'
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from twoclass.core.files import atomic_output
from twoclass.onnx.graph import OPSET
from twoclass.onnx.network import _network_only
from twoclass.onnx.pipeline import _pipeline
from twoclass.saving import model_dir as fmt


def _source(model_or_estimator: Any) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, Any] | None]:
    """(architecture, weights, classifier metadata or None) from an estimator, a network or a model directory."""
    if isinstance(model_or_estimator, (str, os.PathLike)):
        record = fmt.read_model_dir(model_or_estimator)
        meta = record.meta if record.meta.get("kind") == "classifier" else None
        return record.meta["architecture"], record.weights, meta
    from twoclass.estimator.classifier import TwoClassClassifier
    from twoclass.saving.network import network_record

    if isinstance(model_or_estimator, TwoClassClassifier):
        from twoclass.estimator.state import estimator_meta

        meta, network = estimator_meta(model_or_estimator)
        record = network_record(network)
        return record["architecture"], record["weights"], meta
    from twoclass.keras.model import Sequential

    if isinstance(model_or_estimator, Sequential):
        record = network_record(model_or_estimator)
        return record["architecture"], record["weights"], None
    raise TypeError(
        "The 'model_or_estimator' argument of export_onnx must be a fitted TwoClassClassifier, a twoclass "
        f"Sequential/Model or a model directory path. Got {type(model_or_estimator).__name__} instead."
    )


def to_onnx(model_or_estimator: Any, *, pipeline: bool | None = None, opset: int | None = None):
    """The ONNX ModelProto of an estimator, a model directory or a network (see `twoclass.onnx` for both forms).

    ``pipeline``: None (the default) means True for a classifier (estimator or its model directory) and False for a
    bare network, which has no preprocessing to export.

    Example:
        >>> [o.name for o in to_onnx(clf).graph.output]  # doctest: +SKIP
        ['label', 'probability']
    """
    if pipeline is not None and not isinstance(pipeline, bool):
        raise TypeError(f"The 'pipeline' parameter of export_onnx must be a bool or None. Got {pipeline!r} instead.")
    if opset is not None and (isinstance(opset, bool) or not isinstance(opset, int) or opset < OPSET):
        raise ValueError(
            f"The 'opset' parameter of export_onnx must be an int >= {OPSET} or None. Got {opset!r} instead."
        )
    architecture, weights, meta = _source(model_or_estimator)
    if pipeline is None:
        pipeline = meta is not None
    if not pipeline:
        return _network_only(architecture, weights, meta, opset or OPSET)
    if meta is None:
        raise ValueError(
            "export_onnx(..., pipeline=True) needs a TwoClassClassifier or its model directory: a bare "
            "network has no preprocessing, labels or threshold. Use pipeline=False."
        )
    try:
        import skl2onnx  # noqa: F401
    except ImportError:
        raise ImportError("Exporting the whole model to ONNX needs skl2onnx: pip install 'twoclass[onnx]'.") from None
    return _pipeline(architecture, weights, meta, opset)


def export_onnx(model_or_estimator: Any, path: Any, *, pipeline: bool | None = None, opset: int | None = None) -> str:
    """Write the model as an ONNX file, atomically, and return the path written.

    ``model_or_estimator`` is a fitted TwoClassClassifier, a model directory or a twoclass Sequential/Model. For the
    first two the graph is the whole model (raw columns in, ``label`` and ``probability`` out); ``pipeline=False``
    (and a bare network always) writes the network alone, on the preprocessed features.

    Example:
        >>> export_onnx("titanic-model/", "titanic.onnx")  # doctest: +SKIP
        'titanic.onnx'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"The 'path' argument of export_onnx must be a str or os.PathLike. Got {type(path).__name__} instead."
        )
    path = os.fspath(path)
    data = to_onnx(model_or_estimator, pipeline=pipeline, opset=opset).SerializeToString()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with atomic_output(path, "wb") as out:
        out.write(data)
    return path


def frame_to_feeds(frame: Any, session: Any) -> dict[str, np.ndarray]:
    """A pandas DataFrame as the inputs of an exported pipeline (``session``: an onnxruntime.InferenceSession):
    numeric columns as float64 [N, 1] with NaN where missing, the others as strings [N, 1] with "" where missing.
    Columns the graph does not read are ignored; a column it reads and the frame lacks is left out, so onnxruntime
    names it.

    Example:
        >>> session.run(None, frame_to_feeds(df, session))  # doctest: +SKIP
    """
    import pandas as pd

    feeds: dict[str, np.ndarray] = {}
    for spec in session.get_inputs():
        if spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        if spec.type == "tensor(double)":
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = np.array(["" if pd.isna(v) else str(v) for v in column.to_numpy(dtype=object)], dtype=object)
        feeds[spec.name] = values.reshape(-1, 1)
    return feeds
