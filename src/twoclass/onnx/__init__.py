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

from twoclass.onnx.export import export_onnx, frame_to_feeds, to_onnx
from twoclass.onnx.pipeline import BLOCK_CONVERTERS

__all__ = ["BLOCK_CONVERTERS", "export_onnx", "frame_to_feeds", "to_onnx"]
