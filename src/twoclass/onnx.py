"""ONNX export of the network (opset 17), checked against onnxruntime in the tests.

The split: the ONNX graph holds the network and, for a TwoClassClassifier, its calibration. Preprocessing (turning
a DataFrame into the float32 feature matrix: imputation, scaling, one-hot, TF-IDF) stays in Python, run by the
fitted `Preprocessor` (`clf.preprocessor_.transform(df)`, or `twoclass.inference.load(dir).preprocessor`), and so
does mapping the probability to a label with the stored threshold. The graph's input is that matrix:

    input   features     float32 [N, n_features]   (the Preprocessor's output; for a bare model, model inputs)
    output  logit        float32 [N, 1]            calibrated log-odds of the positive class
    output  probability  float32 [N, 1]            sigmoid(logit): predict_proba[:, 1] (model.predict)

The file's metadata carries what the Python side needs: the classes, the threshold, the input columns and the
preprocessing as JSON (`twoclass.*` keys of `metadata_props`). See docs/onnx.md.

Example:
    >>> export_onnx(clf, "model.onnx")  # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession("model.onnx")  # doctest: +SKIP
    >>> session.run(["probability"], {"features": clf.preprocessor_.transform(df)})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from twoclass.core.files import atomic_output
from twoclass.saving import model_dir as fmt

__all__ = ["export_onnx", "to_onnx"]

OPSET = 17
IR_VERSION = 8  # read by onnxruntime releases from 1.10 on


class _Graph:
    """Collects nodes and constant tensors; each step returns the name of its output."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, base: str) -> str:
        self._count += 1
        return f"{base}_{self._count}"

    def const(self, base: str, value: Any) -> str:
        from onnx import numpy_helper

        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, **attrs: Any) -> str:
        from onnx import helper

        out = output or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out


def _activation(g: _Graph, name: str, x: str) -> str:
    simple = {
        "relu": "Relu",
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "elu": "Elu",
        "softplus": "Softplus",
        "softsign": "Softsign",
        "exponential": "Exp",
    }
    if name == "linear":
        return x
    if name in simple:
        return g.op(simple[name], [x])
    if name == "selu":
        return g.op("Selu", [x], alpha=1.6732632423543772, gamma=1.0507009873554805)
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], alpha=0.2)
    if name == "relu6":
        return g.op("Clip", [x, g.const("zero", 0.0), g.const("six", 6.0)])
    if name == "hard_sigmoid":  # relu6(x + 3) / 6 = clip(x / 6 + 1 / 2, 0, 1)
        return g.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
    if name in ("swish", "silu"):
        return g.op("Mul", [x, g.op("Sigmoid", [x])])
    if name == "mish":
        return g.op("Mul", [x, g.op("Tanh", [g.op("Softplus", [x])])])
    if name == "gelu":  # exact: x * (1 + erf(x / sqrt 2)) / 2
        erf = g.op("Erf", [g.op("Mul", [x, g.const("inv_sqrt2", 1.0 / np.sqrt(2.0))])])
        return g.op("Mul", [g.op("Mul", [x, g.const("half", 0.5)]), g.op("Add", [erf, g.const("one", 1.0)])])
    raise ValueError(f"The activation {name!r} has no ONNX export in twoclass.")


def _network(g: _Graph, specs: list[fmt.LayerSpec], weights: dict[str, np.ndarray], x: str) -> tuple[str, bool]:
    """Nodes for every layer; returns the output name and whether a final sigmoid was left out (so it is a logit)."""
    last = len(specs) - 1
    split = False
    for spec, own in fmt.iter_layer_weights(specs, weights):
        w = {k: np.asarray(v, np.float64) for k, v in own.items()}
        cfg = spec.config
        final_sigmoid = spec.index == last and cfg.get("activation") == "sigmoid"
        if spec.class_name == "Dense":
            x = g.op("MatMul", [x, g.const("kernel", w["kernel"])])
            if "bias" in w:
                x = g.op("Add", [x, g.const("bias", w["bias"])])
            if final_sigmoid:
                split = True
            else:
                x = _activation(g, cfg["activation"], x)
        elif spec.class_name == "Activation":
            if final_sigmoid:
                split = True
            else:
                x = _activation(g, cfg["activation"], x)
        elif spec.class_name == "BatchNormalization":
            # Folded into one scale and shift, computed in float64: y = x * scale + shift.
            scale = w.get("gamma", 1.0) / np.sqrt(w["moving_variance"] + float(cfg.get("epsilon", 1e-3)))
            shift = w.get("beta", 0.0) - w["moving_mean"] * scale
            x = g.op("Add", [g.op("Mul", [x, g.const("bn_scale", scale)]), g.const("bn_shift", shift)])
        elif spec.class_name == "Normalization":
            x = g.op("Sub", [x, g.const("norm_mean", w["mean"])])
            x = g.op("Div", [x, g.const("norm_scale", np.maximum(np.sqrt(w["variance"]), 1e-7))])
    return x, split


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


