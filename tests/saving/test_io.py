"""Model directories: round trips, atomic saving, and clear errors for damaged folders."""

import json
import os

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import twoclass
from support import mixed_frame as _frame
from support import random_network
from twoclass import TwoClassClassifier
from twoclass import io as tio
from twoclass.saving import model_dir as fmt


@pytest.fixture(scope="module")
def fitted():
    df, y = _frame()
    clf = TwoClassClassifier(
        recipe="plain",  # the Keras-style networks one by one: this file tests files, the recipes are tested elsewhere
        hidden_layer_sizes=(8,),
        epochs=8,
        learning_rate=0.05,
        calibration="platt",
        class_weight={"yes": 2.0},
        random_state=3,
    ).fit(df, y)
    return clf, df


def test_classifier_round_trip_keeps_everything(fitted, tmp_path):
    clf, df = fitted
    path = tio.save_model_dir(clf, tmp_path / "model")
    assert sorted(os.listdir(path)) == ["twoclass.json", "weights.safetensors"]
    loaded = tio.load(path)
    assert isinstance(loaded, TwoClassClassifier)
    np.testing.assert_array_equal(loaded.predict_proba(df), clf.predict_proba(df))
    np.testing.assert_array_equal(loaded.predict(df), clf.predict(df))
    assert loaded.get_params() == clf.get_params()
    assert loaded.threshold_ == clf.threshold_ and loaded.calibrator_ == clf.calibrator_
    assert loaded.classes_.tolist() == ["no", "yes"] and loaded.label_encoding_ == clf.label_encoding_
    assert loaded.history_ == clf.history_ and loaded.best_epoch_ == clf.best_epoch_
    assert loaded.n_networks_ == clf.n_networks_ == 5  # small data: "auto" averages five networks
    assert loaded.feature_names_in_.tolist() == ["age", "port", "fare"] and loaded.seed_ == 3
    again = TwoClassClassifier.load(path)
    np.testing.assert_array_equal(again.predict_proba(df), clf.predict_proba(df))


def test_saving_the_same_model_again_writes_the_same_bytes(fitted, tmp_path):
    """Same model, same files: nothing in them varies from save to save (a file digest can be compared). Eight
    saves, as an order that varied at random would show in at least one of them (all but 1 time in 128)."""
    clf, _ = fitted
    paths = [clf.save(tmp_path / f"m{k}") for k in range(8)]
    for name in ("weights.safetensors", "twoclass.json"):
        contents = {(tmp_path / f"m{k}" / name).read_bytes() for k in range(len(paths))}
        assert len(contents) == 1, f"{name} differs from save to save"


def test_json_record_is_strict_json_with_the_documented_parts(fitted, tmp_path):
    clf, _ = fitted
    path = clf.save(tmp_path / "m")

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    with open(os.path.join(path, "twoclass.json")) as handle:
        meta = json.load(handle, parse_constant=no_constants)
    assert meta["format"] == "twoclass-model" and meta["format_version"] == 1 and meta["kind"] == "classifier"
    for key in (
        "architecture",
        "preprocessing",
        "labels",
        "threshold",
        "calibration",
        "history",
        "seed",
        "versions",
        "validation_figures",
    ):
        assert key in meta
    assert meta["labels"] == {"negative": "no", "positive": "yes"}
    assert meta["architecture"]["class_name"] == "Sequential"
    assert {"twoclass", "numpy", "jax", "scikit-learn"} <= set(meta["versions"])
    tensors = load_file(os.path.join(path, "weights.safetensors"))
    assert {w["name"] for w in meta["weights"]} == set(tensors)
    np.testing.assert_array_equal(tensors["layers.0.kernel"], clf.model_.get_weights()[0])


def test_bare_network_round_trip_and_load_model(tmp_path):
    model = random_network()
    x = np.random.default_rng(1).normal(size=(7, 4)).astype(np.float32)
    path = tio.save_model_dir(model, tmp_path / "net")
    for loaded in (tio.load_model_dir(path), tio.load(path), twoclass.models.load_model(str(path))):
        assert isinstance(loaded, twoclass.Sequential)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        for a, b in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
    restored = tio.load(path)
    assert type(restored.optimizer).__name__ == "Adam"
    assert restored.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)


def test_estimator_directory_gives_its_network_to_load_model(fitted, tmp_path):
    clf, df = fitted
    path = clf.save(tmp_path / "m")
    network = twoclass.models.load_model(str(path))
    x = clf.preprocessor_.transform(df)
    np.testing.assert_array_equal(network.predict(x, verbose=0), clf.model_.predict(x, verbose=0))


# ---------------------------------------------------------------------------------------------------- atomicity


