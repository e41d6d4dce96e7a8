"""Issue 17, part 5: the classes behind the reported cases.

Outputs never overwrite inputs or a model's own files; model directories are read with bounded memory (sizes and
names checked before tensors or archive members are read); every guess about a column is announced; the Keras-style
API takes every pandas dtype or refuses it by name; the estimator aligns X and y as pandas would or refuses; within a
batch of records, an unknown field is refused as it would be alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from hardening.hardening_support import (
    WEIGHTS_FILE,
    assert_one_line_error,
    cli,
    copy_model,
    files_of,
    make_frame,
    read_meta,
    small_classifier,
    small_network,
    train_ok,
)

# ------------------------------------------------------------------------------------------------ outputs vs inputs


def test_predict_out_equal_to_the_data_file_is_refused(saved_model, tmp_path):
    data = tmp_path / "rows.csv"
    saved_model["features"].to_csv(data, index=False)
    before = data.read_bytes()
    assert_one_line_error(cli("predict", saved_model["dir"], data, "--out", data), "rows.csv")
    assert data.read_bytes() == before


def test_predict_out_through_a_symlink_to_the_data_file_is_refused(saved_model, tmp_path):
    data = tmp_path / "rows.csv"
    saved_model["features"].to_csv(data, index=False)
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    before = data.read_bytes()
    assert_one_line_error(cli("predict", saved_model["dir"], data, "--out", link))
    assert data.read_bytes() == before and link.is_symlink()


@pytest.mark.parametrize("option", ["--out", "--json"])
def test_evaluate_never_writes_over_its_data(saved_model, data_csv, tmp_path, option):
    data = tmp_path / "data.csv"
    data.write_bytes(data_csv.read_bytes())
    args = ["evaluate", saved_model["dir"], data, "--out", tmp_path / "r.html"]
    args += [option, data] if option == "--json" else []
    if option == "--out":
        args[-1] = data
    assert_one_line_error(cli(*args), "data.csv")
    assert data.read_bytes() == data_csv.read_bytes()


def test_evaluate_json_equal_to_out_is_refused(saved_model, data_csv, tmp_path):
    out = tmp_path / "report.html"
    assert_one_line_error(cli("evaluate", saved_model["dir"], data_csv, "--out", out, "--json", out), "report.html")
    assert not out.exists()


@pytest.mark.parametrize("command", ["evaluate", "evaluate-json", "predict"])
def test_no_output_inside_a_model_directory(saved_model, data_csv, tmp_path, command):
    model = copy_model(saved_model["dir"], tmp_path / "model")
    before = files_of(model)
    if command == "predict":
        args = ["predict", model, data_csv, "--out", model / "p.csv"]
    elif command == "evaluate":
        args = ["evaluate", model, data_csv, "--out", model / "report.html"]
    else:
        args = ["evaluate", model, data_csv, "--out", tmp_path / "r.html", "--json", model / "figures.json"]
    line = assert_one_line_error(cli(*args))
    assert "model" in line
    assert files_of(model) == before


@pytest.mark.parametrize("target", ["twoclass.json", "weights.safetensors"])
def test_predict_never_writes_over_a_model_file(saved_model, data_csv, tmp_path, target):
    model = copy_model(saved_model["dir"], tmp_path / "model")
    before = files_of(model)
    assert_one_line_error(cli("predict", model, data_csv, "--out", model / target))
    assert files_of(model) == before


def test_train_out_holding_the_data_file_is_refused(frame, tmp_path):
    model = tmp_path / "model"
    small_classifier().fit(frame.drop(columns="label"), frame["label"]).save(model)
    data = model / "train.csv"
    frame.to_csv(data, index=False)
    before = files_of(model)
    assert_one_line_error(
        cli("train", data, "--target", "label", "--out", model, "--epochs", "2", "--quiet"), "train.csv"
    )
    assert files_of(model) == before


# ------------------------------------------------------------------------------------------------ bounded memory


def _safetensors_with_huge_tensor(path, rows: int, cols: int) -> None:
    """A safetensors file whose header declares a (rows, cols) float32 tensor; the data is a sparse hole."""
    header = json.dumps(
        {"layers.0.kernel": {"dtype": "F32", "shape": [rows, cols], "data_offsets": [0, rows * cols * 4]}}
    ).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as handle:
        handle.write(len(header).to_bytes(8, "little"))
        handle.write(header)
        handle.truncate(8 + len(header) + rows * cols * 4)


_RSS_CHECK = r"""
import resource, sys, warnings
from twoclass import inference
warnings.simplefilter("ignore")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    inference.load(sys.argv[1])
except ValueError as error:
    print("ValueError", str(error)[:300])
else:
    print("loaded")
