"""The Open Inference Protocol (V2) endpoints through FastAPI's TestClient: metadata, inference, every refusal."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pandas as pd
import pytest


def _outputs(response) -> dict[str, list]:
    return {o["name"]: o["data"] for o in response.json()["outputs"]}


# ------------------------------------------------------------------------------------------------ health, metadata


def test_health_and_server_metadata(client):
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").status_code == 200
    meta = client.get("/v2").json()
    assert meta["name"] == "twoclass" and "binary_tensor_data" in meta["extensions"]


def test_model_metadata_lists_one_input_per_column_with_bytes_for_categories_and_text(client, predictors):
    meta = client.get("/v2/models/mixed").json()
    inputs = {i["name"]: (i["datatype"], i["shape"]) for i in meta["inputs"]}
    assert inputs == {
        "age": ("FP64", [-1]),
        "fare": ("FP64", [-1]),
        "sex": ("BYTES", [-1]),
        "port": ("BYTES", [-1]),
        "pclass": ("BYTES", [-1]),
        "note": ("BYTES", [-1]),
    }  # passenger_id is dropped by the model
    assert meta["outputs"] == [
        {"name": "probability", "datatype": "FP32", "shape": [-1]},
        {"name": "label", "datatype": "BYTES", "shape": [-1]},
    ]
    assert meta["parameters"]["positive_label"] == "survived"
    assert meta["parameters"]["threshold"] == pytest.approx(predictors["mixed"].threshold)


def test_array_models_take_one_fp32_tensor(client):
    assert client.get("/v2/models/net").json()["inputs"][0] == {
        "name": "input",
        "datatype": "FP32",
        "shape": [-1, 4],
        "parameters": {"kind": "tensor", "missing_allowed": False},
    }
    assert client.get("/v2/models/arr").json()["inputs"][0]["shape"] == [-1, 5]


def test_model_ready_and_unknown_model_is_404(client):
    assert client.get("/v2/models/net/ready").json() == {"name": "net", "ready": True}
    for response in (
        client.get("/v2/models/nope"),
        client.get("/v2/models/nope/ready"),
        client.post("/v2/models/nope/infer", json={"inputs": []}),
    ):
        assert response.status_code == 404
        assert "'nope' is not served here" in response.json()["error"] and "'mixed'" in response.json()["error"]


# ------------------------------------------------------------------------------------------------ inference


def test_columns_infer_matches_the_predictor(client, predictors, mixed_rows, mixed_inputs):
    response = client.post("/v2/models/mixed/infer", json={"id": "req-7", "inputs": mixed_inputs(mixed_rows)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "req-7" and body["model_name"] == "mixed"
    out = _outputs(response)
    predictor = predictors["mixed"]
    np.testing.assert_allclose(out["probability"], predictor.predict_proba(mixed_rows)[:, 1], atol=1e-6)
    assert out["label"] == [str(v) for v in predictor.predict(mixed_rows)]
    assert set(out["label"]) == {"survived", "lost"}  # the tiny model still predicts both labels on these rows


def test_a_rows_prediction_does_not_depend_on_the_other_rows(client, mixed_rows, mixed_inputs):
    whole = _outputs(client.post("/v2/models/mixed/infer", json={"inputs": mixed_inputs(mixed_rows)}))
    for i in (0, 7, 39):
        alone = _outputs(client.post("/v2/models/mixed/infer", json={"inputs": mixed_inputs(mixed_rows.iloc[[i]])}))
        assert alone["probability"][0] == pytest.approx(whole["probability"][i], abs=1e-7)
        assert alone["label"][0] == whole["label"][i]


def test_tensor_infer_flat_or_nested_and_outputs_selection(client, predictors):
    x = np.random.default_rng(3).normal(size=(6, 4))
    flat = {"name": "input", "datatype": "FP32", "shape": [6, 4], "data": x.ravel().tolist()}
    nested = dict(flat, data=x.tolist())
    expected = predictors["net"].predict_proba(x)[:, 1]
    for tensor in (flat, nested):
        out = _outputs(
            client.post("/v2/models/net/infer", json={"inputs": [tensor], "outputs": [{"name": "probability"}]})
        )
        assert list(out) == ["probability"]
        np.testing.assert_allclose(out["probability"], expected, atol=1e-6)
    out = _outputs(client.post("/v2/models/net/infer", json={"inputs": [flat], "outputs": [{"name": "label"}]}))
    assert out == {"label": [str(v) for v in (expected >= 0.5).astype(int)]}


def test_threshold_parameter_overrides_the_stored_one(client, mixed_rows, mixed_inputs):
    inputs = mixed_inputs(mixed_rows)
    low = client.post("/v2/models/mixed/infer", json={"inputs": inputs, "parameters": {"threshold": 0.0}}).json()
    high = client.post("/v2/models/mixed/infer", json={"inputs": inputs, "parameters": {"threshold": 1.0}}).json()
    assert {o["name"]: o["data"] for o in low["outputs"]}["label"] == ["survived"] * len(mixed_rows)
    assert {o["name"]: o["data"] for o in high["outputs"]}["label"] == ["lost"] * len(mixed_rows)
    assert low["parameters"]["threshold"] == 0.0


def test_unseen_category_is_predicted_and_warned_in_the_response(client, predictors, mixed_rows, mixed_inputs):
    rows = mixed_rows.head(3).assign(port=["S", "Atlantis", "C"])
    response = client.post("/v2/models/mixed/infer", json={"inputs": mixed_inputs(rows)})
    assert response.status_code == 200
    warning = response.json()["parameters"]["warning"]
    assert "'port'" in warning and "'Atlantis'" in warning and "1 row" in warning
    with pytest.warns(UserWarning, match="Atlantis"):  # as the Predictor (and `twoclass predict`) warn
        expected = predictors["mixed"].predict_proba(rows)[:, 1]
    np.testing.assert_allclose(_outputs(response)["probability"], expected, atol=1e-6)


def test_binary_tensor_extension_in_and_out(client, predictors, mixed_rows):
    """Triton's binary data: inputs after the JSON header, outputs returned the same way when asked for."""
    rows = mixed_rows.head(4)
    inputs, chunks = [], []
    for name in ("age", "fare"):
        raw = rows[name].to_numpy(np.float64).tobytes()
        inputs.append({"name": name, "datatype": "FP64", "shape": [4], "parameters": {"binary_data_size": len(raw)}})
        chunks.append(raw)
    for name in ("sex", "port", "pclass", "note"):
        raw = b"".join(struct.pack("<I", len(s.encode())) + s.encode() for s in rows[name].astype(str))
        inputs.append({"name": name, "datatype": "BYTES", "shape": [4], "parameters": {"binary_data_size": len(raw)}})
        chunks.append(raw)
    header = json.dumps({"inputs": inputs, "parameters": {"binary_data_output": True}}).encode()
    response = client.post(
        "/v2/models/mixed/infer",
        content=header + b"".join(chunks),
        headers={"Inference-Header-Content-Length": str(len(header))},
    )
    assert response.status_code == 200, response.text
    size = int(response.headers["inference-header-content-length"])
    document = json.loads(response.content[:size])
    probability = np.frombuffer(response.content[size : size + 16], "<f4")
    np.testing.assert_allclose(probability, predictors["mixed"].predict_proba(rows)[:, 1], atol=1e-6)
    assert [o["parameters"]["binary_data_size"] for o in document["outputs"]][0] == 16


