"""The lean prediction path a server runs: the NumPy predictor's 16-row block (a row's result is the same bit for bit
whatever else is in its batch), the numeric preprocessing done in NumPy (the same bits as the stored
`Preprocessor`), and a server holding an array model that imports neither pandas, scikit-learn, SciPy nor JAX."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from twoclass import inference


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def wide_network(tmp_path_factory):
    """A network with many inputs and units and every kind of inference step (activations computed by NumPy's own
    vector code: tanh, exp, erf; BatchNormalization; Normalization), saved and loaded back with NumPy."""
    from twoclass import io
    from twoclass.layers import BatchNormalization, Dense, Dropout
    from twoclass.models import Sequential

    rng = np.random.default_rng(5)
    x = rng.normal(scale=2.0, size=(300, 37)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.float32)
    model = Sequential(
        [
            Dense(96, input_shape=(37,), activation="tanh"),
            BatchNormalization(),
            Dense(48, activation="gelu"),
            Dropout(0.1),
            Dense(24, activation="elu"),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("wide") / "wide"
    io.save_model_dir(model, path)
    return inference.load(path)


@pytest.mark.parametrize("which", ["wide", "net", "arr"])
def test_a_rows_prediction_is_bit_identical_whatever_its_batch(which, wide_network, predictors):
    predictor = wide_network if which == "wide" else predictors[which]
    width = predictor.n_inputs if which != "arr" else len(predictor.columns)
    x = np.random.default_rng(1).normal(scale=3.0, size=(4200, width))
    whole = predictor.predict_proba(x)
    # Sizes on both sides of the 16-row block and of the 4,096-row stacked product, at several offsets.
    for size in (1, 2, 15, 16, 17, 31, 33, 100, 255, 4095, 4096, 4097):
        for start in (0, 1, 13, 100):
            part = x[start : start + size]
            assert _bits_equal(predictor.predict_proba(part), whole[start : start + len(part)]), (size, start)
    for i in (0, 7, 16, 4099):
        assert _bits_equal(predictor.predict_proba(x[i : i + 1]), whole[i : i + 1]), i
    order = np.random.default_rng(2).permutation(len(x))
    assert _bits_equal(predictor.predict_proba(x[order]), whole[order])


def _frame_with_gaps(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.exponential(5.0, size=n),
            "c": rng.integers(0, 2, size=n).astype(float),  # two values: no bins
            "d": rng.normal(size=n) * 1e3,
            "e": np.full(n, 4.0),  # constant
        }
    )
    frame.loc[rng.random(n) < 0.2, "a"] = np.nan
    frame.loc[rng.random(n) < 0.1, "d"] = np.nan
    return frame


@pytest.mark.parametrize("encoding", ["standard", "robust", "binned", "binned+standard"])
def test_numpy_numeric_preprocessing_equals_the_stored_preprocessor_bit_for_bit(encoding):
    from twoclass.data import Preprocessor

    train = _frame_with_gaps(600, seed=0)
    y = (train["b"].to_numpy() > 4).astype(int)
    kinds = {c: "numeric" for c in train.columns}
    preprocessor = Preprocessor(kinds, numeric_encoding=encoding)
    preprocessor.fit(train, y=y)
    meta = {
        "integrity": {"algorithm": "sha256", "digest": "checked by read_model_dir"},
        "input": {"kind": "array", "columns": list(train.columns)},
        "preprocessing": preprocessor.to_dict(),
        "labels": {"negative": 0, "positive": 1},
    }
    rows = inference.NumericRows.from_meta(meta, preprocessor.n_features_out_)
    assert rows is not None
    test = _frame_with_gaps(500, seed=1)
    test.iloc[3] = np.nan  # a row with nothing in it
    test.loc[4, "b"] = 1e6  # far outside the training range: clipped bins, smooth-clipped z
    expected = preprocessor.transform(test)
    assert _bits_equal(rows.transform(test.to_numpy(dtype=np.float64)), expected)


def test_numeric_rows_decline_what_they_do_not_cover():
    from twoclass.data import Preprocessor

    train = _frame_with_gaps(200, seed=0)
    preprocessor = Preprocessor({c: "numeric" for c in train.columns}).fit(train)
    meta = {
        "integrity": {"algorithm": "sha256", "digest": "x"},
        "input": {"kind": "array", "columns": list(train.columns)},
        "preprocessing": preprocessor.to_dict(),
        "labels": {"negative": "no", "positive": "yes"},
    }
    width, numeric = preprocessor.n_features_out_, meta["preprocessing"]["numeric"]
    assert inference.NumericRows.from_meta(meta, width) is not None
    declined = [
        {k: v for k, v in meta.items() if k != "integrity"},  # an older file: its record was not digest-checked
        {**meta, "input": {"kind": "frame", "columns": list(train.columns)}},
        {**meta, "labels": {"negative": 0, "positive": "yes"}},
        {**meta, "preprocessing": {**meta["preprocessing"], "format": 2}},
        {**meta, "preprocessing": {**meta["preprocessing"], "numeric": {**numeric, "scale": []}}},
        # a standardised copy beside standardisation: not a record twoclass writes
        {**meta, "preprocessing": {**meta["preprocessing"], "numeric": {**numeric, "standard_copy": True}}},
    ]
    for changed in declined:
        assert inference.NumericRows.from_meta(changed, width) is None
    assert inference.NumericRows.from_meta(meta, width + 1) is None


def test_out_of_range_values_get_the_full_preprocessors_message(predictors):
    predictor = predictors["arr"]
    columns = predictor.columns
    for bad in (np.inf, -np.inf, 1e39):
        x = np.zeros((3, len(columns)))
        x[1, 2] = bad
        with pytest.raises(ValueError) as from_array:
            predictor.predict_proba(x)
        with pytest.raises(ValueError) as from_frame:
            predictor.predict_proba(pd.DataFrame(x, columns=columns))
        assert str(from_array.value) == str(from_frame.value)
        assert repr(columns[2]) in str(from_array.value)


def test_an_array_and_a_dataframe_get_the_same_probabilities(predictors):
    """`twoclass predict` reads a CSV into a DataFrame (the full Preprocessor); the server gets an array."""
    predictor = predictors["arr"]
    x = np.random.default_rng(3).normal(size=(300, len(predictor.columns)))
    x[::5, 1] = np.nan
    from_frame = predictor.predict_proba(pd.DataFrame(x, columns=predictor.columns))
    assert _bits_equal(predictor.predict_proba(x), from_frame)


def test_an_older_file_without_digest_still_predicts_the_same(model_dirs, predictors, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(model_dirs["arr"], older)
    meta = json.loads((older / "twoclass.json").read_text())
    del meta["integrity"]
    (older / "twoclass.json").write_text(json.dumps(meta))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "its weights cannot be checked"
        predictor = inference.load(older)
    x = np.random.default_rng(4).normal(size=(40, len(predictor.columns)))
    assert _bits_equal(predictor.predict_proba(x), predictors["arr"].predict_proba(x))


def test_a_server_of_array_models_imports_no_pandas_scikit_learn_scipy_or_jax(model_dirs):
    """A fresh interpreter builds the app for the array classifier and the bare network and answers V2 and MLflow
    requests: none of the heavy libraries is loaded. With the column model added, pandas and scikit-learn are."""
    script = f"""
