"""Scoring a Spark DataFrame with a saved model: a pandas UDF over the NumPy predictor, no JAX on the executors.

`predict_udf(model_dir)` reads the model directory once on the driver (so a bad path fails there, with the usual
message) and returns a callable that makes a Spark column: a struct of the user's ``label`` and the positive class's
``probability``, exactly what `twoclass.inference.load(model_dir).predict_proba` gives for the same rows (and so what
`twoclass predict` writes). The model's two files travel inside the UDF, so executors need no shared filesystem; each
Python worker rebuilds the predictor once and keeps it for every later batch and task (Spark reuses Python workers by
default, `spark.python.worker.reuse`). Columns are read by name: with no arguments the UDF reads the columns the
model was trained on.

Built on `pyspark.sql.functions.pandas_udf` in its iterator form, the mechanism `pyspark.ml.functions.
predict_batch_udf` is itself a thin layer over; that layer is not used because it turns each column into a bare NumPy
array (losing the nullable string and integer types the preprocessing reads), cannot return a boolean label, and
wants a predict function with one parameter per column.

Example:
    >>> from twoclass.spark import predict_udf
    >>> score = predict_udf("titanic_model/")  # doctest: +SKIP
    >>> scored = frame.withColumn("prediction", score())  # doctest: +SKIP
    >>> scored.select("PassengerId", "prediction.label", "prediction.probability").show()  # doctest: +SKIP
"""

import hashlib
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from twoclass import inference

__all__ = ["ModelUDF", "predict", "predict_udf"]

# The files of a model directory that the NumPy predictor reads (the on-disk format of `twoclass.inference`).
_MODEL_FILES = ("twoclass.json", "weights.safetensors")

# One predictor per Python worker and model, keyed by the digest of the model's files. It must live in this module
# (imported by reference on the executor), not in the UDF's closure, which Spark unpickles anew for every task.
_PREDICTORS: dict[str, inference.Predictor] = {}
_PREDICTORS_LOCK = threading.Lock()
_LOADS: Counter = Counter()  # how many times this process built each model's predictor (read by the tests)


def _read_payload(model_dir: Union[str, "os.PathLike[str]"]) -> dict[str, bytes]:
    return {name: Path(model_dir, name).read_bytes() for name in _MODEL_FILES}


def _digest(payload: dict[str, bytes]) -> str:
    hasher = hashlib.sha256()
    for name in sorted(payload):
        hasher.update(name.encode() + b"\0" + len(payload[name]).to_bytes(8, "little") + payload[name])
    return hasher.hexdigest()


def _predictor_for(digest: str, payload: dict[str, bytes]) -> inference.Predictor:
    """The predictor for these model files, built at most once in this process."""
    with _PREDICTORS_LOCK:
        predictor = _PREDICTORS.get(digest)
        if predictor is None:
            folder = tempfile.mkdtemp(prefix="twoclass-spark-")
            try:
                for name, content in payload.items():
                    with open(os.path.join(folder, name), "wb") as handle:
                        handle.write(content)
                predictor = inference.load(folder)  # reads everything into memory; the folder can go
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            _PREDICTORS[digest] = predictor
            _LOADS[digest] += 1
        return predictor


def _score_frame(predictor: inference.Predictor, frame: pd.DataFrame, label: str, probability: str) -> pd.DataFrame:
    """Label and probability for one batch, as `Predictor.predict_proba` and `Predictor.predict` give them."""
    features = frame if predictor.columns is not None else frame.to_numpy(dtype=np.float64)
    p = predictor.predict_proba(features)[:, 1]
    labels = predictor.classes_[(p >= predictor.threshold).astype(np.int64)]
    if labels.dtype.kind not in "biuf":
        labels = np.array([str(value) for value in labels], dtype=object)  # Spark's string field
    return pd.DataFrame({label: labels, probability: p})


def _score_batches(
    batches: Iterator[Any], digest: str, payload: dict[str, bytes], columns: list[str], label: str, probability: str
) -> Iterator[pd.DataFrame]:
    """The UDF's body on an executor: Arrow batches in, one struct frame out per batch."""
    predictor = _predictor_for(digest, payload)
    for batch in batches:
        series = (batch,) if isinstance(batch, pd.Series) else tuple(batch)
        # Spark names the series _0, _1, ...; the preprocessing finds its columns by the model's names.
        frame = pd.DataFrame({name: s.reset_index(drop=True) for name, s in zip(columns, series)})
        yield _score_frame(predictor, frame, label, probability)


