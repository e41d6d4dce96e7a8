"""ONNX export: the whole model in one graph, raw columns in, label and probability out (checked against onnxruntime
in Python and in Node.js by the tests; see docs/onnx.md).

`export_onnx(clf_or_model_dir, "model.onnx")` writes, for a TwoClassClassifier or a model directory, one graph:

    inputs   one per column the model reads, by its name, shape [N, 1]:
             tensor(double) for numeric columns (NaN = missing), tensor(string) for categorical and text columns
             ("" = missing)
    outputs  label        [N]  the user's own labels (string, int64, double or bool, as stored)
             probability  [N]  double, the positive class's probability (predict_proba[:, 1])

Inside, in order: each preprocessing block (one converter per block kind: `BLOCK_CONVERTERS`), the float32 hand-over
of the features that the Python path has too, the network (in double, as `twoclass.inference` computes it), the
calibrator and the stored threshold. Where a well-kept converter is exact it is used (skl2onnx for the fitted
StandardScaler); elsewhere the nodes are built with onnx.helper from the fitted transformers' attributes, each for a
reason named at its converter (skl2onnx refuses SimpleImputer(add_indicator=True) and infrequent categories, and its
TF-IDF converter computes sublinear tf as log(1 + tf) and replaces the token pattern by one that keeps one-letter
words). Text needs onnxruntime's Tokenizer (domain com.microsoft), so such graphs run in onnxruntime (any language)
rather than any ONNX runtime; where ONNX cannot lowercase or hash exactly as Python does, export warns, naming the
column. A block kind or entry the exporter does not know is refused by name, never exported wrongly.

`pipeline=False` (the only form for a bare Keras-style network) writes the network alone, as before: input
`features` float32 [N, n_features] (the Preprocessor's output), outputs `logit` and `probability` float32 [N, 1].

Example:
    >>> export_onnx("titanic-model/", "titanic.onnx")  # doctest: +SKIP
    'titanic.onnx'
    >>> session = onnxruntime.InferenceSession("titanic.onnx")  # doctest: +SKIP
    >>> session.run(None, frame_to_feeds(new_rows, session))  # doctest: +SKIP
    [array([0, 1]), array([0.11, 0.93])]
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from twoclass.core.files import atomic_output
from twoclass.saving import model_dir as fmt

__all__ = ["BLOCK_CONVERTERS", "export_onnx", "frame_to_feeds", "to_onnx"]

OPSET = 17
HASHING_NGRAM_OPSET = 20  # StringConcat, to build the n-grams a HashingVectorizer hashes
ML_OPSET = 2  # ai.onnx.ml LabelEncoder with string keys
MS_OPSET = 1  # com.microsoft: onnxruntime's Tokenizer and MurmurHash3
OUTPUTS = ("label", "probability")
# Python's (?u)\b\w\w+\b in RE2 (onnxruntime's regex engine), whose \w and \b are ASCII-only: a maximal run of two or
# more letters, digits or underscores, Unicode-wide. Greedy leftmost matching makes the runs maximal, as \b does.
TOKEN_PATTERN = r"[\pL\pN_]{2,}"
SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
PAD = "#"  # what the Tokenizer pads short rows with; never a token, since tokens are letters, digits and _
LOCALE = "C"  # the one locale every onnxruntime build has: lowercases A-Z only (en_US.UTF-8 is missing on many hosts)
_INTEGER = re.compile(r"^-?\d+$")
_PREPROCESSOR_ENTRIES = {"format", "kind", "params", "target", "column_types", "reasons", "feature_names_out"}
_FLOAT, _DOUBLE, _INT64, _STRING, _BOOL = 1, 11, 7, 8, 9  # onnx.TensorProto's element types
_PARAMS = {"column_types", "text_max_features", "text_ngram_range", "text_method", "max_categories", "numeric_encoding"}


class _Graph:
    """Collects nodes, constants and opset domains; each step returns the name of its output."""

    def __init__(self, reserved: set[str] | None = None) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.domains: dict[str, int] = {}
        self._reserved = set(reserved or ())  # column and output names: no internal name may take them
        self._count = 0

    def name(self, base: str) -> str:
        while True:
            self._count += 1
            name = f"{base}_{self._count}"
            if name not in self._reserved:
                return name

    def const(self, base: str, value: Any, dtype: Any = np.float32) -> str:
        from onnx import numpy_helper

        name = self.name(base)
        array = np.asarray(value, dtype=object if dtype is str else dtype)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, domain: str = "", **attrs: Any) -> str:
        from onnx import helper

        out = output or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], domain=domain or None, **attrs))
        if domain:
            self.domains[domain] = max(self.domains.get(domain, 0), {"ai.onnx.ml": ML_OPSET}.get(domain, MS_OPSET))
        return out

    def embed(self, proto: Any, feeds: dict[str, str]) -> list[str]:
        """Splice a converter's ModelProto in: its inputs fed from ``feeds`` (its input name -> our value name)."""
        from onnx import compose

        prefix = self.name("skl2onnx") + "/"
        inner = compose.add_prefix(proto, prefix)
        for original, value in zip(proto.graph.input, inner.graph.input):
            self.op("Identity", [feeds[original.name]], value.name)
        self.nodes.extend(inner.graph.node)
        self.initializers.extend(inner.graph.initializer)
        for opset in inner.opset_import:
            if opset.domain not in ("", "ai.onnx"):
                self.domains[opset.domain] = max(self.domains.get(opset.domain, 0), opset.version)
        return [value.name for value in inner.graph.output]


