"""Triton's own Python client (`tritonclient.http`, which speaks the Open Inference Protocol) against a running
`python -m twoclass.serve`: health, metadata, and inference with its defaults (binary tensors both ways), with JSON
tensors, with compression, and its exception on a refused request."""

from __future__ import annotations

import numpy as np
import pytest

tritonclient = pytest.importorskip("tritonclient.http")
from tritonclient.utils import InferenceServerException  # noqa: E402


@pytest.fixture(scope="module")
def triton(server):
    client = tritonclient.InferenceServerClient(
        server.url.removeprefix("http://"), connection_timeout=30, network_timeout=60
    )
    yield client
    client.close()


def _column_inputs(frame, binary: bool):
    inputs = []
    for name in ("age", "fare"):
        tensor = tritonclient.InferInput(name, [len(frame)], "FP64")
        tensor.set_data_from_numpy(frame[name].to_numpy(np.float64), binary_data=binary)
        inputs.append(tensor)
    for name in ("sex", "port", "pclass", "note"):
        tensor = tritonclient.InferInput(name, [len(frame)], "BYTES")
        tensor.set_data_from_numpy(frame[name].astype(str).to_numpy(dtype=object), binary_data=binary)
        inputs.append(tensor)
    return inputs


def test_health_and_metadata(triton):
    assert triton.is_server_live() and triton.is_server_ready()
    assert triton.is_model_ready("mixed") and not triton.is_model_ready("ghost")
    assert triton.get_server_metadata()["name"] == "twoclass"
    meta = triton.get_model_metadata("mixed")
    assert [(i["name"], i["datatype"]) for i in meta["inputs"]][:3] == [
        ("age", "FP64"),
        ("fare", "FP64"),
        ("sex", "BYTES"),
    ]
    assert [o["name"] for o in meta["outputs"]] == ["probability", "label"]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_column_model_inference(triton, predictors, mixed_rows, binary):
    rows = mixed_rows.head(10).dropna()  # binary FP64 carries NaN, which the JSON side sends as null instead
    outputs = [
        tritonclient.InferRequestedOutput("probability", binary_data=binary),
        tritonclient.InferRequestedOutput("label", binary_data=binary),
    ]
    result = triton.infer("mixed", _column_inputs(rows, binary), outputs=outputs, request_id="abc")
    assert result.get_response()["id"] == "abc"
    predictor = predictors["mixed"]
    np.testing.assert_allclose(result.as_numpy("probability"), predictor.predict_proba(rows)[:, 1], atol=1e-6)
    labels = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("label")]
    assert labels == [str(v) for v in predictor.predict(rows)]


def test_missing_numbers_in_binary_fp64_are_imputed_like_predict(triton, predictors, mixed_rows):
    rows = mixed_rows.head(10)
    assert rows["age"].isna().any()
    result = triton.infer("mixed", _column_inputs(rows, binary=True))  # no outputs named: all, in binary
    np.testing.assert_allclose(result.as_numpy("probability"), predictors["mixed"].predict_proba(rows)[:, 1], atol=1e-6)


@pytest.mark.parametrize("compression", ["gzip", "deflate"])
def test_tensor_model_with_request_compression_and_threshold(triton, predictors, compression):
    x = np.random.default_rng(1).normal(size=(8, 4)).astype(np.float32)
    tensor = tritonclient.InferInput("input", list(x.shape), "FP32")
    tensor.set_data_from_numpy(x)
    result = triton.infer("net", [tensor], request_compression_algorithm=compression, parameters={"threshold": 0.3})
    probability = result.as_numpy("probability")
    np.testing.assert_allclose(probability, predictors["net"].predict_proba(x)[:, 1], atol=1e-6)
    labels = [v.decode() for v in result.as_numpy("label")]
    assert labels == [str(int(p >= 0.3)) for p in predictors["net"].predict_proba(x)[:, 1]]


def test_refused_request_raises_with_the_servers_message(triton):
    tensor = tritonclient.InferInput("input", [1, 3], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 3), np.float32))
    with pytest.raises(InferenceServerException, match=r"must have shape \[N, 4\]") as raised:
        triton.infer("net", [tensor])
    assert raised.value.status() == "400"
    with pytest.raises(InferenceServerException, match="'ghost' is not served here"):
        triton.infer("ghost", [tensor])