def test_gzip_request_body(client, predictors):
    body = json.dumps(
        {"inputs": [{"name": "input", "datatype": "FP64", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}]}
    )
    response = client.post(
        "/v2/models/net/infer",
        content=gzip.compress(body.encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    expected = predictors["net"].predict_proba(np.array([[0.1, 0.2, 0.3, 0.4]]))[0, 1]
    assert _outputs(response)["probability"][0] == pytest.approx(expected, abs=1e-6)


def test_zero_rows(client):
    response = client.post(
        "/v2/models/net/infer", json={"inputs": [{"name": "input", "datatype": "FP32", "shape": [0, 4], "data": []}]}
    )
    assert response.status_code == 200 and _outputs(response) == {"probability": [], "label": []}


# ------------------------------------------------------------------------------------------------ refusals


def _mixed(mixed_rows, mixed_inputs, **changes):
    inputs = {i["name"]: i for i in mixed_inputs(mixed_rows.head(3))}
    for name, change in changes.items():
        if change is None:
            del inputs[name]
        else:
            inputs[name] = {**inputs.get(name, {"name": name}), **change}
    return {"inputs": list(inputs.values())}


@pytest.mark.parametrize(
    "changes, fragments",
    [
        ({"fare": None}, ["no input 'fare'", "'age', 'fare', 'sex'"]),
        ({"age": {"datatype": "BYTES", "data": ["a", "b", "c"]}}, ["'age' is a numeric column", "Got BYTES"]),
        ({"age": {"data": [1.0, "old", 3.0]}}, ["'age'", "FP64", '"old" at position 1']),
        ({"note": {"datatype": "FP64", "data": [1.0, 2.0, 3.0]}}, ["'note' is a text column", "BYTES"]),
        ({"sex": {"shape": [2], "data": ["male", "female"]}}, ["different numbers of rows", "'sex' has 2"]),
        ({"fare": {"shape": [3], "data": [1.0, 2.0]}}, ["'fare'", "so 3 values", "holds 2"]),
        ({"fare": {"shape": [3, 1], "data": [[1.0], [2.0, 3.0], [4.0]]}}, ["'fare'", "ragged", "data[1]"]),
        ({"fare": {"shape": [3, 2], "data": [1.0] * 6}}, ["'fare' is one column", "[N] or [N, 1]", "[3, 2]"]),
        ({"fare": {"datatype": "FP128"}}, ["'fare'", "datatype 'FP128'"]),
        ({"cabin": {"datatype": "BYTES", "shape": [3], "data": ["a", "b", "c"]}}, ["'cabin' is not an input"]),
        ({"age": {"data": None}}, ["'data' of input 'age' must be a list"]),
    ],
)
def test_schema_refusals_name_the_input(client, mixed_rows, mixed_inputs, changes, fragments):
    response = client.post("/v2/models/mixed/infer", json=_mixed(mixed_rows, mixed_inputs, **changes))
    assert response.status_code == 400
    message = response.json()["error"]
    for fragment in fragments:
        assert fragment in message, message


def test_missing_values_are_imputed_for_classifiers_but_refused_for_a_bare_network(client, predictors):
    tensor = {"name": "input", "datatype": "FP32", "shape": [2, 4], "data": [[0.1, None, 0.3, 0.4], [1, 2, 3, 4]]}
    refused = client.post("/v2/models/net/infer", json={"inputs": [tensor]})
    assert refused.status_code == 400
    assert "missing value" in refused.json()["error"] and "row 0, feature 1" in refused.json()["error"]
    five = {"name": "input", "datatype": "FP64", "shape": [1, 5], "data": [0.1, None, 0.3, 0.4, 0.5]}
    answered = client.post("/v2/models/arr/infer", json={"inputs": [five]})
    assert answered.status_code == 200
    expected = predictors["arr"].predict_proba(np.array([[0.1, np.nan, 0.3, 0.4, 0.5]]))[0, 1]
    assert _outputs(answered)["probability"][0] == pytest.approx(expected, abs=1e-6)


def test_infinite_number_is_refused_naming_the_column(client, mixed_rows, mixed_inputs):
    body = json.dumps(_mixed(mixed_rows, mixed_inputs, fare={"data": [1.0, float("inf"), 2.0]}))  # Infinity literal
    response = client.post("/v2/models/mixed/infer", content=body, headers={"Content-Type": "application/json"})
    assert (
        response.status_code == 400 and "'fare'" in response.json()["error"] and "infinite" in response.json()["error"]
    )


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"inputs": []}', "non-empty list"),
        (b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]}', "[N, 4]"),
        (
            b'{"inputs": [{"name": "input", "datatype": "BYTES", "shape": [1, 4], "data": ["a", "b", "c", "d"]}]}',
            "numeric datatype",
        ),
        (
            b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}], "id": 5}',
            "'id' must be a string",
        ),
        (
            b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}],'
            b' "parameters": {"threshold": 2}}',
            "'threshold' parameter must be a number in [0, 1]",
        ),
        (
            b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}],'
            b' "outputs": [{"name": "logits"}]}',
            "'logits', which is not an output",
        ),
        (
            b'{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4],'
            b' "parameters": {"binary_data_size": 16}}]}',
            "declares 16 bytes of binary data",
        ),
        (
            b'{"inputs": [{"name": "input", "datatype": "INT64", "shape": [1, 4], "data": [1, 2, 3.5, 4]}]}',
            "must be integers",
        ),
    ],
)
def test_malformed_requests_are_400(client, body, fragment):
    response = client.post("/v2/models/net/infer", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert fragment in response.json()["error"], response.json()["error"]


def test_wrong_content_type_is_415_and_oversized_body_is_413(client):
    response = client.post("/v2/models/net/infer", content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"})
    assert response.status_code == 415 and "text/csv" in response.json()["error"]
    big = b'{"inputs": [' + b" " * (300 * 1024) + b"]}"  # the test app's limit is 256 KB
    response = client.post("/v2/models/net/infer", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "limit of 262144 bytes" in response.json()["error"]
    bomb = gzip.compress(b" " * (1024 * 1024))  # 1 KB on the wire, 1 MB inflated: refused like a large body
    response = client.post("/v2/models/net/infer", content=bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    response = client.post("/v2/models/net/infer", content=b"{}", headers={"Content-Encoding": "br"})
    assert response.status_code == 415 and "Content-Encoding" in response.json()["error"]


def test_unknown_route_and_method_answer_json(client):
    assert client.get("/v3/anything").json() == {"error": "No such endpoint. See /docs for the endpoints."}
    response = client.get("/v2/models/net/infer")
    assert response.status_code == 405 and "error" in response.json()


def test_an_unexpected_fault_is_a_json_500_without_traceback(model_dirs):
    from fastapi.testclient import TestClient

    from twoclass import inference
    from twoclass.serve import create_app

    predictor = inference.load(model_dirs["net"])

    def broken(_):
        raise RuntimeError("disk on fire at /secret/path")

    predictor.predict_proba = broken
    with TestClient(create_app({"net": predictor}), raise_server_exceptions=False) as client:
        response = client.post(
            "/v2/models/net/infer",
            json={"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]},
        )
    assert response.status_code == 500
    assert response.json() == {
        "error": "The server failed on this request (RuntimeError); the server's log has the details."
    }
    assert "Traceback" not in response.text and "/secret/path" not in response.text


def test_metrics_count_requests_errors_rows_and_labels(model_dirs):
    from fastapi.testclient import TestClient

    from twoclass.serve import create_app

    with TestClient(create_app({"net": str(model_dirs["net"])})) as client:
        x = np.random.default_rng(0).normal(size=(5, 4))
        body = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [5, 4], "data": x.tolist()}]}
        labels = _outputs(client.post("/v2/models/net/infer", json=body))["label"]
        client.post("/v2/models/net/infer", json={"inputs": []})
        client.get("/v2/models/ghost")
        text = client.get("/metrics").text
    assert 'twoclass_requests_total{code="200",endpoint="/v2/models/{name}/infer",model="net"} 1.0' in text
    assert 'twoclass_request_errors_total{code="400",endpoint="/v2/models/{name}/infer",model="net"} 1.0' in text
    assert 'twoclass_request_errors_total{code="404",endpoint="/v2/models/{name}",model=""} 1.0' in text
    assert 'twoclass_rows_predicted_total{model="net"} 5.0' in text
    for label in set(labels):
        assert f'twoclass_predictions_total{{label="{label}",model="net"}} {labels.count(label)}.0' in text
    assert 'twoclass_request_duration_seconds_count{endpoint="/v2/models/{name}/infer",model="net"} 2.0' in text


def test_openapi_documents_the_models_own_inputs(client):
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/v2/models/{name}/infer"]["post"]["requestBody"]["content"]["application/json"]
    example = body["examples"]["mixed"]["value"]
    assert [i["name"] for i in example["inputs"]] == ["age", "fare", "sex", "port", "pclass", "note"]
    assert example["inputs"][2]["data"][0] in ("female", "male")
    name = next(p for p in schema["paths"]["/v2/models/{name}"]["get"]["parameters"] if p["name"] == "name")
    assert name["schema"]["enum"] == ["mixed", "arr", "net"]
    mlflow = schema["paths"]["/invocations"]["post"]["requestBody"]["content"]
    assert set(mlflow) == {"application/json", "text/csv"}
    assert mlflow["application/json"]["examples"]["mixed"]["value"]["dataframe_split"]["columns"][0] == "age"
    assert client.get("/docs").status_code == 200


def test_example_in_the_docs_is_answered(client):
    schema = client.get("/openapi.json").json()
    for name in ("mixed", "arr", "net"):
        example = schema["paths"]["/v2/models/{name}/infer"]["post"]["requestBody"]["content"]["application/json"][
            "examples"
        ][name]["value"]
        assert client.post(f"/v2/models/{name}/infer", json=example).status_code == 200
        mlflow = schema["paths"]["/models/{name}/invocations"]["post"]["requestBody"]["content"]["application/json"][
            "examples"
        ][name]["value"]
        assert client.post(f"/models/{name}/invocations", json=mlflow).status_code == 200


def test_frame_given_as_int_category_or_string_category_predicts_the_same(client, mixed_rows, mixed_inputs):
    rows = mixed_rows.head(5)
    as_text = mixed_inputs(rows)
    as_ints = [
        dict(i, datatype="INT64", data=[int(v) for v in rows["pclass"]]) if i["name"] == "pclass" else i
        for i in as_text
    ]
    a = _outputs(client.post("/v2/models/mixed/infer", json={"inputs": as_text}))
    b = _outputs(client.post("/v2/models/mixed/infer", json={"inputs": as_ints}))
    assert a == b
    assert isinstance(pd.Series(a["probability"]).iloc[0], float)
