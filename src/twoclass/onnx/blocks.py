"""The preprocessing blocks of the table's columns in ONNX: the numeric block (imputation, missing indicators, the
StandardScaler or the recipe's encoding) and the categorical block (one-hot), and what every block converter shares:
`_Export` (the graph, the column kinds, the notes export gives) and `_known_entries` (refusing an unknown entry).

Example:
    >>> out, names = _numeric_block(_Export(_Graph(), {"age": "numeric"}), stored["numeric"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from twoclass.onnx.graph import _DOUBLE, ML_OPSET, OPSET, _Graph

_INTEGER = re.compile(r"^-?\d+$")


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
    Div in double: exactly what scikit-learn computes) or the recipe's encoding (`_encoded`), or both, the encoding
    first (numeric_encoding 'binned+standard')."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType

    from twoclass.data.blocks import NumericBlock

    known = {
        "columns",
        "median",
        "missing_indicator",
        "mean",
        "var",
        "scale",
        "n_samples_seen",
        "formats",
        "encoding",
        "standard_copy",
    }
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
    parts = []
    if block.encoding is not None:
        parts.append(_encoded(ex, block.encoding, imputed))
    if block.encoding is None or block.standard_copy:  # standardised, or the standardised copy after the encoding
        scaler = convert_sklearn(
            block.scaler,
            initial_types=[("x", DoubleTensorType([None, len(block.columns)]))],
            target_opset={"": ex.opset, "ai.onnx.ml": ML_OPSET},
        )
        parts += g.embed(scaler, {"x": imputed})
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
