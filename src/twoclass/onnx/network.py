"""The network in ONNX: each layer's nodes (`_network`), the activations in float32 or double (`_activation`), the
calibrator (`_calibration`), and the graph of the network alone with its metadata (`_network_only`,
`export_onnx(..., pipeline=False)`).

Example:
    >>> _network_only(architecture, weights, None, OPSET).graph.output[0].name  # doctest: +SKIP
    'logit'
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from twoclass.onnx.graph import _DOUBLE, _FLOAT, _Graph, _model
from twoclass.saving import model_dir as fmt


def _activation(g: _Graph, name: str, x: str, dtype: Any = np.float32) -> str:
    """One activation. onnxruntime has no double kernel for Elu, Selu, Softplus, Softsign, HardSigmoid or Erf, so in
    double those are written with ops that have one, in the formulas `twoclass.inference` uses."""

    def c(base: str, value: float) -> str:
        return g.const(base, value, dtype)

    native = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exponential": "Exp"}
    if name == "linear":
        return x
    if name in native:
        return g.op(native[name], [x])
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], alpha=0.2)
    if name == "relu6":
        return g.op("Clip", [x, c("zero", 0.0), c("six", 6.0)])
    if name in ("swish", "silu"):
        return g.op("Mul", [x, g.op("Sigmoid", [x])])
    double = np.dtype(dtype) == np.float64
    if name in ("elu", "selu"):
        if double:  # where(x > 0, x, expm1(min(x, 0)))
            negative = g.op("Sub", [g.op("Exp", [g.op("Min", [x, c("zero", 0.0)])]), c("one", 1.0)])
            if name == "selu":
                negative = g.op("Mul", [negative, c("selu_alpha", 1.6732632423543772)])
            out = g.op("Where", [g.op("Greater", [x, c("zero", 0.0)]), x, negative])
            return g.op("Mul", [out, c("selu_scale", 1.0507009873554805)]) if name == "selu" else out
        if name == "elu":
            return g.op("Elu", [x])
        return g.op("Selu", [x], alpha=1.6732632423543772, gamma=1.0507009873554805)
    if name in ("softplus", "mish"):
        if double:  # logaddexp(0, x) = max(x, 0) + log(1 + exp(-|x|))
            tail = g.op("Log", [g.op("Add", [c("one", 1.0), g.op("Exp", [g.op("Neg", [g.op("Abs", [x])])])])])
            soft = g.op("Add", [g.op("Max", [x, c("zero", 0.0)]), tail])
        else:
            soft = g.op("Softplus", [x])
        return soft if name == "softplus" else g.op("Mul", [x, g.op("Tanh", [soft])])
    if name == "softsign":
        if double:
            return g.op("Div", [x, g.op("Add", [c("one", 1.0), g.op("Abs", [x])])])
        return g.op("Softsign", [x])
    if name == "hard_sigmoid":  # relu6(x + 3) / 6
        if double:
            return g.op(
                "Div", [g.op("Clip", [g.op("Add", [x, c("three", 3.0)]), c("zero", 0.0), c("six", 6.0)]), c("six", 6.0)]
            )
        return g.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
    if name == "gelu":  # exact: x * (1 + erf(x / sqrt 2)) / 2; Erf has a float kernel only, so erf is float32 there
        scaled = g.op("Mul", [x, c("inv_sqrt2", 1.0 / np.sqrt(2.0))])
        erf = g.op("Erf", [g.op("Cast", [scaled], to=_FLOAT)]) if double else g.op("Erf", [scaled])
        erf = g.op("Cast", [erf], to=_DOUBLE) if double else erf
        return g.op("Mul", [g.op("Mul", [x, c("half", 0.5)]), g.op("Add", [erf, c("one", 1.0)])])
    raise ValueError(f"The activation {name!r} has no ONNX export in twoclass.")


def _network(
    g: _Graph, specs: list[fmt.LayerSpec], weights: dict[str, np.ndarray], x: str, dtype: Any = np.float32
) -> tuple[str, bool]:
    """Nodes for every layer; returns the output name and whether a final sigmoid was left out (so it is a logit)."""
    last = len(specs) - 1
    split = False
    for spec, own in fmt.iter_layer_weights(specs, weights):
        w = {k: np.asarray(v, np.float64) for k, v in own.items()}
        cfg = spec.config
        final_sigmoid = spec.index == last and cfg.get("activation") == "sigmoid"
        if spec.class_name in ("Dense", "Activation"):
            if spec.class_name == "Dense":
                x = g.op("MatMul", [x, g.const("kernel", w["kernel"], dtype)])
                if "bias" in w:
                    x = g.op("Add", [x, g.const("bias", w["bias"], dtype)])
            if final_sigmoid:
                split = True
            else:
                x = _activation(g, cfg["activation"], x, dtype)
        elif spec.class_name == "BatchNormalization":
            # Folded into one scale and shift, computed in float64: y = x * scale + shift.
            scale = w.get("gamma", 1.0) / np.sqrt(w["moving_variance"] + float(cfg.get("epsilon", 1e-3)))
            shift = w.get("beta", 0.0) - w["moving_mean"] * scale
            x = g.op("Add", [g.op("Mul", [x, g.const("bn_scale", scale, dtype)]), g.const("bn_shift", shift, dtype)])
        elif spec.class_name == "Normalization":
            x = g.op("Sub", [x, g.const("norm_mean", w["mean"], dtype)])
            x = g.op("Div", [x, g.const("norm_scale", np.maximum(np.sqrt(w["variance"]), 1e-7), dtype)])
        # Dropout, GaussianNoise and the like do nothing at inference.
    return x, split


def _calibration(g: _Graph, calibration: dict[str, Any] | None, z: str, dtype: Any = np.float32) -> str:
    if calibration is None:
        return z
    from twoclass.calibration import calibrator_from_dict

    slope, intercept = calibrator_from_dict(calibration).affine()
    scaled = g.op("Mul", [z, g.const("calibration_slope", slope, dtype)])
    return g.op("Add", [scaled, g.const("calibration_intercept", intercept, dtype)])


def _network_only(
    architecture: dict[str, Any], weights: dict[str, np.ndarray], meta: dict[str, Any] | None, opset: int
) -> Any:
    """The graph of the network alone: the Preprocessor's float32 features in, logit and probability out."""
    from onnx import helper

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
    inputs = [helper.make_tensor_value_info("features", _FLOAT, ["N", specs[0].input_dim])]
    outputs = [helper.make_tensor_value_info(name, _FLOAT, ["N", 1]) for name in ("logit", "probability")]
    return _model(g, inputs, outputs, opset, _network_metadata(meta))


def _network_metadata(meta: dict[str, Any] | None) -> dict[str, str]:
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
