"""The whole model in one graph: the stored preprocessing's blocks in feature order (one converter per block kind:
`BLOCK_CONVERTERS`), the network in double, the calibrator, the threshold and the labels, and the graph's metadata.

Example:
    >>> [o.name for o in _pipeline(architecture, weights, meta, None).graph.output]  # doctest: +SKIP
    ['label', 'probability']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from twoclass.onnx.blocks import _categorical_block, _Export, _known_entries, _numeric_block
from twoclass.onnx.graph import _BOOL, _DOUBLE, _FLOAT, _INT64, _STRING, OPSET, _Graph, _model
from twoclass.onnx.network import _calibration, _network
from twoclass.onnx.text import _text_block
from twoclass.saving import model_dir as fmt

OUTPUTS = ("label", "probability")
_PREPROCESSOR_ENTRIES = {"format", "kind", "params", "target", "column_types", "reasons", "feature_names_out"}
_PARAMS = {"column_types", "text_max_features", "text_ngram_range", "text_method", "max_categories", "numeric_encoding"}


BlockConverter = Callable[[_Export, dict[str, Any]], tuple[str, list[str]]]
# One converter per block kind, in the order the Preprocessor lines its blocks up (its feature order).
BLOCK_CONVERTERS: dict[str, BlockConverter] = {
    "numeric": _numeric_block,
    "categorical": _categorical_block,
    "text": _text_block,
}


def _blocks(preprocessing: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The stored blocks in feature order, (kind, record); an unknown kind or entry is refused by name."""
    if preprocessing.get("kind") != "twoclass.Preprocessor":
        raise ValueError("The model's preprocessing is not a twoclass Preprocessor; it cannot be exported to ONNX.")
    _known_entries(preprocessing.get("params", {}), _PARAMS, "preprocessing parameters")
    unknown = [k for k in preprocessing if k not in _PREPROCESSOR_ENTRIES and k not in BLOCK_CONVERTERS]
    if unknown:
        raise ValueError(
            f"The model's preprocessing has block kind(s) the ONNX exporter does not know: "
            f"{', '.join(map(repr, unknown))} (it knows {', '.join(map(repr, BLOCK_CONVERTERS))}). This twoclass "
            "cannot export it to ONNX yet; use twoclass.inference or `twoclass serve` for this model."
        )
    blocks: list[tuple[str, dict[str, Any]]] = []
    for kind in BLOCK_CONVERTERS:
        stored = preprocessing.get(kind)
        for record in stored if isinstance(stored, list) else [] if stored is None else [stored]:
            blocks.append((kind, record))
    return blocks


_INPUT_TYPES = {
    "numeric": ("double", _DOUBLE, "NaN"),
    "categorical": ("string", _STRING, '""'),
    "text": ("string", _STRING, '""'),
}


def _label_constants(classes: list[Any]) -> tuple[np.ndarray, int, str]:
    """The two labels as a constant of the type they are stored with (bool, int64, double or string)."""
    if all(isinstance(c, bool) for c in classes):
        return np.array(classes, np.bool_), _BOOL, "bool"
    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return np.array(classes, np.int64), _INT64, "int64"
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes):
        return np.array(classes, np.float64), _DOUBLE, "double"
    return np.array([str(c) for c in classes], dtype=object), _STRING, "string"


