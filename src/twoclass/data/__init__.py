"""Data in: reading tables, the two labels, column kinds, the fitted preprocessing, splits and class weights.

This wing knows pandas and scikit-learn, never JAX: a model's preprocessing runs (and is stored, as JSON) without it.
The pieces live in modules by concern and are re-exported here:

- ``read_table``, ``read_table_chunks`` (tables)
- ``LabelEncoding``, ``infer_labels``, ``compute_class_weight`` (labels)
- ``ColumnTypes``, ``infer_column_types`` (columns)
- ``Preprocessor`` (preprocess, blocks)
- ``split_train_validation`` (split)
"""

from twoclass.data.columns import KINDS, ColumnTypes, infer_column_types
from twoclass.data.labels import LabelEncoding, compute_class_weight, infer_labels
from twoclass.data.preprocess import Preprocessor
from twoclass.data.split import split_train_validation
from twoclass.data.tables import read_table, read_table_chunks

__all__ = [
    "KINDS",
    "ColumnTypes",
    "LabelEncoding",
    "Preprocessor",
    "compute_class_weight",
    "infer_column_types",
    "infer_labels",
    "read_table",
    "read_table_chunks",
    "split_train_validation",
]
