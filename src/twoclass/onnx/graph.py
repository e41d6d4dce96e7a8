"""The graph builder every part of the export writes into (`_Graph`: nodes, constants, opset domains, and a
converter's ModelProto spliced in), the opsets and element types, and the checked ModelProto at the end (`_model`).

Example:
    >>> g = _Graph()
    >>> g.op("Relu", ["x"])
    'relu_1'
"""

from __future__ import annotations

from typing import Any

import numpy as np

OPSET = 17
HASHING_NGRAM_OPSET = 20  # StringConcat, to build the n-grams a HashingVectorizer hashes
ML_OPSET = 2  # ai.onnx.ml LabelEncoder with string keys
MS_OPSET = 1  # com.microsoft: onnxruntime's Tokenizer and MurmurHash3
_FLOAT, _DOUBLE, _INT64, _STRING, _BOOL = 1, 11, 7, 8, 9  # onnx.TensorProto's element types


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


def _model(g: _Graph, inputs: list[Any], outputs: list[Any], opset: int, props: dict[str, str], doc: str = ""):
    from onnx import checker, helper

    graph = helper.make_graph(g.nodes, "twoclass", inputs, outputs, initializer=g.initializers, doc_string=doc)
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in sorted(g.domains.items())]
    ir_version = 8 if opset <= 18 else 9 if opset <= 20 else 10  # the IR each opset came with: older runtimes read it
    model = helper.make_model(graph, opset_imports=opsets, producer_name="twoclass", ir_version=ir_version)
    helper.set_model_props(model, props)
    checker.check_model(model)
    return model