print("grew_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_huge_declared_tensor_is_refused_before_it_is_read(saved_model, tmp_path):
    """The header says 200 MB of weights where the architecture needs a few dozen numbers: refused by the header."""
    model = copy_model(saved_model["dir"], tmp_path / "model")
    _safetensors_with_huge_tensor(model / WEIGHTS_FILE, 50_000, 1_000)
    result = subprocess.run(
        [sys.executable, "-c", _RSS_CHECK, str(model)], capture_output=True, text=True, timeout=300, check=False
    )
    lines = result.stdout.splitlines()
    assert lines and lines[0].startswith("ValueError"), (result.stdout, result.stderr)
    assert WEIGHTS_FILE in lines[0] or str(model) in lines[0]
    grew = int(lines[-1].split()[1])
    assert grew < 64 * 1024, f"loading grew the process by {grew} KiB"


def test_a_header_length_beyond_the_file_is_refused(saved_model, tmp_path):
    from twoclass import io

    model = copy_model(saved_model["dir"], tmp_path / "model")
    data = bytearray((model / WEIGHTS_FILE).read_bytes())
    data[:8] = (2**62).to_bytes(8, "little")
    (model / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=WEIGHTS_FILE):
        io.load(model)


def test_a_keras_archive_member_that_expands_far_beyond_its_size_is_refused(tmp_path):
    """A zip bomb in place of config.json: refused from the member's declared size, without inflating it."""
    from twoclass.models import load_model

    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", b" " * (300 * 1024 * 1024))
        archive.writestr("model.weights.h5", b"")
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="config.json") as error:
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "bomb.keras" in str(error.value)
    assert peak < 32 * 1024 * 1024, peak


def test_a_model_directory_with_an_unexpected_file_name_still_loads_what_it_needs(saved_model, tmp_path):
    """Names are checked: a stray big file beside the model is never read."""
    from twoclass import inference

    model = copy_model(saved_model["dir"], tmp_path / "model")
    with open(model / "core.dump", "wb") as handle:
        handle.truncate(500 * 1024 * 1024)
    tracemalloc.start()
    try:
        inference.load(model)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024


# ------------------------------------------------------------------------------------------------ column guesses


def _train_cli(tmp_path, frame: pd.DataFrame, *extra: str, sep: str = ","):
    data = tmp_path / "guess.csv"
    frame.to_csv(data, index=False, sep=sep)
    output = train_ok(data, tmp_path / "m", *extra)
    return output, read_meta(tmp_path / "m")["preprocessing"]["column_types"]


def _base(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "label": np.where(x + rng.normal(size=n) > 0, "yes", "no")})


def _lines_naming(output: str, column: str) -> list[str]:
    return [line for line in output.splitlines() if f"'{column}'" in line]


def test_thousands_separators_are_read_as_numbers_and_announced(tmp_path):
    frame = _base()
    frame["Income"] = [f"{v:,}" for v in np.random.default_rng(0).integers(1_000, 900_000, len(frame))]
    output, kinds = _train_cli(tmp_path, frame)
    assert kinds["Income"] == "numeric"
    assert any("thousands" in line for line in _lines_naming(output, "Income")), output


def test_decimal_commas_are_read_as_numbers_and_announced(tmp_path):
    frame = _base()
    frame["Weight"] = [f"{v:.2f}".replace(".", ",") for v in np.random.default_rng(0).uniform(40, 120, len(frame))]
    output, kinds = _train_cli(tmp_path, frame, "--sep", ";", sep=";")
    assert kinds["Weight"] == "numeric"
    assert any("decimal comma" in line for line in _lines_naming(output, "Weight")), output


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%d %b %Y", "%B %d, %Y"])
def test_dates_are_announced(tmp_path, fmt):
    frame = _base()
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 900, len(frame)), "D")
    frame["Joined"] = days.strftime(fmt)
    output, kinds = _train_cli(tmp_path, frame)
    assert kinds["Joined"] == "drop"  # not one category per day, not an identifier
    assert any("date" in line.lower() for line in _lines_naming(output, "Joined")), output


@pytest.mark.parametrize("leak", ["equal", "encoded", "nearly"])
def test_a_copy_of_the_target_under_another_name_is_announced(tmp_path, leak):
    frame = _base(200)
    if leak == "equal":
        frame["outcome"] = frame["label"]
    elif leak == "encoded":
        frame["outcome"] = (frame["label"] == "yes").astype(int)
    else:
        copy = (frame["label"] == "yes").astype(int).to_numpy().copy()
        copy[:1] = 1 - copy[:1]  # 199 of 200 rows agree
        frame["outcome"] = copy
    output, kinds = _train_cli(tmp_path, frame)
    notices = _lines_naming(output, "outcome")
    assert any("'label'" in line for line in notices), output
    assert kinds["outcome"] == "drop"


def test_column_names_differing_only_in_case_or_spaces_are_announced(tmp_path):
    frame = _base()
    frame["Age"] = np.arange(len(frame)) % 7
    frame["age "] = np.arange(len(frame)) % 5
    output, _ = _train_cli(tmp_path, frame)
    assert any("'Age'" in line and "'age '" in line for line in output.splitlines()), output


def test_estimator_announces_guesses_in_its_notices():
    frame = _base(200)
    frame["outcome"] = frame["label"]
    frame["Income"] = [f"{v:,}" for v in np.random.default_rng(0).integers(1_000, 900_000, len(frame))]
    clf = small_classifier().fit(frame.drop(columns="label"), frame["label"])
    notices = " ".join(clf.preprocessor_.notices_)
    assert "'outcome'" in notices and "'Income'" in notices


