"""MLflow's scoring format at /invocations, with bodies built the way MLflow's client builds them (pandas' split and
records orients, TF-serving style instances/inputs, CSV), sent through plain httpx to a running server or through
the TestClient; and the answers compared with `twoclass predict` on the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest


def _split_body(frame: pd.DataFrame) -> str:
    """As mlflow.models.utils does for a DataFrame: pandas' split orient without the index."""
    split = json.loads(frame.to_json(orient="split"))
    split.pop("index", None)
    return json.dumps({"dataframe_split": split})


def _expected(predictor, frame):
    return predictor.predict_proba(frame)[:, 1], [
        v.item() if hasattr(v, "item") else v for v in predictor.predict(frame)
    ]


def _check(response, predictor, frame):
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    probability, labels = _expected(predictor, frame)
    np.testing.assert_allclose([p["probability"] for p in predictions], probability, atol=1e-9)
    assert [p["label"] for p in predictions] == labels


def test_dataframe_split_and_records_to_a_running_server(server, predictors, mixed_rows):
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        _check(
            http.post("/invocations", content=_split_body(mixed_rows), headers=headers), predictors["mixed"], mixed_rows
        )
        records = mixed_rows.to_json(orient="records")
        _check(
            http.post("/invocations", content=f'{{"dataframe_records": {records}}}', headers=headers),
            predictors["mixed"],
            mixed_rows,
        )
        assert http.get("/ping").status_code == 200 and http.get("/health").status_code == 200