def _spark_label_type(classes: np.ndarray) -> str:
    return {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double"}.get(classes.dtype.kind, "string")


def _check_field_name(value: Any, parameter: str) -> str:
    if not isinstance(value, str) or not value or "`" in value:
        raise ValueError(
            f"The {parameter!r} parameter of predict_udf must be a non-empty str without backticks. "
            f"Got {value!r} instead."
        )
    return value


class ModelUDF:
    """A Spark UDF for one saved model, built by `predict_udf`. Call it to get a column.

    Attributes: columns (the model's input columns, or None for a bare network), classes_, threshold,
    return_type (the output struct as a Spark DDL string).
    """

    def __init__(self, model_dir: Union[str, "os.PathLike[str]"], label: str, probability: str) -> None:
        predictor = inference.load(model_dir)  # the driver checks the directory, with the library's messages
        self.label = _check_field_name(label, "label")
        self.probability = _check_field_name(probability, "probability")
        if self.label == self.probability:
            raise ValueError(
                f"The 'label' and 'probability' parameters of predict_udf must differ. Got {label!r} for both."
            )
        self.columns = None if predictor.columns is None else list(predictor.columns)
        self.n_inputs = predictor.n_inputs
        self.classes_ = predictor.classes_
        self.threshold = predictor.threshold
        self.return_type = f"`{self.label}` {_spark_label_type(predictor.classes_)}, `{self.probability}` double"
        self._payload = _read_payload(model_dir)
        self._digest = _digest(self._payload)

    def _expected(self) -> int:
        return len(self.columns) if self.columns is not None else self.n_inputs

    def __call__(self, *columns: Any) -> Any:
        """A column holding struct<label, probability>, reading ``columns`` (names or Columns, in the model's
        order); with none given, the model's own column names.

        Example:
            >>> frame.withColumn("prediction", score())  # doctest: +SKIP
        """
        from pyspark.sql import functions as F

        if not columns:
            if self.columns is None:
                raise ValueError(
                    f"This model is a bare network without column names; call the UDF with its "
                    f"{self.n_inputs} numeric input columns in order."
                )
            columns = tuple(self.columns)
        if len(columns) != self._expected():
            shown = f" ({', '.join(map(repr, self.columns))})" if self.columns is not None else ""
            raise ValueError(
                f"The model reads {self._expected()} column(s){shown}. Got {len(columns)} column(s) instead."
            )
        names = self.columns if self.columns is not None else [f"x{i}" for i in range(self.n_inputs)]
        digest, payload, label, probability = self._digest, self._payload, self.label, self.probability

        def score(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
            return _score_batches(batches, digest, payload, names, label, probability)

        udf = F.pandas_udf(score, returnType=self.return_type)
        return udf(*[F.col(c) if isinstance(c, str) else c for c in columns])

    def __repr__(self) -> str:
        reads = f"columns={self.columns}" if self.columns is not None else f"{self.n_inputs} numeric inputs"
        return f"ModelUDF({reads}, returns struct<{self.return_type}>)"


def predict_udf(
    model_dir: Union[str, "os.PathLike[str]"], *, label: str = "label", probability: str = "probability"
) -> ModelUDF:
    """A Spark UDF scoring rows with the model saved in ``model_dir`` (NumPy only on the executors).

    The result of calling it is a struct column with fields ``label`` (the user's class label, at the model's stored
    threshold) and ``probability`` (of the positive class). The model is loaded once per Python worker.

    Example:
        >>> score = predict_udf("spam_model/")  # doctest: +SKIP
        >>> frame.withColumn("prediction", score()).select("id", "prediction.*")  # doctest: +SKIP
    """
    return ModelUDF(model_dir, label, probability)


def predict(
    frame: Any,
    model_dir: Union[str, "os.PathLike[str]"],
    *,
    output: str = "prediction",
    label: str = "label",
    probability: str = "probability",
) -> Any:
    """``frame`` with one more column, ``output``: struct<label, probability> from the model in ``model_dir``,
    reading the model's columns by name. Missing columns are named in the error.

    Example:
        >>> predict(spark.read.parquet("new_rows.parquet"), "titanic_model/").select("prediction.*")  # doctest: +SKIP
    """
    score = predict_udf(model_dir, label=label, probability=probability)
    if score.columns is None:
        raise ValueError(
            f"'{model_dir}' holds a bare network without column names; use predict_udf(model_dir) and "
            "call it with the input columns in order."
        )
    missing = [c for c in score.columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The DataFrame lacks column(s) {', '.join(map(repr, missing))} that the model reads. "
            f"Got columns {list(frame.columns)} instead."
        )
    if not isinstance(output, str) or not output:
        raise ValueError(f"The 'output' parameter of predict must be a non-empty str. Got {output!r} instead.")
    return frame.withColumn(output, score())
