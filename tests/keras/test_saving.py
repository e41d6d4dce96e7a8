"""Saving and loading against the real Keras 3: files cross both ways and predict the same numbers."""

import json
import os
import zipfile

import numpy as np
import pytest

import twoclass
from support import ring_data
from twoclass import layers as L
from twoclass.keras import weights_h5 as _keras_weights

TOL = 1e-5


def _scaled_data(n=240, seed=1):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(n, 4)) * [1.0, 10.0, 100.0, 0.1] + [0.0, 5.0, -50.0, 1.0]).astype(np.float32)
    y = (x[:, 0] + x[:, 1] / 10 - x[:, 3] * 5 > -4.5).astype(np.float32)
    return x, y


def _slides_model():
    x, y = ring_data(200, seed=3)
    model = twoclass.Sequential([L.Dense(4, activation="tanh", input_shape=(2,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=twoclass.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    return model, x


def _bigger_model():
    x, y = _scaled_data()
    norm = L.Normalization()
    norm.adapt(x)
    model = twoclass.Sequential(
        [
            L.Input(shape=(4,)),
            norm,
            L.Dense(8, activation="relu"),
            L.BatchNormalization(),
            L.Dropout(0.2),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=twoclass.optimizers.Adam(0.01),
        loss="binary_crossentropy",
        metrics=["accuracy", twoclass.metrics.AUC()],
    )
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    return model, x


def _keras_trained(keras, functional=False):
    x, y = _scaled_data(seed=2)
    keras.utils.set_random_seed(0)
    norm = keras.layers.Normalization()
    norm.adapt(x)
    stack = [
        norm,
        keras.layers.Dense(6, activation="tanh"),
        keras.layers.BatchNormalization(),
        keras.layers.GaussianNoise(0.1),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(3),
        keras.layers.Activation("relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
    if functional:
        inputs = keras.Input(shape=(4,), name="features")
        out = inputs
        for layer in stack:
            out = layer(out)
        model = keras.Model(inputs, out)
    else:
        model = keras.Sequential([keras.Input(shape=(4,)), *stack])
    model.compile(
        optimizer=keras.optimizers.RMSprop(0.005),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    return model, x, y


# --------------------------------------------------------------------------------------------------------------------
# 1. twoclass -> Keras


@pytest.mark.parametrize("build", [_slides_model, _bigger_model])
def test_keras_loads_twoclass_file(keras, tmp_path, build):
    model, x = build()
    path = tmp_path / "m.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)
    assert type(restored.optimizer).__name__ == type(model.optimizer).__name__
    assert float(restored.optimizer.learning_rate) == pytest.approx(model.optimizer.learning_rate, rel=1e-6)
    assert restored.loss.get_config()["name"] == "binary_crossentropy"
    assert restored.count_params() == model.count_params()
    # twoclass also reads its own file back, compile settings included
    again = twoclass.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)
    assert again.metrics_names == model.metrics_names


@pytest.mark.parametrize(
    "optimizer",
    [
        {"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.9}},
        {"class_name": "RMSprop", "config": {"learning_rate": 0.01, "centered": True}},
        {"class_name": "Adam", "config": {"learning_rate": 0.01}},
    ],
)
def test_optimizer_state_crosses_to_keras(keras, tmp_path, optimizer):
    import warnings

    x, y = ring_data(160, seed=7)
    model = twoclass.Sequential([L.Dense(3, activation="tanh", input_shape=(2,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=twoclass.optimizers.get(optimizer), loss="binary_crossentropy")
    model.fit(x, y, epochs=4, batch_size=160, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = keras.models.load_model(tmp_path / "m.keras")
    assert not [w for w in caught if "optimizer" in str(w.message)]
    assert int(restored.optimizer.iterations) == 4
    # the next full-batch step is the same only if momentum / moving averages came across
    model.fit(x, y, epochs=1, batch_size=160, shuffle=False, verbose=0)
    restored.fit(x, y, epochs=1, batch_size=160, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=TOL)


def test_archive_layout_matches_keras(keras, tmp_path):
    model, _ = _bigger_model()
    ours = tmp_path / "ours.keras"
    model.save(ours)
    theirs = tmp_path / "theirs.keras"
    keras.models.load_model(ours).save(theirs)
    import h5py

    def datasets(path):
        with zipfile.ZipFile(path) as archive:
            assert set(archive.namelist()) == {"metadata.json", "config.json", "model.weights.h5"}
            metadata = json.loads(archive.read("metadata.json"))
            assert {"keras_version", "date_saved"} <= set(metadata)
            with h5py.File(archive.open("model.weights.h5"), "r") as f:
                found = {}
                f.visititems(lambda name, obj: found.update({name: obj.shape}) if hasattr(obj, "shape") else None)
        return {k: v for k, v in found.items() if k.startswith("layers/")}

    assert datasets(ours) == datasets(theirs)


def test_json_has_keras_shape_and_keras_reads_it(keras):
    model, _ = _bigger_model()
    ours = json.loads(model.to_json())
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.compile(optimizer="adam", loss="binary_crossentropy")
    theirs = json.loads(rebuilt.to_json())
    assert ours["class_name"] == "Sequential" and ours["module"] == "keras"
    assert [e["class_name"] for e in ours["config"]["layers"]] == [e["class_name"] for e in theirs["config"]["layers"]]
    for mine, real in zip(ours["config"]["layers"], theirs["config"]["layers"]):
        assert set(mine["config"]) == set(real["config"]), mine["class_name"]
        assert mine.get("build_config") == real.get("build_config") or mine["class_name"] == "Normalization"
    assert ours["build_config"] == theirs["build_config"] == {"input_shape": [None, 4]}
    assert set(ours["compile_config"]) == set(theirs["compile_config"])
    assert model.get_config()["layers"][1]["config"]["name"] == model.layers[0].name


def test_functional_model_crosses_as_functional(keras, tmp_path):
    x, y = ring_data(120, seed=5)
    inputs = L.Input(shape=(2,), name="features")
    outputs = L.Dense(1, activation="sigmoid")(L.Dropout(0.1)(L.Dense(5, activation="tanh")(inputs)))
    model = twoclass.models.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "f.keras")
    restored = keras.models.load_model(tmp_path / "f.keras")
    assert type(restored).__name__ == "Functional"
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)
    back = twoclass.models.load_model(tmp_path / "f.keras")
    assert isinstance(back, twoclass.models.Model)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)


# --------------------------------------------------------------------------------------------------------------------
# 2. Keras -> twoclass


@pytest.mark.parametrize("functional", [False, True])
def test_twoclass_loads_keras_file_and_keeps_training(keras, tmp_path, functional):
    kmodel, x, y = _keras_trained(keras, functional)
    path = tmp_path / "k.keras"
    kmodel.save(path)
    model = twoclass.models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0), atol=TOL)
    keras_layers = [type(layer).__name__ for layer in kmodel.layers if type(layer).__name__ != "InputLayer"]
    assert [type(layer).__name__ for layer in model.layers] == keras_layers
    assert isinstance(model.optimizer, twoclass.optimizers.RMSprop)
    assert model.optimizer.learning_rate == pytest.approx(0.005, rel=1e-6)
    assert model.optimizer.iterations == int(kmodel.optimizer.iterations)
    assert model.metrics_names == ["loss", "accuracy", "auc"]
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.count_params() == kmodel.count_params()


def test_load_without_compile(keras, tmp_path):
    kmodel, x, _ = _keras_trained(keras)
    kmodel.save(tmp_path / "k.keras")
    model = twoclass.models.load_model(tmp_path / "k.keras", compile=False)
    assert model.optimizer is None
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0), atol=TOL)


# --------------------------------------------------------------------------------------------------------------------
# 3. Weights files and JSON


def test_weights_files_cross_both_ways(keras, tmp_path):
    model, x = _bigger_model()
    model.save_weights(tmp_path / "ours.weights.h5")
    kmodel = keras.models.model_from_json(model.to_json())
    kmodel.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(kmodel.predict(x, verbose=0), model.predict(x, verbose=0), atol=TOL)

    kmodel2, x2, _ = _keras_trained(keras)
    kmodel2.save_weights(tmp_path / "theirs.weights.h5")
    fresh = twoclass.models.model_from_json(kmodel2.to_json())
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(fresh.predict(x2, verbose=0), kmodel2.predict(x2, verbose=0), atol=TOL)


def test_weights_roundtrip_in_twoclass(tmp_path):
    model, x = _slides_model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = twoclass.Sequential([L.Dense(4, activation="tanh", input_shape=(2,)), L.Dense(1, activation="sigmoid")])
    before = other.predict(x, verbose=0)
    other.load_weights(tmp_path / "w.weights.h5")
    after = other.predict(x, verbose=0)
    assert not np.allclose(before, after)
    np.testing.assert_array_equal(after, model.predict(x, verbose=0))
    for saved, loaded in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(saved, loaded)


def test_weights_shape_mismatch_names_the_layer(tmp_path):
    model, _ = _slides_model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = twoclass.Sequential(
        [L.Dense(5, activation="tanh", input_shape=(2,), name="wide"), L.Dense(1, activation="sigmoid")]
    )
    with pytest.raises(ValueError, match="Layer 'wide' \\(Dense\\).*\\(2, 5\\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    shorter = twoclass.Sequential([L.Dense(1, activation="sigmoid", input_shape=(2,))])
    with pytest.raises(ValueError, match="shapes"):
        shorter.load_weights(tmp_path / "w.weights.h5")


def test_json_roundtrip_same_architecture(keras, capsys):
    model, _ = _bigger_model()
    text = model.to_json()
    clone = twoclass.models.model_from_json(text)
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert [a.get_config() for a in clone.layers] == [b.get_config() for b in model.layers]
    assert json.loads(clone.to_json())["config"]["layers"] == json.loads(text)["config"]["layers"]
    kclone = keras.models.model_from_json(text)
    assert kclone.count_params() == model.count_params()
    slides, _ = _slides_model()
    slides_clone = twoclass.models.model_from_json(slides.to_json(indent=2))
    assert slides_clone.count_params() == slides.count_params() == 17  # 2*4 + 4 + 4*1 + 1
    slides_clone.summary()
    slides.summary()
    first, second = capsys.readouterr().out.split('Model: "')[1:]
    assert first.splitlines()[1:] == second.splitlines()[1:]  # same rows and counts, names aside


def test_json_from_keras_accepts_extra_keys(keras):
    kmodel, _, _ = _keras_trained(keras)
    model = twoclass.models.model_from_json(kmodel.to_json())
    assert model.layers[1].units == 6 and model.layers[1].activation == "tanh"
    assert model.layers[2].epsilon == pytest.approx(1e-3)
    assert model._input_dim == 4


# --------------------------------------------------------------------------------------------------------------------
# 4. Errors


def test_wrong_suffix(tmp_path):
    model, _ = _slides_model()
    with pytest.raises(ValueError, match="must end in '.keras'.*save_weights"):
        model.save(tmp_path / "m.txt")  # (.h5 saves Keras's legacy HDF5 model file, as Keras 3 does)
    with pytest.raises(ValueError, match="must end in '.weights.h5'"):
        model.save_weights(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


def test_overwrite_false(tmp_path):
    model, _ = _slides_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(ValueError, match="overwrite=False"):
        model.save(path, overwrite=False)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    model.save(path, overwrite=True)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not a zip archive"),
        (b"this is not a model at all", "not a zip archive"),
        ("truncated", "damaged|not a zip archive|no readable HDF5"),
        ("no_config", "no config.json"),
        ("bad_weights", "no readable HDF5"),
    ],
)
def test_damaged_files(tmp_path, content, reason):
    model, _ = _slides_model()
    good = tmp_path / "good.keras"
    model.save(good)
    path = tmp_path / "bad.keras"
    if content == "truncated":
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content == "no_config":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("metadata.json", "{}")
    elif content == "bad_weights":
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", src.read("config.json"))
            archive.writestr("model.weights.h5", b"garbage")
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=reason):
        twoclass.models.load_model(path)


def test_missing_file_and_plain_folder(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        twoclass.models.load_model(tmp_path / "nope.keras")
    with pytest.raises(ValueError, match="twoclass.json"):
        twoclass.models.load_model(tmp_path)


def test_model_never_built(tmp_path):
    model = twoclass.Sequential([L.Dense(4), L.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match="never been built"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="never been built"):
        model.save_weights(tmp_path / "m.weights.h5")
    assert os.listdir(tmp_path) == []
    assert json.loads(model.to_json())["class_name"] == "Sequential"  # the architecture alone needs no weights


def test_unsupported_keras_layer(keras, tmp_path):
    kmodel = keras.Sequential(
        [
            keras.Input(shape=(8, 1)),
            keras.layers.Conv1D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    kmodel.save(tmp_path / "conv.keras")
    with pytest.raises(ValueError, match="Conv1D.*Supported layers: .*Dense"):
        twoclass.models.load_model(tmp_path / "conv.keras")
    with pytest.raises(ValueError, match="Conv1D"):
        twoclass.models.model_from_json(kmodel.to_json())


def test_branching_functional_model_is_refused(keras, tmp_path):
    inputs = keras.Input(shape=(3,))
    a = keras.layers.Dense(2)(inputs)
    b = keras.layers.Dense(2)(inputs)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([a, b]))
    keras.Model(inputs, out).save(tmp_path / "branch.keras")
    with pytest.raises(ValueError, match="Concatenate"):
        twoclass.models.load_model(tmp_path / "branch.keras")


def test_legacy_h5_model_file(tmp_path):
    model, _ = _slides_model()
    model.save_weights(tmp_path / "w.weights.h5")
    os.rename(tmp_path / "w.weights.h5", tmp_path / "w.keras")
    with pytest.raises(ValueError, match="HDF5"):
        twoclass.models.load_model(tmp_path / "w.keras")


# --------------------------------------------------------------------------------------------------------------------
# 5. Atomic writes


@pytest.mark.parametrize("method, name", [("save", "m.keras"), ("save_weights", "m.weights.h5")])
def test_failed_write_leaves_existing_file(tmp_path, monkeypatch, method, name):
    model, x = _slides_model()
    path = tmp_path / name
    getattr(model, method)(path)
    before = path.read_bytes()

    def broken(model, h5file):
        h5file.create_group("layers/dense/vars").create_dataset("0", data=np.zeros(3))
        raise OSError("disk full")

    monkeypatch.setattr(_keras_weights, "write_weights", broken)
    with pytest.raises(OSError, match="disk full"):
        getattr(model, method)(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [name]
