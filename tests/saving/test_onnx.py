"""ONNX export of the network alone (pipeline=False): onnxruntime gives the same probabilities as twoclass (1e-5) on
the Preprocessor's features. The whole model in one graph: test_onnx_pipeline.py."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import twoclass
from support import ACTIVATIONS, random_network
from support import mixed_frame as _frame
from twoclass import TwoClassClassifier
from twoclass.data import Preprocessor
from twoclass.layers import Dense, Input
from twoclass.onnx import export_onnx, to_onnx


def _run(path_or_proto, x):
    data = path_or_proto.SerializeToString() if isinstance(path_or_proto, onnx.ModelProto) else str(path_or_proto)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    logit, proba = session.run(["logit", "probability"], {"features": np.asarray(x, np.float32)})
    return logit[:, 0], proba[:, 0], session


@pytest.fixture(scope="module")
def fitted():
    df, y = _frame(200, seed=9)
    clf = TwoClassClassifier(
        hidden_layer_sizes=(8, 4), epochs=8, learning_rate=0.05, calibration="platt", random_state=2
    ).fit(df, y)
    return clf, df


def test_classifier_probabilities_match(fitted, tmp_path):
    clf, df = fitted
    path = export_onnx(clf, tmp_path / "model.onnx", pipeline=False)
    x = clf.preprocessor_.transform(df)  # the Python half of the split
    logit, proba, session = _run(path, x)
    np.testing.assert_allclose(proba, clf.predict_proba(df)[:, 1], atol=1e-5)
    z = clf.decision_function(df) + np.log(clf.threshold_.value / (1 - clf.threshold_.value))
    np.testing.assert_allclose(logit, z, atol=1e-4)
    labels = clf.classes_[(proba >= clf.threshold_.value).astype(int)]
    assert (labels == clf.predict(df)).mean() > 0.99  # rows within 1e-5 of the threshold may differ


def test_metadata_carries_the_python_half(fitted, tmp_path):
    clf, df = fitted
    _, _, session = _run(export_onnx(clf, tmp_path / "m.onnx", pipeline=False), clf.preprocessor_.transform(df))
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["twoclass.classes"]) == clf.classes_.tolist()
    assert float(meta["twoclass.threshold"]) == clf.threshold_.value
    assert json.loads(meta["twoclass.input_columns"]) == ["age", "port", "fare"]
    rebuilt = Preprocessor.from_dict(json.loads(meta["twoclass.preprocessing"]))
    np.testing.assert_array_equal(rebuilt.transform(df), clf.preprocessor_.transform(df))


def test_export_from_model_directory(fitted, tmp_path):
    clf, df = fitted
    directory = clf.save(tmp_path / "dir")
    _, proba, _ = _run(
        export_onnx(directory, tmp_path / "from_dir.onnx", pipeline=False), clf.preprocessor_.transform(df)
    )
    np.testing.assert_allclose(proba, clf.predict_proba(df)[:, 1], atol=1e-5)


def test_bare_network_with_normalization_batchnorm_dropout():
    model = random_network(seed=11)
    x = np.random.default_rng(3).normal(size=(40, 4)).astype(np.float32)
    proto = to_onnx(model)
    assert proto.opset_import[0].version == 17
    _, proba, _ = _run(proto, x)
    np.testing.assert_allclose(proba, model.predict(x, verbose=0)[:, 0], atol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation(activation):
    rng = np.random.default_rng(5)
    model = twoclass.Sequential([Input(shape=(3,)), Dense(6, activation=activation), Dense(1, activation="sigmoid")])
    model.build()
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(size=(25, 3)).astype(np.float32)
    logit, proba, _ = _run(to_onnx(model), x)
    np.testing.assert_allclose(proba, model.predict(x, verbose=0)[:, 0], atol=1e-5)
    np.testing.assert_allclose(logit, model.predict_logits(x), atol=1e-4, rtol=1e-5)


def test_bad_argument(tmp_path):
    with pytest.raises(TypeError, match="must be a fitted TwoClassClassifier"):
        export_onnx([1, 2], tmp_path / "x.onnx")