def test_crash_while_writing_leaves_old_model(fitted, tmp_path, monkeypatch):
    clf, df = fitted
    path = clf.save(tmp_path / "m")
    before = tio.load(path).predict_proba(df)
    other = random_network()

    def crash(directory, meta, weights):
        with open(os.path.join(directory, "weights.safetensors"), "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(fmt, "_write_files", crash)
    with pytest.raises(OSError, match="disk full"):
        tio.save_model_dir(other, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(tio.load(path).predict_proba(df), before)
    assert os.listdir(tmp_path) == ["m"]  # no temporary folder left behind


def test_crash_while_swapping_leaves_old_model(fitted, tmp_path, monkeypatch):
    clf, df = fitted
    path = clf.save(tmp_path / "m")
    before = tio.load(path).predict_proba(df)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the old folder is already moved aside; moving the new one in fails
            raise OSError("power cut")
        return real_rename(src, dst)

    monkeypatch.setattr(fmt.os, "rename", rename)
    with pytest.raises(OSError, match="power cut"):
        tio.save_model_dir(random_network(), path)
    monkeypatch.undo()
    np.testing.assert_array_equal(tio.load(path).predict_proba(df), before)
    assert os.listdir(tmp_path) == ["m"]


def test_overwrite_replaces_model_but_never_a_foreign_folder(fitted, tmp_path):
    clf, df = fitted
    path = clf.save(tmp_path / "m")
    tio.save_model_dir(random_network(), path)
    assert isinstance(tio.load(path), twoclass.Sequential)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"meow")
    with pytest.raises(ValueError, match="Refusing to save the model to .* non-empty directory"):
        clf.save(foreign)
    assert (foreign / "cat.jpg").read_bytes() == b"meow"
    empty = tmp_path / "empty"
    empty.mkdir()
    clf.save(empty)
    assert tio.load(empty).predict(df).tolist() == clf.predict(df).tolist()


# ---------------------------------------------------------------------------------------------------- damage


@pytest.fixture
def saved(fitted, tmp_path):
    return fitted[0].save(tmp_path / "m")


def _edit_json(path, change):
    file = os.path.join(path, "twoclass.json")
    with open(file) as handle:
        meta = json.load(handle)
    change(meta)
    with open(file, "w") as handle:
        json.dump(meta, handle)


def test_missing_files(saved):
    os.remove(os.path.join(saved, "weights.safetensors"))
    with pytest.raises(ValueError, match="not a usable twoclass model directory: weights.safetensors is missing"):
        tio.load(saved)
    os.remove(os.path.join(saved, "twoclass.json"))
    with pytest.raises(ValueError, match="twoclass.json is missing"):
        tio.load(saved)


def test_bad_json(saved):
    with open(os.path.join(saved, "twoclass.json"), "w") as handle:
        handle.write('{"format": "twoclass-model", ')
    with pytest.raises(ValueError, match="twoclass.json is not valid JSON"):
        tio.load(saved)


def test_unknown_format_version(saved):
    _edit_json(saved, lambda m: m.update(format_version=99))
    with pytest.raises(ValueError, match="format version is 99 and this twoclass reads version 1"):
        tio.load(saved)


def test_not_a_twoclass_file(saved):
    _edit_json(saved, lambda m: m.update(format="something-else"))
    with pytest.raises(ValueError, match="does not describe a twoclass model"):
        tio.load(saved)


def test_wrong_weight_shape(saved):
    file = os.path.join(saved, "weights.safetensors")
    tensors = load_file(file)
    tensors["layers.0.kernel"] = tensors["layers.0.kernel"][:, :3].copy()
    save_file(tensors, file)
    with pytest.raises(
        ValueError,
        match=r"weight 'layers.0.kernel' has shape \(\d+, 3\) but the architecture "
        r"needs \(\d+, 40\)",
    ):  # 8 units x 5 averaged networks
        tio.load(saved)


def test_missing_weight_and_corrupt_weights_file(saved):
    file = os.path.join(saved, "weights.safetensors")
    tensors = load_file(file)
    del tensors["layers.1.bias"]
    save_file(tensors, file)
    with pytest.raises(ValueError, match="does not match the architecture \\(missing layers.1.bias\\)"):
        tio.load(saved)
    with open(file, "wb") as handle:
        handle.write(b"\x00" * 5)
    with pytest.raises(ValueError, match="weights.safetensors cannot be read"):
        tio.load(saved)


def test_inconsistent_preprocessing(saved):
    _edit_json(saved, lambda m: m["preprocessing"]["numeric"]["columns"].pop())
    with pytest.raises(ValueError, match="not a usable twoclass model directory"):
        tio.load(saved)


def test_paths_that_are_not_model_directories(tmp_path):
    with pytest.raises(FileNotFoundError, match="Model directory not found"):
        tio.load(tmp_path / "nothing")
    (tmp_path / "file.txt").write_text("hi")
    with pytest.raises(ValueError, match="it is a file, not a directory"):
        tio.load(tmp_path / "file.txt")
    with pytest.raises(TypeError, match="must be a fitted TwoClassClassifier"):
        tio.save_model_dir(object(), tmp_path / "x")