# ------------------------------------------------------------------------------------------------ pandas dtypes


@pytest.mark.parametrize(
    "dtype, values",
    [
        ("Int64", [1, 2, 3, 4, 5, 6, 7, 8]),
        ("Float64", [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]),
        ("boolean", [True, False] * 4),
        ("int8", list(range(8))),
        ("float16", [0.5] * 8),
        (pd.SparseDtype("float64", 0.0), [0.0, 1.0] * 4),
        ("UInt8", list(range(8))),
    ],
)
def test_keras_fit_takes_numeric_pandas_dtypes(dtype, values):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 8), "b": pd.Series(values).astype(dtype)})
    model = small_network()
    model.fit(frame, np.arange(8) % 2, epochs=1, verbose=0)
    assert np.array_equal(model.predict(frame, verbose=0), model.predict(frame.to_numpy(np.float32), verbose=0))


@pytest.mark.parametrize(
    "dtype, values",
    [
        ("Int64", [1, None, 3, 4, 5, 6, 7, 8]),
        ("Float64", [0.5, None, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]),
        ("boolean", [True, None] * 4),
    ],
)
def test_keras_fit_names_a_nullable_column_with_missing_values(dtype, values):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 8), "b": pd.Series(values, dtype=dtype)})
    with pytest.raises(ValueError, match=r"'b'.*missing|missing.*'b'"):
        small_network().fit(frame, np.arange(8) % 2, epochs=1, verbose=0)


def test_keras_fit_refuses_a_categorical_column_by_name():
    frame = pd.DataFrame({"a": np.linspace(0, 1, 8), "grade": pd.Categorical([1, 2] * 4)})
    with pytest.raises(TypeError, match=r"'grade'.*categor"):
        small_network().fit(frame, np.arange(8) % 2, epochs=1, verbose=0)


def test_keras_fit_refuses_complex_numbers_instead_of_dropping_their_imaginary_part():
    x = np.ones((8, 2), dtype=np.complex64) * (1 + 2j)
    with pytest.raises(TypeError, match=r"'x'.*complex"):
        small_network().fit(x, np.arange(8) % 2, epochs=1, verbose=0)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean", "category", "string"])
def test_estimator_takes_pandas_dtypes(dtype):
    frame = make_frame(80)
    values = {
        "Int64": (frame["x1"] * 10).round(),
        "Float64": frame["x1"],
        "boolean": frame["x1"] > 0,
        "category": frame["colour"],
        "string": frame["colour"],
    }[dtype]
    frame["extra"] = pd.Series(values).astype(dtype)
    frame.loc[3, "extra"] = pd.NA
    clf = small_classifier().fit(frame.drop(columns="label"), frame["label"])
    assert np.isfinite(clf.predict_proba(frame.drop(columns="label"))).all()


# ------------------------------------------------------------------------------------------------ X/y alignment


def test_estimator_aligns_a_shuffled_y_by_index():
    frame = make_frame(100)
    features, labels = frame.drop(columns="label"), frame["label"]
    shuffled = labels.sample(frac=1.0, random_state=0)
    aligned = small_classifier().fit(features, shuffled)
    reference = small_classifier().fit(features, labels)
    assert np.array_equal(aligned.predict_proba(features), reference.predict_proba(features))


def test_estimator_refuses_x_and_y_with_different_indexes():
    frame = make_frame(100)
    features = frame.drop(columns="label")
    labels = frame["label"].set_axis(np.arange(100) + 1000)
    with pytest.raises(ValueError, match=r"'y'.*index|index.*'y'"):
        small_classifier().fit(features, labels)


def test_estimator_pairs_by_position_when_y_has_no_index():
    frame = make_frame(100).set_axis(np.arange(100) * 3)
    clf = small_classifier().fit(frame.drop(columns="label"), frame["label"].to_numpy())
    assert clf.predict(frame.drop(columns="label").head(3)).shape == (3,)


# ------------------------------------------------------------------------------------------------ records


def test_a_record_with_an_unknown_field_is_refused_alone_and_in_a_batch(saved_model):
    from twoclass import inference

    predictor = inference.load(saved_model["dir"])
    good = saved_model["features"].head(3).to_dict("records")
    bad = {**good[0], "colur": "red"}
    with pytest.raises(ValueError, match="'colur'") as alone:
        predictor.predict_records(bad)
    with pytest.raises(ValueError, match="'colur'") as batch:
        predictor.predict_records([good[1], good[2], bad])
    assert "2" in str(batch.value)  # which record
    assert "'colur'" in str(alone.value)
    assert len(predictor.predict_records(good)) == 3


def test_records_with_only_known_fields_work(saved_model):
    from twoclass import inference

    predictor = inference.load(saved_model["dir"])
    records = saved_model["features"].head(4).to_dict("records")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = predictor.predict_records(records)
    assert [r["probability"] for r in out] == pytest.approx(saved_model["proba"][:4, 1].tolist(), abs=1e-5)
