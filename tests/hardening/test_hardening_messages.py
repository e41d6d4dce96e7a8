"""Issue 17, part 3: vague errors made precise (the file and the field, the column and the fix), the CLI's
--encoding and --sep, warnings shown as notices."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hardening.hardening_support import (
    JSON_FILE,
    assert_no_raw_python,
    assert_one_line_error,
    cli,
    copy_model,
    edit_meta,
    make_frame,
    read_meta,
    small_classifier,
    small_network,
    train_command,
    train_ok,
)

# ------------------------------------------------------------------------------------------------ missing fields


@pytest.mark.parametrize(
    "path",
    [
        ("preprocessing",),
        ("labels",),
        ("labels", "positive"),
        ("threshold",),
        ("threshold", "value"),
        ("input",),
        ("input", "columns"),
        ("preprocessing", "numeric", "scale"),
        ("preprocessing", "categorical", 0, "categories"),
        ("estimator", "params"),
        ("calibration",),
        ("history",),
    ],
)
def test_a_missing_field_names_the_file_and_the_field(saved_model, data_csv, tmp_path, path):
    from twoclass import inference, io

    model = copy_model(saved_model["dir"], tmp_path / "model")
    edit_meta(model, path)
    field = str(path[-1]) if not isinstance(path[-1], int) else str(path[-2])
    for load in (io.load, inference.load):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.raises(ValueError) as error:
                load(model)
        message = str(error.value)
        assert JSON_FILE in message and f"'{field}'" in message, message
    line = assert_one_line_error(cli("predict", model, data_csv, "--out", tmp_path / "p.csv"), JSON_FILE, f"'{field}'")
    assert line != f"Error: {field}"


def test_a_missing_indicator_for_an_unknown_column_is_not_a_list_error(saved_model, tmp_path):
    from twoclass import io

    model = copy_model(saved_model["dir"], tmp_path / "model")
    edit_meta(model, ("preprocessing", "numeric", "missing_indicator"), ["Age"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError) as error:
            io.load(model)
    message = str(error.value)
    assert "is not in list" not in message
    assert "missing_indicator" in message and "'Age'" in message and JSON_FILE in message


def test_a_word_where_a_stored_number_belongs_names_the_field(saved_model, tmp_path):
    from twoclass import inference

    model = copy_model(saved_model["dir"], tmp_path / "model")
    edit_meta(model, ("preprocessing", "numeric", "median", 0), "high")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError) as error:
            inference.load(model)
    message = str(error.value)
    assert "could not convert" not in message
    assert "median" in message and JSON_FILE in message


# ------------------------------------------------------------------------------------------------ columns and fixes


def test_estimator_array_with_words_names_x_the_column_and_the_fix():
    x = np.array([[1.0, 2.0], [3.0, "high"], [5.0, 6.0], [7.0, 8.0]] * 5, dtype=object)
    y = np.array([0, 1] * 10)
    with pytest.raises(ValueError) as error:
        small_classifier().fit(x, y)
    message = str(error.value)
    assert "'X'" in message and "'high'" in message and "column 1" in message, message
    assert "DataFrame" in message  # the fix: a DataFrame lets the model treat that column as a category


def test_predict_with_words_in_a_numeric_column_warns_naming_it(fitted, frame):
    rows = frame.drop(columns="label").head(6).astype({"x1": object})
    rows.loc[rows.index[:2], "x1"] = "high"
    with pytest.warns(UserWarning, match=r"'x1'.*'high'"):
        proba = fitted.predict_proba(rows)
    assert np.isfinite(proba).all()


def test_cli_predict_with_words_in_a_numeric_column(saved_model, tmp_path):
    rows = saved_model["features"].head(6).astype({"x1": object})
    rows.loc[rows.index[:2], "x1"] = "high"
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)
    result = cli("predict", saved_model["dir"], data, "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert_no_raw_python(result.stdout + result.stderr)
    warning = [line for line in result.stderr.splitlines() if "'x1'" in line and "'high'" in line]
    assert warning, result.stderr
    assert np.isfinite(pd.read_csv(tmp_path / "p.csv")["probability"]).all()


@pytest.mark.parametrize("value, fragment", [(np.inf, "infinite"), (1e300, "float32")])
def test_keras_fit_names_the_column_of_an_infinite_or_huge_value(value, fragment):
    frame = pd.DataFrame({"a": np.zeros(8), "b": np.zeros(8), "fare": np.zeros(8)})
    frame.loc[3, "fare"] = value
    model = small_network(n_inputs=3)
    with pytest.raises(ValueError) as error:
        model.fit(frame, np.arange(8) % 2, epochs=1, verbose=0)
    message = str(error.value)
    assert "'fare'" in message and fragment in message and "'x'" in message, message
    assert "TwoClassClassifier does this for you" not in message or "'fare'" in message


def test_keras_fit_of_a_huge_value_in_an_array_says_it_is_too_large():
    x = np.zeros((8, 2))
    x[2, 1] = 1e300
    with pytest.raises(ValueError, match=r"column 1.*float32|float32.*column 1"):
        small_network().fit(x, np.arange(8) % 2, epochs=1, verbose=0)


def test_estimator_with_a_huge_value_works_or_names_the_column():
    frame = make_frame(60)
    frame.loc[5, "x2"] = 1e300
    try:
        clf = small_classifier().fit(frame.drop(columns="label"), frame["label"])
    except ValueError as error:
        assert "'x2'" in str(error)
    else:
        assert np.isfinite(clf.predict_proba(frame.drop(columns="label"))).all()


# ------------------------------------------------------------------------------------------------ --encoding / --sep


def _latin1_csv(path):
    frame = make_frame(60)
    frame["city"] = np.where(np.arange(60) % 2, "Zürich", "Genève")
    frame.to_csv(path, index=False, encoding="latin-1")
    return path


def test_a_latin1_file_suggests_the_encoding_option(tmp_path):
    data = _latin1_csv(tmp_path / "latin.csv")
    line = assert_one_line_error(cli("train", data, "--target", "label", "--out", tmp_path / "m", "--quiet"))
    assert "--encoding" in line and "latin" in line


def test_the_encoding_option_reads_a_latin1_file(tmp_path):
    data = _latin1_csv(tmp_path / "latin.csv")
    train_ok(data, tmp_path / "m", "--encoding", "latin-1")
    assert "Genève" in read_meta(tmp_path / "m")["preprocessing"]["categorical"][-1]["categories"]
    predicted = cli("predict", tmp_path / "m", data, "--encoding", "latin-1", "--out", tmp_path / "p.csv")
    assert predicted.exit_code == 0, (predicted.stdout, predicted.stderr)


def test_an_unknown_encoding_is_one_line(tmp_path):
    data = _latin1_csv(tmp_path / "latin.csv")
    assert_one_line_error(
        cli("train", data, "--target", "label", "--out", tmp_path / "m", "--encoding", "klingon"),
        "klingon",
        "--encoding",
    )


def _semicolon_csv(path):
    make_frame(60).to_csv(path, index=False, sep=";")
    return path


def test_a_semicolon_file_is_recognised_with_a_notice(tmp_path):
    data = _semicolon_csv(tmp_path / "semi.csv")
    output = train_ok(data, tmp_path / "m")
    assert "--sep" in output and "';'" in output
    assert read_meta(tmp_path / "m")["input"]["columns"] == ["x1", "x2", "colour"]


def test_the_sep_option(tmp_path):
    data = _semicolon_csv(tmp_path / "semi.csv")
    train_ok(data, tmp_path / "m", "--sep", ";")
    predicted = cli("predict", tmp_path / "m", data, "--sep", ";", "--out", tmp_path / "p.csv")
    assert predicted.exit_code == 0, (predicted.stdout, predicted.stderr)
    assert len(pd.read_csv(tmp_path / "p.csv")) == 60


def test_a_wrong_sep_names_the_target_and_the_separator(tmp_path):
    data = _semicolon_csv(tmp_path / "semi.csv")
    line = assert_one_line_error(cli("train", data, "--target", "label", "--out", tmp_path / "m", "--sep", "|"))
    assert "'label'" in line and "--sep" in line


# ------------------------------------------------------------------------------------------------ warnings as notices


def test_training_on_a_few_rows_shows_the_warning_as_a_notice(tmp_path):
    data = tmp_path / "tiny.csv"
    pd.DataFrame({"x": [0.1, 0.9, 0.2, 0.8, 0.3, 0.7], "label": ["no", "yes"] * 3}).to_csv(data, index=False)
    result = cli(*train_command(data, tmp_path / "m", hidden=2))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    assert_no_raw_python(output)
    assert "UserWarning" not in output and "warnings.warn" not in output
    assert any(line.startswith("Warning: ") and "Too few rows" in line for line in result.stderr.splitlines())
