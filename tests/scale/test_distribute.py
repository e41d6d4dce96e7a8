"""Data-parallel fits (`fit(..., distribute="data")`, `with DataParallel()`) give one device's weights.

The 8-device checks run in a subprocess: JAX fixes its CPU device count when it starts
(`XLA_FLAGS=--xla_force_host_platform_device_count=8`). There the same model is trained twice from the same seed,
on one device (a plain fit) and over 8 devices, and everything a fit produces is compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from twoclass.distribute import DataParallel
from twoclass.layers import Dense
from twoclass.models import Sequential
from twoclass.optimizers import SGD, Adam
from twoclass.utils import set_random_seed

EIGHT_DEVICES = textwrap.dedent(
    r"""
    import json, sys
    import jax
    import numpy as np
    from twoclass.callbacks import Callback, EarlyStopping
    from twoclass.distribute import DataParallel
    from twoclass.engine.distribute import ShardedFunction
    from twoclass.layers import BatchNormalization, Dense, Dropout
    from twoclass.models import Sequential, load_model
    from twoclass.optimizers import SGD, Adam
    from twoclass.utils import set_random_seed

    assert jax.device_count() == 8, jax.devices()
    out_dir = sys.argv[1]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1004, 6)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1] + 0.5 * x[:, 2]) > 0).astype(np.float32)
    x_train, y_train, x_val, y_val = x[:803], y[:803], x[803:], y[803:]  # 803 and 201 rows: not multiples of 8
    val_weight = rng.uniform(0.5, 2.0, size=201).astype(np.float32)


    class Epochs(Callback):
        def on_train_begin(self, logs=None):
            self.seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append(epoch)


    def network(kind):
        set_random_seed(11)
        layers = [Dense(16, activation="tanh", input_shape=(6,))]
        if kind == "noise":
            layers += [BatchNormalization(), Dropout(0.2)]
        model = Sequential(layers + [Dense(1, activation="sigmoid")])
        optimizer = SGD(learning_rate=0.1, momentum=0.9) if kind == "sgd" else Adam(learning_rate=0.01)
        model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy", "auc"])
        return model


    def train(kind, distributed):
        model = network(kind)
        start = [w.copy() for w in model.get_weights()]
        epochs = Epochs()
        if kind == "sgd":  # validation_data with sample weights, class weights, a batch that 8 divides
            args = dict(batch_size=32, validation_data=(x_val, y_val, val_weight), class_weight={0: 1.0, 1: 2.0},
                        distribute="data" if distributed else None)
        elif kind == "adam":  # validation_split, balanced class weights, 30-row minibatches padded to 32 lanes
            args = dict(batch_size=30, validation_split=0.2, class_weight="balanced")
        else:  # batch statistics and dropout masks over padded lanes (60 rows in 64), early stopping
            args = dict(batch_size=60, validation_data=(x_val, y_val),
                        callbacks=[EarlyStopping(monitor="val_loss", patience=1, min_delta=0.02)])
        args["callbacks"] = args.get("callbacks", []) + [epochs]
        if distributed and kind != "sgd":
            with DataParallel():  # the scope form
                history = model.fit(x_train, y_train, epochs=6, verbose=0, **args)
        else:
            history = model.fit(x_train, y_train, epochs=6, verbose=0, **args)
        path = f"{out_dir}/{kind}-{int(distributed)}.keras"
        model.save(path)
        return {
            "start": [w.tolist() for w in start],
            "weights": [w.tolist() for w in model.get_weights()],
            "history": history.history,
            "epochs": epochs.seen,
            "predictions": model.predict(x_val, verbose=0).ravel().tolist(),
            "reloaded": load_model(path).predict(x_val, verbose=0).ravel().tolist(),
        }


    def estimator(distributed):
        from twoclass.sklearn import TwoClassClassifier

        # the plain recipe trains through model.fit, which the scope spreads (the tabular recipe's joint training
        # is spread by engine/ensemble_parallel.py: tests/scale/test_recipe_parallel.py)
        model = TwoClassClassifier(n_networks=1, epochs=8, random_state=0, recipe="plain")
        calls = []
        sharded_call = ShardedFunction.__call__
        ShardedFunction.__call__ = lambda self, *args: calls.append(1) or sharded_call(self, *args)
        try:
            if distributed:
                with DataParallel():
                    model.fit(x_train, y_train)
            else:
                model.fit(x_train, y_train)
        finally:
            ShardedFunction.__call__ = sharded_call
        return {"sharded_calls": len(calls), "proba": model.predict_proba(x_val)[:, 1].tolist()}


    results = {kind: [train(kind, False), train(kind, True)] for kind in ("sgd", "adam", "noise")}
    results["estimator"] = [estimator(False), estimator(True)]
    json.dump(results, open(f"{out_dir}/results.json", "w"))
    """
)


@pytest.fixture(scope="module")
def eight_devices(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("distribute")
    dump = out / "hlo"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    # every compiled program is dumped as text: the training program's collectives are read from there
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count=8 --xla_dump_to={dump}"
        " --xla_dump_hlo_as_text --xla_dump_hlo_module_re=.*run.*"
    )
    done = subprocess.run(
        [sys.executable, "-c", EIGHT_DEVICES, str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads((out / "results.json").read_text()), dump


@pytest.mark.parametrize("kind", ["sgd", "adam", "noise"])
def test_eight_devices_give_one_devices_weights(eight_devices, kind):
    one, eight = eight_devices[0][kind]
    moved = max(np.abs(np.subtract(w, s)).max() for w, s in zip(one["weights"], one["start"]))
    assert moved > 0.1, "training must move the weights, or equal weights would prove nothing"
    for w_one, w_eight in zip(one["weights"], eight["weights"]):
        np.testing.assert_allclose(w_eight, w_one, rtol=1e-5, atol=1e-5)
    assert eight["epochs"] == one["epochs"]
    assert eight["history"].keys() == one["history"].keys()
    for key, values in one["history"].items():
        np.testing.assert_allclose(eight["history"][key], values, rtol=1e-4, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(eight["predictions"], one["predictions"], rtol=1e-5, atol=1e-6)
    assert eight["reloaded"] == eight["predictions"]  # saved and loaded as after any fit


def test_the_estimator_trains_data_parallel_in_the_scope(eight_devices):
    one, eight = eight_devices[0]["estimator"]
    assert (one["sharded_calls"], eight["sharded_calls"] > 0) == (0, True)
    assert np.ptp(one["proba"]) > 0.5  # a trained classifier, not a constant
    np.testing.assert_allclose(eight["proba"], one["proba"], rtol=1e-4, atol=1e-5)


def test_early_stopping_ran_the_same_epochs(eight_devices):
    one, eight = eight_devices[0]["noise"]
    assert len(one["epochs"]) < 6, "the case must stop early to test that callbacks see the same figures"
    assert eight["epochs"] == one["epochs"]


def test_no_device_receives_the_whole_table(eight_devices):
    """The epoch's shuffle passes shards round a ring (collective-permute); XLA's all-gather of the table (what a
    plain `table[order]` compiles to) would put every row on every device."""
    texts = [path.read_text() for path in eight_devices[1].glob("*after_optimizations.txt")]
    sharded = [text for text in texts if "collective-permute" in text]
    assert sharded, f"no data-parallel training program among {len(texts)} dumped programs"
    assert all("all-reduce" in text for text in sharded)  # gradients and sums are added across devices
    assert not any("all-gather" in text for text in sharded)


def _ring_model(seed: int, optimizer=None) -> Sequential:
    set_random_seed(seed)
    model = Sequential([Dense(4, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")])
    optimizer = optimizer or SGD(learning_rate=0.5)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_one_device_mesh_matches_the_plain_fit(rings):
    x, y = rings
    plain, spread = _ring_model(3), _ring_model(3)
    plain.fit(x, y, epochs=3, batch_size=24, verbose=0)
    spread.fit(x, y, epochs=3, batch_size=24, verbose=0, distribute=DataParallel())
    for a, b in zip(plain.get_weights(), spread.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert not any(np.allclose(a, b) for a, b in zip(plain.get_weights(), _ring_model(3).get_weights()))


def test_a_fit_continues_where_the_other_kind_stopped(rings):
    """Training state moves between a plain and a data-parallel fit (host arrays in, host arrays out)."""
    x, y = rings
    mixed, plain = _ring_model(5, Adam(learning_rate=0.05)), _ring_model(5, Adam(learning_rate=0.05))
    mixed.fit(x, y, epochs=2, verbose=0)
    mixed.fit(x, y, epochs=4, initial_epoch=2, verbose=0, distribute="data")
    mixed.fit(x, y, epochs=5, initial_epoch=4, verbose=0)
    plain.fit(x, y, epochs=5, verbose=0)
    for a, b in zip(plain.get_weights(), mixed.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("value", ["model", "DATA", 8, True])
def test_distribute_must_be_data_or_a_scope(rings, value):
    with pytest.raises(ValueError, match=r"The 'distribute' parameter of fit must be None, 'data' or a twoclass"):
        _ring_model(0).fit(*rings, epochs=1, verbose=0, distribute=value)


@pytest.mark.parametrize("devices", [[], ["cpu:0"]])
def test_data_parallel_devices_are_checked(devices):
    with pytest.raises(ValueError, match=r"The 'devices' parameter of DataParallel must be None or a non-empty"):
        DataParallel(devices=devices)


def test_scope_ends_with_its_block(rings):
    from twoclass.engine.distribute import resolve

    with DataParallel() as scope:
        assert resolve(None) is scope
    assert resolve(None) is None
