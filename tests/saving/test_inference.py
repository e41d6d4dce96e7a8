"""The NumPy-only inference path: same probabilities as the JAX model (1e-5), and JAX never imported."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import twoclass
from support import ACTIVATIONS, random_network
from support import mixed_frame as _frame
from twoclass import TwoClassClassifier, inference
from twoclass import io as tio
from twoclass.layers import Activation, Dense, GaussianNoise, Input


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    df, y = _frame(200, seed=5)
    clf = TwoClassClassifier(
        hidden_layer_sizes=(8, 4),
        epochs=8,
        learning_rate=0.05,
        calibration="temperature",
        threshold="youden",
        random_state=0,
    ).fit(df, y)
    path = clf.save(tmp_path_factory.mktemp("inference") / "model")
    return clf, df, path


def test_no_jax_in_a_fresh_process(saved, tmp_path):
    clf, df, path = saved
    rows = df.head(25)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    script = f"""
import json, sys
import pandas as pd
from twoclass import inference
predictor = inference.load({str(path)!r})
rows = pd.read_csv({str(tmp_path / "rows.csv")!r})
proba = predictor.predict_proba(rows)[:, 1].tolist()
labels = predictor.predict(rows).tolist()
print(json.dumps({{"jax": "jax" in sys.modules, "jaxlib": "jaxlib" in sys.modules, "proba": proba, "labels": labels}}))
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["jax"] is False and result["jaxlib"] is False
    np.testing.assert_allclose(result["proba"], clf.predict_proba(df.head(25))[:, 1], atol=1e-5)
    assert result["labels"] == clf.predict(df.head(25)).tolist()


def test_classifier_probabilities_and_labels_match(saved):
    clf, df, path = saved
    predictor = inference.load(path)
    np.testing.assert_allclose(predictor.predict_proba(df), clf.predict_proba(df), atol=1e-5)
    assert predictor.predict(df).tolist() == clf.predict(df).tolist()
    assert predictor.classes_.tolist() == clf.classes_.tolist() and predictor.threshold == clf.threshold_.value


def test_predict_records_one_row_at_a_time(saved):
    clf, df, path = saved
    predictor = inference.load(path)
    records = df.head(5).to_dict(orient="records")
    out = predictor.predict_records(records)
    expected = clf.predict_proba(df.head(5))[:, 1]
    assert [r["label"] for r in out] == clf.predict(df.head(5)).tolist()
    np.testing.assert_allclose([r["probability"] for r in out], expected, atol=1e-5)
    single = predictor.predict_records(records[0])
    assert single[0]["probability"] == pytest.approx(expected[0], abs=1e-5)
    json.dumps(single)  # plain Python values, ready for a server's response
    with pytest.raises(ValueError, match="missing field\\(s\\).*'port'"):
        predictor.predict_records([{"age": 3.0, "fare": 10.0}])


def test_array_model(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 4))
    x[::10, 2] = np.nan
    y = (np.nan_to_num(x[:, 0]) + x[:, 1] > 0).astype(int)
    clf = TwoClassClassifier(hidden_layer_sizes=(6,), epochs=6, learning_rate=0.05, random_state=1).fit(x, y)
    predictor = inference.load(clf.save(tmp_path / "m"))
    np.testing.assert_allclose(predictor.predict_proba(x), clf.predict_proba(x), atol=1e-5)
    assert predictor.predict(x[:10]).tolist() == clf.predict(x[:10]).tolist()
    with pytest.raises(ValueError, match="2-D array with 4 columns"):
        predictor.predict_proba(x[:, :3])


def test_bare_network_with_every_stored_layer(tmp_path):
    model = random_network(seed=4)
    x = np.random.default_rng(2).normal(size=(30, 4)).astype(np.float32)
    predictor = inference.load(tio.save_model_dir(model, tmp_path / "net"))
    np.testing.assert_allclose(predictor.predict_proba(x)[:, 1], model.predict(x, verbose=0)[:, 0], atol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_matches_jax_for_each_activation(activation):
    from twoclass.saving import model_dir as fmt

    rng = np.random.default_rng(7)
    model = twoclass.Sequential(
        [
            Input(shape=(3,)),
            Dense(5, activation=activation),
            GaussianNoise(0.1),
            Activation("tanh"),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.build()
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    record = tio.network_record(model)
    x = rng.normal(size=(20, 3)).astype(np.float32)
    specs = fmt.layer_specs(record["architecture"])
    out = inference.forward(specs, record["weights"], x)
    np.testing.assert_allclose(out, model.predict(x, verbose=0)[:, 0], atol=1e-5)
    np.testing.assert_allclose(
        inference.forward(specs, record["weights"], x, logits=True), model.predict_logits(x), atol=1e-5
    )


def test_import_twoclass_inference_is_light():
    script = "import sys, twoclass.inference; print('jax' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
