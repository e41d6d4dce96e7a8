"""The `twoclass` command line: train / evaluate / predict / inspect on small generated CSV files.

Every bad input exits with code 2 and one line `Error: ...` on stderr, never a traceback. Good paths are checked
against independent references: sklearn.metrics on the loaded estimator's probabilities, and the estimator itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from twoclass.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments: str) -> str:
    """Exit code 2, stderr is exactly one line starting 'Error: ', no traceback anywhere."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def make_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Two numeric features (a clear signal), an identifier column, labels 'yes'/'no'."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = np.where(x1 + x2 + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    return pd.DataFrame({"row_id": np.arange(n), "x1": x1, "x2": x2, "label": y})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small model trained through the command line, shared by the tests that need a model."""
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "train.csv"
    make_frame().to_csv(data, index=False)
    model = folder / "model"
    result = invoke(
        "train", data, "--target", "label", "--out", model, "--epochs", "5", "--hidden", "8", "--seed", "1", "--quiet"
    )
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return {"folder": folder, "data": data, "model": model, "result": result}


# --------------------------------------------------------------------------------------------- good paths


def test_train_prints_notices_figures_threshold_and_saves(trained):
    result = trained["result"]
    assert "Column 'row_id' is not used" in result.stderr  # the dropped identifier, as a notice
    assert "positive class 'yes'" in result.stdout
    assert "Validation (" in result.stdout and "ROC AUC" in result.stdout
    assert "Decision threshold" in result.stdout and "F1" in result.stdout
    assert (trained["model"] / "twoclass.json").is_file()
    assert (trained["model"] / "weights.safetensors").is_file()
    meta = json.loads((trained["model"] / "twoclass.json").read_text())
    assert meta["preprocessing"]["target"] == "label"
    assert meta["estimator"]["params"]["hidden_layer_sizes"] == {"__tuple__": [8]}


def test_train_shows_per_epoch_lines_without_quiet(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(120).to_csv(data, index=False)
    result = invoke(
        "train",
        data,
        "--target",
        "label",
        "--out",
        tmp_path / "m",
        "--epochs",
        "2",
        "--hidden",
        "4",
        "--recipe",
        "plain",
    )
    assert result.exit_code == 0, result.stderr
    assert "Epoch 1/2" in result.stdout and "Epoch 2/2" in result.stdout
    # 120 rows: "auto" averages five networks, and says which one is training
    assert "Network 1 of 5" in result.stdout and "Network 5 of 5" in result.stdout
    assert json.loads((tmp_path / "m" / "twoclass.json").read_text())["n_networks"] == 5


@pytest.mark.parametrize("value, expected", [("1", 1), ("3", 3)])
def test_train_networks_option(tmp_path, value, expected):
    data = tmp_path / "d.csv"
    make_frame(120).to_csv(data, index=False)
    result = invoke(
        "train",
        data,
        "--target",
        "label",
        "--out",
        tmp_path / "m",
        "--recipe",
        "plain",
        "--epochs",
        "2",
        "--hidden",
        "4",
        "--networks",
        value,
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    meta = json.loads((tmp_path / "m" / "twoclass.json").read_text())
    assert meta["n_networks"] == expected
    from twoclass import TwoClassClassifier

    assert TwoClassClassifier.load(tmp_path / "m").model_.get_weights()[0].shape[1] == 4 * expected


def test_train_networks_option_rejects_words(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(120).to_csv(data, index=False)
    result = invoke("train", data, "--target", "label", "--out", tmp_path / "m", "--networks", "many")
    assert result.exit_code != 0
    assert "--networks must be auto or an int >= 1. Got 'many' instead." in result.stderr


def test_predict_matches_the_estimator_and_keeps_columns(trained, tmp_path):
    from twoclass import TwoClassClassifier

    out = tmp_path / "pred.csv"
    result = invoke("predict", trained["model"], trained["data"], "--out", out, "--chunksize", "50")
    assert result.exit_code == 0, result.stderr
    written = pd.read_csv(out)
    original = pd.read_csv(trained["data"])
    assert list(written.columns) == [*original.columns, "probability", "prediction"]
    pd.testing.assert_frame_equal(written[original.columns], original)
    clf = TwoClassClassifier.load(trained["model"])
    expected = clf.predict_proba(original.drop(columns="label"))[:, 1]
    np.testing.assert_allclose(written["probability"], expected, atol=1e-5)
    assert written["prediction"].tolist() == clf.predict(original.drop(columns="label")).tolist()
    assert set(written["prediction"]) <= {"yes", "no"}


def test_predict_in_one_chunk_equals_many_chunks(trained, tmp_path):
    one, many = tmp_path / "one.csv", tmp_path / "many.csv"
    assert invoke("predict", trained["model"], trained["data"], "--out", one).exit_code == 0
    assert invoke("predict", trained["model"], trained["data"], "--out", many, "--chunksize", "7").exit_code == 0
    whole, chunked = pd.read_csv(one), pd.read_csv(many)
    # float32 matrix products may round differently for another number of rows: equal to float32 precision
    np.testing.assert_allclose(chunked["probability"], whole["probability"], rtol=1e-6, atol=1e-7)
    pd.testing.assert_frame_equal(chunked.drop(columns="probability"), whole.drop(columns="probability"))


def test_evaluate_figures_agree_with_sklearn(trained, tmp_path):
    from twoclass import TwoClassClassifier

    report, figures = tmp_path / "report.html", tmp_path / "figures.json"
    result = invoke("evaluate", trained["model"], trained["data"], "--out", report, "--json", figures)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(trained["data"])
    clf = TwoClassClassifier.load(trained["model"])
    proba = clf.predict_proba(frame.drop(columns="label"))[:, 1]
    y = (frame["label"] == "yes").to_numpy().astype(int)
    stored = json.loads(figures.read_text())
    assert stored["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba), abs=1e-6)
    assert stored["threshold"] == pytest.approx(clf.threshold_.value)
    pred = (proba >= clf.threshold_.value).astype(int)
    assert stored["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-6)
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Learning curves" in html
    assert "Decision boundary" in html  # two numeric features
    assert f"{stored['roc_auc']:.4f}" in result.stdout


def test_evaluate_streamed_in_chunks_gives_the_whole_tables_figures(trained, tmp_path, monkeypatch):
    from twoclass.cli import evaluate as evaluate_command

    monkeypatch.setattr(evaluate_command, "CHUNK_ROWS", 7)
    whole, chunked = tmp_path / "whole.json", tmp_path / "chunked.json"
    result = invoke("evaluate", trained["model"], trained["data"], "--out", tmp_path / "w.html", "--json", whole)
    assert result.exit_code == 0 and "chunks" not in result.stdout
    result = invoke(
        "evaluate", trained["model"], trained["data"], "--out", tmp_path / "c.html", "--json", chunked, "--stream", "0"
    )
    assert result.exit_code == 0, result.stderr
    assert "in chunks of 7 rows (the table is" in result.stdout and "on disk (CSV), above --stream 0)" in result.stdout
    want, got = json.loads(whole.read_text()), json.loads(chunked.read_text())
    assert got.keys() == want.keys() and got["n"] == want["n"] == len(pd.read_csv(trained["data"]))
    for key, value in want.items():  # float32 products may round otherwise for another number of rows
        assert got[key] == (pytest.approx(value, abs=1e-6) if isinstance(value, float) else value), key
    assert "Decision boundary" in (tmp_path / "c.html").read_text()


def test_a_streamed_tables_picture_holds_an_even_sample_of_its_points(trained, monkeypatch):
    from twoclass import TwoClassClassifier
    from twoclass.cli import evaluate as evaluate_command

    model = TwoClassClassifier.load(trained["model"])
    frame = pd.read_csv(trained["data"])
    columns = evaluate_command._boundary_columns(model)
    assert columns is not None
    all_points = frame[columns].to_numpy(dtype=np.float64)
    monkeypatch.setattr(evaluate_command, "BOUNDARY_POINTS", 25)
    chunks = [frame.iloc[start : start + 7] for start in range(0, len(frame), 7)]
    scored = evaluate_command._score(model, chunks, None, trained["data"])
    assert len(scored.y01) == len(frame) and len(scored.proba) == len(frame)
    stride = 1
    while len(all_points[::stride]) > 25:
        stride *= 2
    np.testing.assert_array_equal(scored.points, all_points[::stride])  # every stride-th point of the file
    np.testing.assert_array_equal(scored.point_labels, scored.y01[::stride])


def test_evaluate_finds_the_target_by_name_or_by_option(trained, tmp_path):
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(trained["data"]).rename(columns={"label": "truth"}).to_csv(renamed, index=False)
    missing = invoke("evaluate", trained["model"], renamed, "--out", tmp_path / "r.html")
    assert_one_line_error(missing, "'label'", "--target")
    given = invoke("evaluate", trained["model"], renamed, "--out", tmp_path / "r.html", "--target", "truth")
    assert given.exit_code == 0, given.stderr


def test_inspect_describes_the_model(trained):
    result = invoke("inspect", trained["model"])
    assert result.exit_code == 0, result.stderr
    for fragment in ("Dense", "row_id", "numeric", "'yes'", "Decision threshold", "ROC AUC", "Versions", "jax"):
        assert fragment in result.stdout, fragment


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "inspect"])
def test_help_shows_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and f"twoclass {command}" in result.stdout


# --------------------------------------------------------------------------------------------- bad input: train


def write(path, text: str):
    path.write_text(text)
    return path


def test_train_missing_file(tmp_path):
    assert_one_line_error(
        invoke("train", tmp_path / "nope.csv", "--target", "y", "--out", tmp_path / "m"), "does not exist"
    )


@pytest.mark.parametrize(
    "name, content, target, fragment",
    [
        ("data.xlsx", "a,b\n1,2\n", "b", "unsupported suffix"),
        ("empty.csv", "", "y", "is empty"),
        ("header.csv", "x,y\n", "y", "no data rows"),
        ("bad.csv", "x,y\n1,0\n2,1,3,4\n3,0\n", "y", "not a well-formed CSV"),
    ],
)
def test_train_unreadable_file(tmp_path, name, content, target, fragment):
    data = write(tmp_path / name, content)
    assert_one_line_error(invoke("train", data, "--target", target, "--out", tmp_path / "m"), fragment)


def test_train_unknown_target_column(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(40).to_csv(data, index=False)
    line = assert_one_line_error(invoke("train", data, "--target", "nope", "--out", tmp_path / "m"), "'nope'")
    assert "'x1'" in line  # lists the columns there are


def test_train_unknown_override_column(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(40).to_csv(data, index=False)
    assert_one_line_error(
        invoke("train", data, "--target", "label", "--text", "review", "--out", tmp_path / "m"), "'review'"
    )


@pytest.mark.parametrize(
    "labels, fragment",
    [
        (["a"] * 20, "exactly two classes"),
        (["a", "b", "c", "a"] * 5, "exactly two classes"),
    ],
)
def test_train_target_with_one_or_three_classes(tmp_path, labels, fragment):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": np.arange(len(labels)) % 7, "y": labels}).to_csv(data, index=False)
    line = assert_one_line_error(invoke("train", data, "--target", "y", "--out", tmp_path / "m"), fragment)
    assert "'a'" in line


def test_train_ambiguous_labels_ask_for_positive(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": np.arange(20) % 7, "y": ["cat", "dog"] * 10}).to_csv(data, index=False)
    assert_one_line_error(invoke("train", data, "--target", "y", "--out", tmp_path / "m"), "positive")
    assert_one_line_error(invoke("train", data, "--target", "y", "--positive", "cow", "--out", tmp_path / "m"), "'cow'")


def test_train_target_with_missing_values(tmp_path):
    data = write(tmp_path / "d.csv", "x,y\n1,yes\n2,\n3,no\n4,yes\n")
    assert_one_line_error(invoke("train", data, "--target", "y", "--out", tmp_path / "m"), "missing value")


@pytest.mark.parametrize(
    "option, value, fragment",
    [
        ("--hidden", "64,x", "--hidden"),
        ("--hidden", "0", "--hidden"),
        ("--threshold", "1.5", "--threshold"),
        ("--threshold", "recall>=2", "recall"),
        ("--threshold", "accuracy", "threshold"),
        ("--class-weight", "heavy", "--class-weight"),
        ("--calibration", "isotonic", "--calibration"),
    ],
)
def test_train_bad_options(tmp_path, option, value, fragment):
    data = tmp_path / "d.csv"
    make_frame(40).to_csv(data, index=False)
    result = invoke("train", data, "--target", "label", "--out", tmp_path / "m", "--quiet", option, value)
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "m").exists()


def test_train_refuses_to_overwrite_a_folder_that_is_not_a_model(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(40).to_csv(data, index=False)
    (tmp_path / "docs").mkdir()
    keep = write(tmp_path / "docs" / "thesis.txt", "precious")
    result = invoke("train", data, "--target", "label", "--out", tmp_path / "docs")
    assert_one_line_error(result, "not a twoclass model")
    assert keep.read_text() == "precious"


# --------------------------------------------------------------------------------------------- bad input: models


@pytest.mark.parametrize("command", ["evaluate", "predict", "inspect"])
def test_a_folder_that_is_not_a_model(tmp_path, command, trained):
    folder = tmp_path / "not_a_model"
    folder.mkdir()
    write(folder / "notes.txt", "hello")
    args = [folder] if command == "inspect" else [folder, trained["data"], "--out", tmp_path / "o.csv"]
    if command == "evaluate":
        args[-1] = tmp_path / "o.html"
    assert_one_line_error(invoke(command, *args), "twoclass.json is missing")


@pytest.mark.parametrize("command", ["evaluate", "predict", "inspect"])
def test_a_missing_model_folder(tmp_path, command, trained):
    args = [tmp_path / "gone"] if command == "inspect" else [tmp_path / "gone", trained["data"]]
    assert_one_line_error(invoke(command, *args), "not found")


def test_a_damaged_model(tmp_path, trained):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(trained["model"], damaged)
    (damaged / "twoclass.json").write_text("{ not json")
    assert_one_line_error(invoke("inspect", damaged), "not valid JSON")
    shutil.copy(trained["model"] / "twoclass.json", damaged / "twoclass.json")
    (damaged / "weights.safetensors").write_bytes(b"garbage")
    assert_one_line_error(
        invoke("predict", damaged, trained["data"], "--out", tmp_path / "p.csv"), "weights.safetensors"
    )


# --------------------------------------------------------------------------------------------- bad input: data


def test_predict_data_missing_a_model_column(trained, tmp_path):
    data = tmp_path / "d.csv"
    make_frame(20).drop(columns=["x2"]).to_csv(data, index=False)
    assert_one_line_error(invoke("predict", trained["model"], data, "--out", tmp_path / "p.csv"), "'x2'")


def test_predict_missing_and_empty_data(trained, tmp_path):
    assert_one_line_error(invoke("predict", trained["model"], tmp_path / "nope.csv"), "does not exist")
    empty = write(tmp_path / "empty.csv", "")
    assert_one_line_error(invoke("predict", trained["model"], empty, "--out", tmp_path / "p.csv"), "is empty")


def test_predict_malformed_chunk_leaves_no_partial_file(trained, tmp_path):
    frame = make_frame(60)
    lines = frame.to_csv(index=False).splitlines()
    lines.insert(45, "1,2,3,4,5,6,7")  # a ragged row deep in the file, after the first chunks were written
    data = write(tmp_path / "ragged.csv", "\n".join(lines) + "\n")
    out = write(tmp_path / "p.csv", "old predictions\n")
    assert_one_line_error(
        invoke("predict", trained["model"], data, "--out", out, "--chunksize", "10"), "not a well-formed CSV"
    )
    assert out.read_text() == "old predictions\n"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".p.csv")] == []


def test_predict_output_must_be_csv(trained, tmp_path):
    assert_one_line_error(invoke("predict", trained["model"], trained["data"], "--out", tmp_path / "p.xlsx"), ".csv")


def test_evaluate_labels_the_model_does_not_know(trained, tmp_path):
    data = tmp_path / "d.csv"
    frame = make_frame(30)
    frame["label"] = frame["label"].map({"yes": "spam", "no": "ham"})
    frame.to_csv(data, index=False)
    assert_one_line_error(
        invoke("evaluate", trained["model"], data, "--out", tmp_path / "r.html"), "Unknown class label"
    )


def test_usage_errors_end_in_one_error_line(tmp_path):
    data = tmp_path / "d.csv"
    make_frame(20).to_csv(data, index=False)
    for args in (
        ["train", data, "--out", tmp_path / "m"],
        ["train", data, "--target", "label", "--out", tmp_path / "m", "--epochs", "0"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("Error: ") and "Traceback" not in result.stderr
        assert sum(line.startswith("Error") for line in lines) == 1


def test_predict_counts_unseen_categories_once(tmp_path):
    rng = np.random.default_rng(3)
    # colour not a copy of y: such a column is left out as a leak (issue 17)
    frame = pd.DataFrame({"x": rng.normal(size=80), "colour": ["red", "blue", "blue", "red"] * 20, "y": [0, 1] * 40})
    frame.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m"
    trained = invoke(
        "train", tmp_path / "train.csv", "--target", "y", "--out", model, "--epochs", "1", "--hidden", "2", "--quiet"
    )
    assert trained.exit_code == 0, trained.stderr
    new = frame.assign(colour=["green"] * 30 + ["red"] * 50).drop(columns="y")
    new.to_csv(tmp_path / "new.csv", index=False)
    result = invoke("predict", model, tmp_path / "new.csv", "--out", tmp_path / "p.csv", "--chunksize", "20")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1 and "'colour'" in warnings[0] and "30 row(s)" in warnings[0]
    assert pd.read_csv(tmp_path / "p.csv")["prediction"].isin([0, 1]).all()


_BAD_OUT = """
import sys
from typer.testing import CliRunner
from twoclass.cli import app
result = CliRunner().invoke(app, ["train", sys.argv[1], "--target", "y", "--out", sys.argv[1]])
print(result.exit_code, "jax" in sys.modules, "pandas" in sys.modules)
print(result.output)
"""


def test_train_refuses_a_bad_out_before_the_libraries_load(tmp_path):
    # the check needs no library: a user who named the data file as --out hears so at once, not after the imports
    data = tmp_path / "data.csv"
    data.write_text("a,y\n1,0\n2,1\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _BAD_OUT, str(data)], capture_output=True, text=True, env=env, timeout=120
    )
    first, *rest = done.stdout.splitlines()
    assert first == "2 False False", done.stdout + done.stderr
    assert "holds the data file" in " ".join(rest)
    assert data.read_text() == "a,y\n1,0\n2,1\n"