def test_csv_body_gives_what_twoclass_predict_writes(server, model_dirs, mixed_rows, tmp_path):
    """The same CSV through `twoclass predict` (the command) and POST /invocations: same labels and probabilities."""
    data = tmp_path / "rows.csv"
    mixed_rows.to_csv(data, index=False)
    out = tmp_path / "predictions.csv"
    command = Path(sys.executable).with_name("twoclass")
    done = subprocess.run(
        [str(command), "predict", str(model_dirs["mixed"]), str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(out)
    response = httpx.post(
        server.url + "/invocations", content=data.read_bytes(), headers={"Content-Type": "text/csv"}, timeout=30
    )
    predictions = response.json()["predictions"]
    assert [p["label"] for p in predictions] == written["prediction"].tolist()
    np.testing.assert_allclose([p["probability"] for p in predictions], written["probability"], atol=1e-6)
    v2 = httpx.post(
        server.url + "/v2/models/mixed/infer",
        timeout=30,
        json={
            "inputs": [
                {
                    "name": c,
                    "datatype": "FP64" if c in ("age", "fare") else "BYTES",
                    "shape": [len(mixed_rows)],
                    "data": [
                        None if pd.isna(v) else (float(v) if c in ("age", "fare") else str(v)) for v in mixed_rows[c]
                    ],
                }
                for c in ("age", "fare", "sex", "port", "pclass", "note")
            ]
        },
    ).json()
    outputs = {o["name"]: o["data"] for o in v2["outputs"]}
    assert outputs["label"] == written["prediction"].tolist()
    np.testing.assert_allclose(outputs["probability"], written["probability"], atol=1e-6)


def test_instances_and_inputs_forms(client, predictors, mixed_rows):
    rows = mixed_rows.head(4)
    records = json.loads(rows.to_json(orient="records"))
    columns = {c: json.loads(rows[c].to_json(orient="values")) for c in rows.columns}
    for body in ({"instances": records}, {"inputs": records}, {"inputs": columns}, {"instances": columns}):
        _check(client.post("/invocations", json=body), predictors["mixed"], rows)
    one = client.post("/invocations", json={"inputs": records[0]})
    _check(one, predictors["mixed"], rows.head(1))


def test_array_models_take_rows_of_numbers(client, predictors):
    x = np.random.default_rng(5).normal(size=(3, 4))
    _check(client.post("/models/net/invocations", json={"instances": x.tolist()}), predictors["net"], x)
    _check(client.post("/models/net/invocations", json={"dataframe_split": {"data": x.tolist()}}), predictors["net"], x)
    five = np.random.default_rng(6).normal(size=(2, 5))
    frame = pd.DataFrame(five, columns=[f"x{i}" for i in range(5)])
    _check(
        client.post(
            "/models/arr/invocations", content=_split_body(frame), headers={"Content-Type": "application/json"}
        ),
        predictors["arr"],
        five,
    )
    _check(
        client.post("/models/arr/invocations", content=frame.to_csv(index=False), headers={"Content-Type": "text/csv"}),
        predictors["arr"],
        five,
    )


def test_user_labels_threshold_param_and_unseen_warning(client, mixed_rows):
    rows = mixed_rows.head(3).assign(sex=["male", "robot", "female"])
    body = json.loads(_split_body(rows))
    answer = client.post("/invocations", json={**body, "params": {"threshold": 0.0}}).json()
    assert [p["label"] for p in answer["predictions"]] == ["survived"] * 3
    assert "'sex'" in answer["warnings"][0] and "'robot'" in answer["warnings"][0]
    assert all(isinstance(p["probability"], float) for p in answer["predictions"])


def test_words_in_a_numeric_column_are_read_as_missing_and_warned_as_predict_does(client, predictors, mixed_rows):
    rows = mixed_rows.head(2).astype({"age": object})
    rows.loc[rows.index[0], "age"] = "old"
    answer = client.post("/invocations", content=_split_body(rows), headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert "'age'" in answer.json()["warnings"][0] and "'old'" in answer.json()["warnings"][0]
    with pytest.warns(UserWarning, match="old"):
        _check(answer, predictors["mixed"], rows)


def test_extra_columns_are_ignored_as_twoclass_predict_ignores_them(client, predictors, mixed_rows):
    rows = mixed_rows.head(3)
    _check(
        client.post(
            "/invocations",
            content=_split_body(rows.assign(cabin=["A1", "B2", "C3"])),
            headers={"Content-Type": "application/json"},
        ),
        predictors["mixed"],
        rows,
    )


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"dataframe_split": {"columns": ["age"], "data": [[30]]}}, "no column 'fare'"),
        ({"dataframe_split": {"columns": ["age", "fare"], "data": [[30]]}}, "Row 0 of 'dataframe_split.data' has 1"),
        ({"dataframe_records": [{"age": 1}], "instances": [[1]]}, "exactly one of"),
        ({"records": []}, "exactly one of"),
        ({"dataframe_records": "age=3"}, "list of objects"),
        ({"instances": [[1, 2, 3, 4, 5, 6]]}, "must name its columns"),
        ({"inputs": {"age": [1, 2], "fare": [3]}}, "different lengths"),
        (
            {
                "dataframe_records": [
                    {"age": 1, "fare": float("inf"), "sex": "m", "port": "S", "pclass": 1, "note": "x"}
                ]
            },
            "Column 'fare' contains infinite values",
        ),
        (
            {"dataframe_records": [{"age": [1], "fare": 1, "sex": "m", "port": "S", "pclass": 1, "note": "x"}]},
            "a list at row 0",
        ),
        ({"dataframe_split": {"columns": ["age"], "data": [[1]]}, "params": {"threshold": "high"}}, "'threshold'"),
    ],
)
def test_refusals_name_what_is_wrong(client, body, fragment):
    response = client.post("/invocations", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert fragment in response.json()["error"], response.json()["error"]


@pytest.mark.parametrize(
    "path, body, fragment",
    [
        ("/models/net/invocations", {"instances": [[1, 2, 3]]}, "takes 4 numbers per row"),
        ("/models/net/invocations", {"instances": [[1, None, 3, 4]]}, "takes numbers"),
        ("/models/net/invocations", {"dataframe_records": [{"a": 1}]}, "without column names"),
        ("/models/arr/invocations", {"dataframe_split": {"columns": ["x0"], "data": [[1]]}}, "no column 'x1'"),
    ],
)
def test_array_model_refusals(client, path, body, fragment):
    response = client.post(path, json=body)
    assert response.status_code == 400 and fragment in response.json()["error"], response.text


def test_content_types_csv_errors_and_unknown_model(client):
    assert client.post("/invocations", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/invocations", content=b"{}").status_code == 415  # MLflow requires a content type
    broken = client.post("/invocations", content=b'age,fare\n1,"2\n', headers={"Content-Type": "text/csv"})
    assert broken.status_code == 400 and "CSV" in broken.json()["error"]
    missing = client.post("/invocations", content=b"age,fare\n1,2\n", headers={"Content-Type": "text/csv"})
    assert missing.status_code == 400 and "no column 'sex'" in missing.json()["error"]
    header_only = client.post("/models/net/invocations", content=b"-8.5\n", headers={"Content-Type": "text/csv"})
    assert header_only.status_code == 400 and "The CSV has 1 column(s); model 'net' takes 4" in header_only.text
    response = client.post("/models/ghost/invocations", json={"instances": [[1]]})
    assert response.status_code == 404 and "'ghost' is not served" in response.json()["error"]
