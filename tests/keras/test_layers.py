"""Layers against the real Keras: Normalization, BatchNormalization (with a partial last batch), GaussianNoise."""

import subprocess
import sys

import numpy as np
import pytest

import twoclass
from support import ring_data


def build(k, x):
    normalization = k.layers.Normalization()
    normalization.adapt(x)
    return k.Sequential(
        [
            k.Input(shape=(x.shape[1],)),
            normalization,
            k.layers.Dense(6, activation="relu"),
            k.layers.BatchNormalization(),
            k.layers.Activation("tanh"),
            k.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_normalization_and_batch_norm_train_as_in_keras(keras):
    x, y = ring_data(250)  # 250 = 7 batches of 32 + a partial batch of 26
    x = x * np.array([1.0, 300.0], np.float32) + np.array([5.0, -40.0], np.float32)
    keras.utils.set_random_seed(0)
    reference, ours = build(keras, x), build(twoclass, x)
    for model, optimizer in ((reference, keras.optimizers.Adam(0.01)), (ours, twoclass.optimizers.Adam(0.01))):
        model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    ours.set_weights(reference.get_weights())
    expected = reference.fit(x, y, epochs=3, shuffle=False, verbose=0, validation_split=0.2).history
    got = ours.fit(x, y, epochs=3, shuffle=False, verbose=0, validation_split=0.2).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-4, err_msg=key)
    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert ours.count_params() == reference.count_params()


def test_normalization_needs_adapt_before_fit():
    model = twoclass.Sequential(
        [twoclass.Input(shape=(2,)), twoclass.Normalization(), twoclass.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"Normalization layer .* has no mean and variance yet.*adapt"):
        model.fit(*ring_data(20), epochs=1, verbose=0)


def test_dropout_and_noise_act_only_in_training():
    x, y = ring_data(100)
    model = twoclass.Sequential(
        [
            twoclass.Input(shape=(2,)),
            twoclass.layers.GaussianNoise(5.0),
            twoclass.Dense(8, activation="relu"),
            twoclass.Dropout(0.9),
            twoclass.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_model_is_the_same_chain_as_sequential(keras):
    inputs = twoclass.Input(shape=(2,))
    hidden = twoclass.Dense(4, activation="tanh")(inputs)
    model = twoclass.Model(inputs, twoclass.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(*ring_data(100), epochs=2, verbose=0)
    assert list(history.history) == ["accuracy", "loss"]
    assert model.count_params() == 17


def test_importing_twoclass_loads_neither_jax_nor_sklearn():
    code = "import sys, twoclass; print('jax' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_compilation_cache_is_on_by_default_and_can_be_turned_off(tmp_path):
    code = "import jax, twoclass.engine.programs as e; print(e.CACHE_DIR); print(jax.config.jax_compilation_cache_dir)"
    env = {"PATH": "", "HOME": str(tmp_path)}
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert on.split() == [str(tmp_path / ".cache/twoclass/jax")] * 2
    off = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**env, "TWOCLASS_NO_CACHE": "1"}
    ).stdout
    assert off.split()[0] == "None"


@pytest.mark.parametrize("n_inputs", [1, 2, 3])
def test_dense_computes_x_kernel_plus_bias_for_any_number_of_inputs(n_inputs):
    # one and two inputs take the fused path of _forward._matmul, three the dot: both must be x @ kernel + bias
    import jax.numpy as jnp

    from twoclass.engine.forward import Context, apply_model

    rng = np.random.default_rng(n_inputs)
    x = rng.normal(size=(5, n_inputs)).astype(np.float32)
    kernel = rng.normal(size=(n_inputs, 3)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)
    structure = twoclass.layers.Dense(3, activation="tanh").structure()
    out, _ = apply_model(
        (structure,),
        [{"kernel": jnp.asarray(kernel), "bias": jnp.asarray(bias)}],
        [{}],
        [{}],
        jnp.asarray(x),
        Context(False, None, None),
        split_sigmoid=False,
    )
    np.testing.assert_allclose(np.asarray(out), np.tanh(x.astype(np.float64) @ kernel + bias), rtol=1e-5, atol=1e-6)
