"""`twoclass train`, `predict` and `evaluate` stream by themselves above a size (here set low with --stream and
TWOCLASS_STREAM); they say so and why; the streamed model is an ordinary model directory (predict, inspect, the
server and ONNX export take it) whose predictions match an in-memory `twoclass train` within tolerance."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from twoclass.cli import app
from twoclass.cli.stream import DEFAULT_ABOVE, parse_when

from .test_stream_estimator import mixed_frame

runner = CliRunner()
TRAIN = ("--text", "review", "--epochs", "6", "--batch-size", "64", "--hidden", "16", "--seed", "0", "--quiet")


def invoke(*args, env=None):
    result = runner.invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream_cli")
    frame = mixed_frame(1200, seed=3)
    frame.to_parquet(folder / "rows.parquet", row_group_size=300, index=False)
    frame.to_csv(folder / "rows.csv", index=False)
    return {"folder": folder, "frame": frame, "parquet": folder / "rows.parquet", "csv": folder / "rows.csv"}


@pytest.fixture(scope="module")
def in_memory(files):
    """The reference: the same options without streaming (auto, and the files are far below 1 GB), plain recipe."""
    out = files["folder"] / "memory_model"
    result = invoke("train", files["csv"], "--target", "y", "--out", out, *TRAIN, "--recipe", "plain", "--networks", 1)
    assert result.exit_code == 0, result.output
    assert "Streaming" not in result.output
    scored = files["folder"] / "memory.csv"
    assert invoke("predict", out, files["csv"], "--out", scored).exit_code == 0
    return pd.read_csv(scored)["probability"].to_numpy()


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_table_over_the_threshold_is_streamed_and_predicts_as_in_memory(files, in_memory, kind, monkeypatch):
    out = files["folder"] / f"streamed_{kind}"
    if kind == "parquet":  # the option ...
        result = invoke("train", files[kind], "--target", "y", "--out", out, *TRAIN, "--stream", "1KB")
        assert "above --stream 1KB" in result.output
    else:  # ... or the environment
        result = invoke("train", files[kind], "--target", "y", "--out", out, *TRAIN, env={"TWOCLASS_STREAM": "2kb"})
        assert "on disk (CSV), above TWOCLASS_STREAM 2kb" in result.output
    assert result.exit_code == 0, result.output
    assert f"Streaming '{files[kind]}' in chunks" in result.output
    record = json.loads((out / "twoclass.json").read_text())
    assert record["validation_figures"]["notes"][0].startswith("Trained by streaming")
    assert record["preprocessing"]["column_types"] == {
        "x1": "numeric",
        "x2": "numeric",
        "city": "categorical",
        "colour": "categorical",
        "review": "text",
    }

    scored = files["folder"] / f"streamed_{kind}.csv"
    result = invoke("predict", out, files["parquet"], "--out", scored, "--stream", "always", "--chunksize", 500)
    assert result.exit_code == 0, result.output
    assert "Scoring" in result.output and "chunks of 500 rows (--stream always)" in result.output
    probability = pd.read_csv(scored)["probability"].to_numpy()
    assert np.abs(probability - in_memory).mean() < 0.06
    assert np.corrcoef(probability, in_memory)[0, 1] > 0.95


def test_the_streamed_model_is_an_ordinary_model_directory(files, tmp_path):
    """inspect, the NumPy predictor, the server and ONNX export read it; all give the same probabilities."""
    import warnings

    from fastapi.testclient import TestClient

    from twoclass.inference import load
    from twoclass.serve import create_app

    out = tmp_path / "model"
    result = invoke("train", files["csv"], "--target", "y", "--out", out, *TRAIN, "--stream", "0")
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["inspect", str(out)], terminal_width=200)
    assert shown.exit_code == 0 and "│ review │ text" in shown.output and "recipe='plain'" in shown.output
    rows = files["frame"].drop(columns="y").head(6)
    expected = load(out).predict_proba(rows)[:, 1]
    with TestClient(create_app({"m": out})) as http:
        answer = http.post("/invocations", json={"dataframe_records": json.loads(rows.to_json(orient="records"))})
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose([p["probability"] for p in answer.json()["predictions"]], expected, atol=1e-9)
    ort = pytest.importorskip("onnxruntime")
    from twoclass.onnx import export_onnx, frame_to_feeds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_onnx(out, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    _, probability = session.run(None, frame_to_feeds(rows, session))
    np.testing.assert_allclose(probability, expected, atol=1e-5)


def test_stream_option_reads_words_and_sizes():
    assert parse_when("auto", "--stream") == ("auto", DEFAULT_ABOVE)
    assert parse_when("1.5GB", "--stream") == ("auto", 1_500_000_000)
    assert parse_when("64MiB", "--stream") == ("auto", 64 * 2**20)
    assert parse_when("Never", "--stream") == ("never", None)
    assert parse_when("yes", "--stream") == ("always", None)


def test_a_bad_stream_option_is_one_line(files, in_memory, tmp_path):
    result = invoke("train", files["csv"], "--target", "y", "--out", tmp_path / "m", "--stream", "sometimes")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --stream must be auto, always, never or a size such as 200MB or 1.5GB. Got 'sometimes' instead."
    )
    model = files["folder"] / "memory_model"
    result = invoke("predict", model, files["csv"], "--out", tmp_path / "p.csv", env={"TWOCLASS_STREAM": "lots"})
    assert result.exit_code == 2 and "TWOCLASS_STREAM must be auto, always" in result.stderr


def test_streamed_train_names_a_missing_target_in_one_line(files, tmp_path):
    result = invoke("train", files["parquet"], "--target", "label", "--out", tmp_path / "m", "--stream", "always")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: The target column 'label' is not in") and "'review'" in result.stderr


@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_a_streamed_file_without_rows_is_one_line(files, in_memory, tmp_path, command):
    empty = tmp_path / "empty.parquet"
    files["frame"].head(0).to_parquet(empty)
    if command == "train":
        result = invoke("train", empty, "--target", "y", "--out", tmp_path / "m", "--stream", "always")
    elif command == "evaluate":
        model = files["folder"] / "memory_model"
        result = invoke("evaluate", model, empty, "--out", tmp_path / "r.html", "--stream", "always")
        assert not (tmp_path / "r.html").exists()
    else:
        model = files["folder"] / "memory_model"
        result = invoke("predict", model, empty, "--out", tmp_path / "p.csv", "--stream", "1")
    assert result.exit_code == 2
    expected = f"Error: The file '{empty}' has a header but no data rows. Add rows or check the path."
    assert result.stderr.strip() == expected
    assert not (tmp_path / "p.csv").exists()