# ------------------------------------------------------------------------------------------------ the network


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


def _model(g: _Graph, inputs: list[Any], outputs: list[Any], opset: int, props: dict[str, str], doc: str = ""):
    from onnx import checker, helper

    graph = helper.make_graph(g.nodes, "twoclass", inputs, outputs, initializer=g.initializers, doc_string=doc)
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in sorted(g.domains.items())]
    ir_version = 8 if opset <= 18 else 9 if opset <= 20 else 10  # the IR each opset came with: older runtimes read it
    model = helper.make_model(graph, opset_imports=opsets, producer_name="twoclass", ir_version=ir_version)
    helper.set_model_props(model, props)
    checker.check_model(model)
    return model


# ------------------------------------------------------------------------------------------------ preprocessing


class _Export:
    """What the block converters share: the graph, the model's column kinds, and the notes export has to give."""

    def __init__(self, g: _Graph, column_types: dict[str, str]) -> None:
        self.g = g
        self.column_types = column_types
        self.notes: list[str] = []
        self.opset = OPSET

    def column(self, name: str, kind: str) -> str:
        """The graph input of a column, [N, 1]; the input list itself is made in the model's column order."""
        if self.column_types.get(name) != kind:
            raise ValueError(
                f"Column '{name}' is encoded by a {kind} block but stored as "
                f"{self.column_types.get(name)!r}; the model file is inconsistent."
            )
        return name

    def flat(self, name: str, kind: str) -> str:
        """A string column as a vector [N]: what StringNormalizer, LabelEncoder and Tokenizer take."""
        return self.g.op("Reshape", [self.column(name, kind), self.g.const("flat", [-1], np.int64)])

    def note(self, message: str) -> None:
        self.notes.append(message)
        warnings.warn(message, UserWarning, stacklevel=4)


def _known_entries(data: dict[str, Any], known: set[str], owner: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"The {owner} of this model has entries the ONNX exporter does not know: {', '.join(map(repr, unknown))}. "
            "This twoclass cannot export it to ONNX yet (the preprocessing has changed since the exporter was "
            "written); use twoclass.inference or `twoclass serve` for this model."
        )