import json, sys
from fastapi.testclient import TestClient
import twoclass.serve.command
from twoclass.serve import create_app
dirs = json.loads({json.dumps(json.dumps({k: str(v) for k, v in model_dirs.items()}))})
heavy = ("pandas", "sklearn", "scipy", "jax", "jaxlib", "pyarrow", "matplotlib")
def loaded():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
tensor = {{"inputs": [{{"name": "input", "datatype": "FP32", "shape": [2, 5], "data": [0.1] * 9 + [None]}}]}}
with TestClient(create_app({{"arr": dirs["arr"], "net": dirs["net"]}})) as c:
    assert c.post("/v2/models/arr/infer", json=tensor).status_code == 200
    assert c.post("/models/arr/invocations", json={{"instances": [[1, 2, 3, 4, None]]}}).status_code == 200
    record = {{f"x{{i}}": i for i in range(5)}}
    assert c.post("/models/arr/invocations", json={{"dataframe_records": [record]}}).status_code == 200
    assert c.post("/models/net/invocations", json={{"instances": [[1, 2, 3, 4]]}}).status_code == 200
    assert c.get("/openapi.json").status_code == 200 and c.get("/metrics").status_code == 200
print(json.dumps(loaded()))
create_app({{"mixed": dirs["mixed"]}})
print(json.dumps(loaded()))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lean, mixed = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert lean == []
    assert {"pandas", "sklearn"} <= set(mixed)


def test_answers_are_the_same_without_orjson(app, monkeypatch, mixed_rows, mixed_inputs):
    """orjson is optional: without it the standard library reads and writes the same documents; NaN literals (which
    orjson refuses) are read either way."""
    from fastapi.testclient import TestClient

    from twoclass.serve import tensors

    requests = [
        ("/v2/models/mixed/infer", {"id": "a", "inputs": mixed_inputs(mixed_rows.head(5))}),
        (
            "/v2/models/arr/infer",
            {"inputs": [{"name": "input", "datatype": "FP64", "shape": [1, 5], "data": [0.5] * 5}]},
        ),
        ("/models/mixed/invocations", {"dataframe_records": mixed_rows.head(3).to_dict("records")}),
        (
            "/v2/models/net/infer",
            b'{"inputs": [{"name": "input", "datatype": "FP64", "shape": [1, 4], "data": [NaN, 1, 2, 3]}]}',
        ),
        ("/v2/models/net/infer", b'{"inputs": [}'),
    ]

    def answers() -> list[tuple[int, object]]:
        with TestClient(app, raise_server_exceptions=False) as client:
            out = []
            for path, body in requests:
                content = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()
                response = client.post(path, content=content, headers={"Content-Type": "application/json"})
                out.append((response.status_code, response.json()))
            return out

    assert tensors.orjson is not None
    fast = answers()
    monkeypatch.setattr(tensors, "orjson", None)
    plain = answers()
    assert [code for code, _ in fast] == [200, 200, 200, 400, 400]
    assert plain == fast
