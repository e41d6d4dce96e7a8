"""The compiled engine: gradients, padding, compilation reuse, determinism, divergence."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from support import ring_data
from twoclass.engine import programs as engine
from twoclass.engine.forward import Context, apply_model
from twoclass.engine.losses import PER_ROW
from twoclass.layers import Dense, Dropout
from twoclass.models import Sequential
from twoclass.optimizers import SGD, Adam
from twoclass.utils import set_random_seed


def slides_model(lr=0.5):
    model = Sequential([Dense(4, input_shape=(2,), activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=SGD(learning_rate=lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_bce_from_logits_matches_hand_values_and_never_overflows():
    bce = PER_ROW["bce"]
    y = jnp.array([1.0, 0.0, 0.0, 1.0])
    z = jnp.array([0.0, 0.0, 100.0, -100.0])
    loss = np.asarray(bce(("bce", False), {"label_smoothing": 0.0}, y, z, True))
    np.testing.assert_allclose(loss, [np.log(2), np.log(2), 100.0, 100.0], rtol=1e-6)


def test_gradient_matches_finite_differences():
    x, y = ring_data(64)
    model = slides_model()
    model.build()
    structures = model.layer_structures()
    hyper = [{k: np.float32(v) for k, v in layer.hyper().items()} for layer in model.layers]

    def loss(params):
        z, _ = apply_model(
            structures, params, model._states, hyper, jnp.asarray(x), Context(False, None, None), split_sigmoid=True
        )
        return PER_ROW["bce"](("bce", False), {"label_smoothing": 0.0}, jnp.asarray(y), z[:, 0], True).mean()

    params = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), model._params)
    analytic = jax.grad(loss)(jax.tree_util.tree_map(jnp.asarray, model._params))
    kernel = params[0]["kernel"]
    for i, j in [(0, 0), (1, 2), (0, 3)]:
        step = 1e-2
        plus = [dict(p) for p in params]
        minus = [dict(p) for p in params]
        plus[0] = {**params[0], "kernel": kernel.copy()}
        minus[0] = {**params[0], "kernel": kernel.copy()}
        plus[0]["kernel"][i, j] += step
        minus[0]["kernel"][i, j] -= step

        def to32(tree):
            return jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), tree)

        numeric = (float(loss(to32(plus))) - float(loss(to32(minus)))) / (2 * step)
        assert abs(numeric - float(analytic[0]["kernel"][i, j])) < 2e-3


def test_bucket_sizes_waste_at_most_an_eighth():
    for n in range(1, 5000):
        b = engine.bucket(n)
        assert b >= n and b <= max(n * 1.125, 16)
    assert engine.bucket(1000) == engine.bucket(990)


def test_second_fit_and_new_model_of_same_structure_compile_nothing():
    x, y = ring_data(400)
    slides_model().fit(x, y, epochs=2, verbose=0)
    before = engine.trace_count("train")
    slides_model().fit(x, y, epochs=3, verbose=0)  # new object, same architecture
    slides_model(lr=0.1).fit(x, y, epochs=2, verbose=0)  # another learning rate: an input, not a constant
    slides_model().fit(x[:390], y[:390], epochs=2, verbose=0)  # a few rows fewer: same size bucket
    assert engine.trace_count("train") == before


def test_a_different_structure_compiles_once_more():
    x, y = ring_data(400)
    model = Sequential([Dense(5, input_shape=(2,), activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    before = engine.trace_count("train")
    model.fit(x, y, epochs=1, verbose=0)
    assert engine.trace_count("train") == before + 1


def test_same_seed_same_data_gives_bit_identical_weights():
    x, y = ring_data(300)
    results = []
    for _ in range(2):
        set_random_seed(7)
        model = Sequential(
            [Dense(8, input_shape=(2,), activation="relu"), Dropout(0.2), Dense(1, activation="sigmoid")]
        )
        model.compile(optimizer=Adam(0.01), loss="binary_crossentropy")
        model.fit(x, y, epochs=5, batch_size=16, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_epochs_per_call_do_not_change_the_result():
    """Running 6 epochs as one call or as six calls (a per-epoch callback forces that) gives the same weights."""
    from twoclass.callbacks import LambdaCallback

    x, y = ring_data(200)
    weights = []
    for callbacks in ([], [LambdaCallback(on_epoch_end=lambda epoch, logs: None)]):
        set_random_seed(3)
        model = slides_model()
        model.fit(x, y, epochs=6, verbose=0, callbacks=callbacks)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_last_partial_batch_is_trained_on():
    """With 33 rows and batch 32, the 33rd row must move the weights (it is masked in, not dropped)."""
    x, y = ring_data(34)
    outcomes = []
    for last_label in (0.0, 1.0):
        y_mod = y[:33].copy()
        y_mod[32] = last_label
        set_random_seed(0)
        model = slides_model()
        model.fit(x[:33], y_mod, epochs=1, batch_size=32, shuffle=False, verbose=0)
        outcomes.append(model.get_weights()[0])
    assert not np.allclose(outcomes[0], outcomes[1])


def test_divergence_stops_with_epoch_and_advice_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32) * 1e3
    y = (x[:, 0] > 0).astype(np.float32)
    model = Sequential([Dense(8, input_shape=(3,), activation="relu"), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=10.0), loss="mse")
    with pytest.raises(ValueError, match=r"epoch \d+ of 5.*learning rate") as error:
        model.fit(x, y, epochs=5, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert hasattr(error.value, "history")


def test_terminate_on_nan_stops_quietly_as_in_keras():
    from twoclass.callbacks import TerminateOnNaN

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32) * 1e3
    y = (x[:, 0] > 0).astype(np.float32)
    model = Sequential([Dense(8, input_shape=(3,), activation="relu"), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=10.0), loss="mse")
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[TerminateOnNaN()])
    assert not np.isfinite(history.history["loss"][-1])
    assert len(history.history["loss"]) < 5


def test_fit_seeds_matches_separate_fits_and_compiles_once():
    import twoclass

    x, y = ring_data(200)
    model = slides_model()
    runs = twoclass.fit_seeds(model, x, y, seeds=[1, 2, 3], epochs=3)
    assert len(runs.histories) == 3 and len(runs.histories[0]["loss"]) == 3
    assert runs.histories[0]["loss"] != runs.histories[1]["loss"]
    single = twoclass.fit_seeds(model, x, y, seeds=[2], epochs=3)
    np.testing.assert_allclose(single.histories[0]["loss"], runs.histories[1]["loss"], rtol=1e-5)
    assert runs.predict(x[:5]).shape == (3, 5, 1)