def _calibration(g: _Graph, calibration: dict[str, Any] | None, z: str) -> str:
    if calibration is None:
        return z
    from twoclass.calibration import calibrator_from_dict

    slope, intercept = calibrator_from_dict(calibration).affine()
    return g.op(
        "Add", [g.op("Mul", [z, g.const("calibration_slope", slope)]), g.const("calibration_intercept", intercept)]
    )


def to_onnx(model_or_estimator: Any, *, opset: int = OPSET):
    """The ONNX ModelProto for the network (and calibration) of an estimator, network or model directory.

    Example:
        >>> proto = to_onnx(clf)  # doctest: +SKIP
        >>> [o.name for o in proto.graph.output]  # doctest: +SKIP
        ['logit', 'probability']
    """
    from onnx import TensorProto, checker, helper

    architecture, weights, meta = _source(model_or_estimator)
    specs = fmt.layer_specs(architecture)
    g = _Graph()
    out, split = _network(g, specs, weights, "features")
    if split:
        logit = _calibration(g, None if meta is None else meta["calibration"], out)
        g.op("Identity", [logit], "logit")
        g.op("Sigmoid", ["logit"], "probability")
    else:  # a network without a final sigmoid: its output is what model.predict returns
        g.op("Identity", [out], "logit")
        g.op("Identity", [out], "probability")
    n_in = specs[0].input_dim
    graph = helper.make_graph(
        g.nodes,
        "twoclass",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_in])],
        [
            helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1]),
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="twoclass", ir_version=IR_VERSION
    )
    helper.set_model_props(model, _metadata(meta))
    checker.check_model(model)
    return model


def _metadata(meta: dict[str, Any] | None) -> dict[str, str]:
    from twoclass import __version__

    props = {
        "twoclass.version": __version__,
        "twoclass.preprocessing_split": "The graph takes the preprocessed float32 feature matrix; run the "
        "stored preprocessing in Python first (see docs/onnx.md).",
    }
    if meta is None:
        props.update({"twoclass.kind": "model", "twoclass.threshold": "0.5"})
        return props
    props.update(
        {
            "twoclass.kind": "classifier",
            "twoclass.classes": json.dumps([meta["labels"]["negative"], meta["labels"]["positive"]]),
            "twoclass.threshold": repr(float(meta["threshold"]["value"])),
            "twoclass.input_columns": json.dumps(meta["input"]["columns"]),
            "twoclass.preprocessing": json.dumps(fmt.jsonable(meta["preprocessing"])),
        }
    )
    return props


def export_onnx(model_or_estimator: Any, path: Any, *, opset: int = OPSET) -> str:
    """Write the network (with calibration) as an ONNX file, atomically; preprocessing stays in Python.

    ``model_or_estimator`` is a fitted TwoClassClassifier, a twoclass Sequential/Model, or a model directory.
    Returns the path written.

    Example:
        >>> export_onnx(clf, "titanic.onnx")  # doctest: +SKIP
        'titanic.onnx'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"The 'path' argument of export_onnx must be a str or os.PathLike. Got {type(path).__name__} instead."
        )
    path = os.fspath(path)
    data = to_onnx(model_or_estimator, opset=opset).SerializeToString()
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with atomic_output(path, "wb") as out:
        out.write(data)
    return path