def _pipeline(
    architecture: dict[str, Any], weights: dict[str, np.ndarray], meta: dict[str, Any], opset: int | None
) -> Any:
    from onnx import helper

    from twoclass.data.labels import LabelEncoding

    preprocessing = meta["preprocessing"]
    kinds = dict(preprocessing["column_types"])
    columns = [name for name, kind in kinds.items() if kind in _INPUT_TYPES]
    for name in columns:
        if name in OUTPUTS:
            raise ValueError(
                f"Column '{name}' has the name of an output of the ONNX graph ({', '.join(OUTPUTS)}); "
                "the graph cannot hold both. Rename the column and retrain to export this model."
            )
    ex = _Export(_Graph(set(columns) | set(OUTPUTS)), kinds)
    g = ex.g
    ex.opset = max(ex.opset, opset or OPSET)
    parts, names = [], []
    for kind, record in _blocks(preprocessing):
        out, block_names = BLOCK_CONVERTERS[kind](ex, record)
        parts.append(out)
        names += block_names
    if names != list(preprocessing["feature_names_out"]):
        raise ValueError(
            "The model's preprocessing lines its features up differently from its blocks; the ONNX "
            "exporter cannot follow it (the preprocessing has changed since the exporter was written)."
        )
    specs = fmt.layer_specs(architecture)
    if len(names) != specs[0].input_dim:
        raise ValueError(f"The preprocessing gives {len(names)} features but the network takes {specs[0].input_dim}.")
    features = g.op("Concat", parts, axis=1) if len(parts) > 1 else parts[0]
    # The Preprocessor hands the network float32 features, and twoclass.inference runs the network in float64 on
    # them: the same two casts here make the graph compute what `twoclass predict` computes, to about 1e-15.
    features = g.op("Cast", [g.op("Cast", [features], to=_FLOAT)], to=_DOUBLE)
    out, split = _network(g, specs, weights, features, np.float64)
    if not split:
        raise ValueError("The classifier's network does not end in a sigmoid; it cannot be exported as a pipeline.")
    logit = _calibration(g, meta["calibration"], out, np.float64)
    flat = g.const("flat", [-1], np.int64)
    probability = g.op("Reshape", [g.op("Sigmoid", [logit]), flat], "probability")
    threshold = float(meta["threshold"]["value"])
    classes = LabelEncoding.from_dict(meta["labels"]).classes
    labels, label_type, label_name = _label_constants(classes)
    positive = g.op("GreaterOrEqual", [probability, g.const("threshold", threshold, np.float64)])
    g.op(
        "Where",
        [
            positive,
            g.const("positive_label", labels[1], labels.dtype),
            g.const("negative_label", labels[0], labels.dtype),
        ],
        "label",
    )
    inputs = [helper.make_tensor_value_info(name, _INPUT_TYPES[kinds[name]][1], ["N", 1]) for name in columns]
    outputs = [
        helper.make_tensor_value_info("label", label_type, ["N"]),
        helper.make_tensor_value_info("probability", _DOUBLE, ["N"]),
    ]
    schema = [
        {
            "name": name,
            "kind": kinds[name],
            "type": _INPUT_TYPES[kinds[name]][0],
            "missing": _INPUT_TYPES[kinds[name]][2],
        }
        for name in columns
    ]
    props = _pipeline_metadata(meta, classes, label_name, schema, ex.notes)
    doc = (
        f"twoclass classifier: {len(columns)} column inputs [N, 1] -> label [N] ({label_name}: {classes[0]!r} or "
        f"{classes[1]!r}) and probability [N] (double) of {classes[1]!r}; threshold {threshold!r}."
    )
    return _model(g, inputs, outputs, ex.opset, props, doc)


def _pipeline_metadata(
    meta: dict[str, Any], classes: list[Any], label_type: str, schema: list[dict[str, Any]], notes: list[str]
) -> dict[str, str]:
    from twoclass import __version__

    threshold = meta["threshold"]
    return {
        "twoclass.version": __version__,
        "twoclass.kind": "pipeline",
        "twoclass.classes": json.dumps(classes),
        "twoclass.labels": json.dumps({"negative": classes[0], "positive": classes[1], "type": label_type}),
        "twoclass.threshold": repr(float(threshold["value"])),
        "twoclass.threshold_objective": json.dumps(fmt.jsonable(threshold.get("objective"))),
        "twoclass.threshold_note": str(threshold.get("note") or ""),
        "twoclass.threshold_record": json.dumps(fmt.jsonable(threshold)),
        "twoclass.calibration": json.dumps(fmt.jsonable(meta.get("calibration"))),
        "twoclass.inputs": json.dumps(schema),
        "twoclass.outputs": json.dumps(
            [
                {"name": "label", "type": label_type, "shape": ["N"]},
                {"name": "probability", "type": "double", "shape": ["N"]},
            ]
        ),
        "twoclass.export_notes": json.dumps(notes),
    }