def _numeric_block(ex: _Export, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Median imputation with missing indicators (onnx.helper: skl2onnx's SimpleImputer converter refuses
    add_indicator=True, and its Imputer op has no double kernel), then either the StandardScaler by skl2onnx (Sub,
    Div in double: exactly what scikit-learn computes) or the recipe's encoding (`_encoded`)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType

    from twoclass.data.blocks import NumericBlock

    known = {"columns", "median", "missing_indicator", "mean", "var", "scale", "n_samples_seen", "formats", "encoding"}
    _known_entries(data, known, "numeric block")
    if data.get("encoding") is not None:
        _known_entries(data["encoding"], {"kind", "center", "scale", "edges"}, "numeric block's encoding")
    block = NumericBlock.from_dict(data)
    g = ex.g
    for column, written in block.formats.items():
        ex.note(
            f"Column '{column}' was read from text written with {written.replace('_', ' ')} separators in "
            "training; its ONNX input takes numbers (double): parse such text before scoring."
        )
    x = g.op("Concat", [ex.column(c, "numeric") for c in block.columns], axis=1)
    missing = g.op("IsNaN", [x])
    imputed = g.op("Where", [missing, g.const("median", block.imputer.statistics_.reshape(1, -1), np.float64), x])
    if block.encoding is None:
        scaler = convert_sklearn(
            block.scaler,
            initial_types=[("x", DoubleTensorType([None, len(block.columns)]))],
            target_opset={"": ex.opset, "ai.onnx.ml": ML_OPSET},
        )
        (measured,) = g.embed(scaler, {"x": imputed})
    else:
        measured = _encoded(ex, block.encoding, imputed)
    parts = [measured]
    flagged = [block.columns.index(c) for c in block.indicator_columns]
    if flagged:
        chosen = g.op("Gather", [missing, g.const("flagged", flagged, np.int64)], axis=1)
        parts.append(g.op("Cast", [chosen], to=_DOUBLE))
    return g.op("Concat", parts, axis=1), block.feature_names()


def _encoded(ex: _Export, encoding: Any, x: str) -> str:
    """`twoclass.data.numeric.NumericEncoding` in double (onnx.helper: no scikit-learn transformer holds it): per
    column the smooth-clipped robust z, z / sqrt(1 + (z / 3)^2) with z = (x - center) * scale, followed by its
    piecewise-linear bins clip((x - lower edge) / width, 0, 1); the same operations in the same order as NumPy."""
    from twoclass.data.numeric import CLIP

    g = ex.g
    z = g.op(
        "Mul",
        [
            g.op("Sub", [x, g.const("center", encoding.center.reshape(1, -1), np.float64)]),
            g.const("robust_scale", encoding.scale.reshape(1, -1), np.float64),
        ],
    )
    ratio = g.op("Div", [z, g.const("clip", CLIP, np.float64)])
    bend = g.op("Sqrt", [g.op("Add", [g.const("one", 1.0, np.float64), g.op("Mul", [ratio, ratio])])])
    z = g.op("Div", [z, bend])
    columns, lowers, widths, order = [], [], [], []
    n = len(encoding.edges)
    for j, edges in enumerate(encoding.edges):
        order.append(j)  # z of column j, then its bins (their places after the n z columns)
        edges = np.asarray(edges, np.float64)
        for lower, width in zip(edges[:-1], np.diff(edges)):
            order.append(n + len(columns))
            columns.append(j)
            lowers.append(lower)
            widths.append(width)
    if not columns:
        return z
    picked = g.op("Gather", [x, g.const("binned_columns", columns, np.int64)], axis=1)
    position = g.op(
        "Div",
        [
            g.op("Sub", [picked, g.const("lower_edges", [lowers], np.float64)]),
            g.const("bin_widths", [widths], np.float64),
        ],
    )
    bins = g.op("Clip", [position, g.const("zero", 0.0, np.float64), g.const("one", 1.0, np.float64)])
    both = g.op("Concat", [z, bins], axis=1)
    return g.op("Gather", [both, g.const("feature_order", order, np.int64)], axis=1)


def _aliases(category: str) -> list[str]:
    """Other spellings of a category that the ONNX input, always a string, may bring: a whole number written as a
    float ('3.0', as str(3.0) gives; twoclass encodes 3.0 as '3') and booleans as JavaScript and Java write them."""
    if _INTEGER.match(category):
        return [category + ".0"]
    return {"True": ["true"], "False": ["false"]}.get(category, [])


def _categorical_block(ex: _Export, data: dict[str, Any]) -> tuple[str, list[str]]:
    """One-hot through a LabelEncoder (category -> column, unseen -> none) and Equal against the column numbers
    (onnx.helper: skl2onnx's OneHotEncoder converter refuses infrequent categories and cannot read "" as the
    '(missing)' category). Rare categories share the last column, as in scikit-learn's encoder."""
    from twoclass.data.blocks import MISSING, CategoricalBlock

    _known_entries(data, {"column", "categories", "infrequent", "max_categories"}, "categorical block")
    block = CategoricalBlock.from_dict(data)
    rare = set(block.infrequent)
    kept = [c for c in block.categories if c not in rare]
    index = {c: i for i, c in enumerate(kept)} | {c: len(kept) for c in block.categories if c in rare}
    depth = len(kept) + (1 if rare else 0)
    keys = dict(index)
    for category, i in index.items():
        for alias in _aliases(category):
            keys.setdefault(alias, i)
    if MISSING in index:
        keys.setdefault("", index[MISSING])
    g = ex.g
    codes = g.op(
        "LabelEncoder",
        [ex.flat(block.column, "categorical")],
        domain="ai.onnx.ml",
        keys_strings=list(keys),
        values_int64s=list(keys.values()),
        default_int64=depth,
    )
    column = g.op("Unsqueeze", [codes, g.const("axis", [1], np.int64)])
    matches = g.op("Equal", [column, g.const("levels", np.arange(depth).reshape(1, -1), np.int64)])
    return g.op("Cast", [matches], to=_DOUBLE), block.feature_names()


def _check_vectorizer(vectorizer: Any, column: str, expected: dict[str, Any]) -> None:
    found = {key: getattr(vectorizer, key, None) for key in expected}
    differ = {key: value for key, value in found.items() if value != expected[key]}
    if differ:
        raise ValueError(
            f"The text column '{column}' is vectorized with settings the ONNX exporter does not know "
            f"({differ}); this twoclass cannot export it to ONNX."
        )


def _tokens(ex: _Export, column: str) -> str:
    """Lowercase (A-Z only: LOCALE) and split into words as the vectorizer's default token pattern does: [N + 1, T].
    One empty row is appended, since StringNormalizer refuses an empty batch; `_text_block` drops it again."""
    g = ex.g
    docs = g.op("Concat", [ex.flat(column, "text"), g.const("empty_row", [""], str)], axis=0)
    lowered = g.op("StringNormalizer", [docs], case_change_action="LOWER", locale=LOCALE)
    return g.op(
        "Tokenizer", [lowered], domain="com.microsoft", tokenexp=TOKEN_PATTERN, mark=0, mincharnum=1, pad_value=PAD
    )


def _term_counts(ex: _Export, tokens: str, terms: list[str], ngram_range: tuple[int, int]) -> str:
    """Counts of each vocabulary term (word n-grams) per row, float [N, n_terms]: ONNX's own TfIdfVectorizer op."""
    by_length: dict[int, list[tuple[int, list[str]]]] = {n: [] for n in range(1, ngram_range[1] + 1)}
    for i, term in enumerate(terms):
        words = term.split(" ")
        by_length[len(words)].append((i, words))
    pool: list[str] = []
    counts: list[int] = []
    indexes: list[int] = []
    for n in range(1, ngram_range[1] + 1):
        counts.append(len(pool))
        for i, words in by_length[n]:
            pool.extend(words)
            indexes.append(i)
    return ex.g.op(
        "TfIdfVectorizer",
        [tokens],
        mode="TF",
        min_gram_length=ngram_range[0],
        max_gram_length=ngram_range[1],
        max_skip_count=0,
        ngram_counts=counts,
        ngram_indexes=indexes,
        pool_strings=pool,
    )


def _hashed_counts(ex: _Export, tokens: str, ngram_range: tuple[int, int], n_features: int) -> str:
    """HashingVectorizer's counts, double [N, n_features]: each word n-gram ('w1 w2', StringConcat) hashed with
    MurmurHash3 (seed 0, signed, as scikit-learn), column abs(h) % n_features, counts added with ScatterElements."""
    g = ex.g
    valid = g.op(
        "Cast",
        [g.op("LabelEncoder", [tokens], domain="ai.onnx.ml", keys_strings=[PAD], values_int64s=[0], default_int64=1)],
        to=_DOUBLE,
    )

    def part(array: str, k: int, n: int) -> str:  # the k-th word of every n-gram: array[:, k : T - (n - 1 - k)]
        end = -(n - 1 - k) if n - 1 - k else np.iinfo(np.int64).max
        return g.op(
            "Slice",
            [array, g.const("start", [k], np.int64), g.const("end", [end], np.int64), g.const("axis", [1], np.int64)],
        )

    columns, weights = [], []
    space = g.const("space", [" "], str)
    for n in range(ngram_range[0], ngram_range[1] + 1):
        gram, present = part(tokens, 0, n), part(valid, 0, n)
        for k in range(1, n):
            gram = g.op("StringConcat", [g.op("StringConcat", [gram, space]), part(tokens, k, n)])
            present = g.op("Mul", [present, part(valid, k, n)])
        hashed = g.op("Cast", [g.op("MurmurHash3", [gram], domain="com.microsoft", positive=0, seed=0)], to=_INT64)
        columns.append(g.op("Mod", [g.op("Abs", [hashed]), g.const("n_features", n_features, np.int64)]))
        weights.append(present)
    rows = g.op("Gather", [g.op("Shape", [tokens]), g.const("first", [0], np.int64)])
    shape = g.op("Concat", [rows, g.const("width", [n_features], np.int64)], axis=0)
    zeros = g.op("ConstantOfShape", [shape], value=_tensor(np.zeros(1, np.float64)))
    index = g.op("Concat", columns, axis=1) if len(columns) > 1 else columns[0]
    update = g.op("Concat", weights, axis=1) if len(weights) > 1 else weights[0]
    return g.op("ScatterElements", [zeros, index, update], axis=1, reduction="add")


def _tensor(array: np.ndarray) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(array)


def _tfidf_weighting(ex: _Export, counts: str, idf: np.ndarray, sublinear: bool) -> str:
    """TfidfTransformer(norm='l2') in double: log(tf) + 1 where tf > 0 (skl2onnx's converter computes log(1 + tf)),
    times idf, each row divided by its Euclidean norm (rows of zeros stay zeros)."""
    g = ex.g
    tf = g.op("Cast", [counts], to=_DOUBLE)
    zero, one = g.const("zero", 0.0, np.float64), g.const("one", 1.0, np.float64)
    if sublinear:
        tf = g.op("Where", [g.op("Greater", [tf, zero]), g.op("Add", [g.op("Log", [tf]), one]), zero])
    weighted = g.op("Mul", [tf, g.const("idf", idf.reshape(1, -1), np.float64)])
    squares = g.op("ReduceSum", [g.op("Mul", [weighted, weighted]), g.const("axis", [1], np.int64)], keepdims=1)
    norm = g.op("Sqrt", [squares])
    norm = g.op("Where", [g.op("Equal", [norm, zero]), one, norm])
    return g.op("Div", [weighted, norm])


def _text_block(ex: _Export, data: dict[str, Any]) -> tuple[str, list[str]]:
    """TF-IDF of word n-grams: StringNormalizer + onnxruntime's Tokenizer + ONNX's TfIdfVectorizer (or MurmurHash3
    for the hashing method), then the TF-IDF weighting in double (see `_tfidf_weighting`)."""
    from twoclass.data.blocks import TextBlock

    method = data.get("method")
    extra = {"terms", "idf", "max_features"} if method == "tfidf" else {"n_features", "idf"}
    _known_entries(data, {"column", "method", "ngram_range"} | extra, "text block")
    block = TextBlock.from_dict(data)
    vectorizer, column = block.vectorizer, block.column
    common = {
        "analyzer": "word",
        "lowercase": True,
        "token_pattern": SKLEARN_TOKEN_PATTERN,
        "strip_accents": None,
        "preprocessor": None,
        "tokenizer": None,
        "binary": False,
        "stop_words": None,
    }
    tokens = _tokens(ex, column)
    if block.method == "tfidf":
        _check_vectorizer(vectorizer, column, {**common, "norm": "l2", "use_idf": True})
        terms = vectorizer.get_feature_names_out().tolist()
        counts = _term_counts(ex, tokens, terms, vectorizer.ngram_range)
        weighting, sublinear = vectorizer.idf_, vectorizer.sublinear_tf
        foreign = sorted((t for t in terms if not t.isascii()), key=lambda t: t.count(" "))  # words first
        if foreign:
            shown = ", ".join(repr(t) for t in foreign[:3])
            ex.note(
                f"Text column '{column}': ONNX lowercases only the letters A-Z (the runtime's locales vary), and "
                f"{len(foreign)} of its vocabulary terms have other letters (e.g. {shown}); such words written "
                "with capitals ('CAFÉ') are not counted as they are in Python."
            )
    else:
        _check_vectorizer(vectorizer, column, {**common, "alternate_sign": False, "norm": None})
        _check_vectorizer(block.weighting, column, {"norm": "l2", "use_idf": True})
        if vectorizer.ngram_range[1] > 1:
            ex.opset = max(ex.opset, HASHING_NGRAM_OPSET)
        counts = _hashed_counts(ex, tokens, vectorizer.ngram_range, vectorizer.n_features)
        weighting, sublinear = block.weighting.idf_, block.weighting.sublinear_tf
        ex.note(
            f"Text column '{column}' (hashed words): ONNX lowercases only the letters A-Z (the runtime's locales "
            "vary), so words with other capital letters ('CAFÉ', 'Ärger') hash differently than in Python."
        )
    g = ex.g
    counts = g.op(
        "Slice",
        [counts, g.const("start", [0], np.int64), g.const("end", [-1], np.int64), g.const("axis", [0], np.int64)],
    )  # without the appended row
    return _tfidf_weighting(ex, counts, np.asarray(weighting, np.float64), sublinear), block.feature_names()


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


# ------------------------------------------------------------------------------------------------ public


def to_onnx(model_or_estimator: Any, *, pipeline: bool | None = None, opset: int | None = None):
    """The ONNX ModelProto of an estimator, a model directory or a network (see the module for both forms).

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
