"""Training that explains itself: each run below is built to cause one typical problem and must get exactly that
hint; the seed lessons' healthy runs must get none."""

from __future__ import annotations

import math

import numpy as np
import pytest

import twoclass as keras
from support import ring_data
from twoclass import datasets
from twoclass.keras.diagnostics import (
    count_dead_relu_units,
    dead_relu_hint,
    divergence_hint,
    flat_loss_hint,
    overfit_hint,
    prior_loss,
    scale_hint,
)


def _fit(layers, optimizer, x, y, epochs, validation_data=None, verbose=0, prepare=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(x.shape[1],)), *layers])
    if prepare is not None:
        prepare(model)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=32, validation_data=validation_data, verbose=verbose)


def _only(hints: list[str], *words: str) -> None:
    assert len(hints) == 1, hints
    for word in words:
        assert word in hints[0], hints


def _scale_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 3))
    x[:, 1] *= 1000.0  # an amount in currency units beside two standardised columns
    y = (x[:, 0] - x[:, 2] > 0).astype(float)
    return x, y


# -------------------------------------------------------------------------------------------------- healthy runs


def test_slides_rings_net_gets_no_hint():
    x, y = ring_data(400, 0)
    history = _fit(
        [keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")],
        keras.optimizers.SGD(0.5),
        x,
        y,
        epochs=20,
    )
    assert history.history["accuracy"][-1] > 0.9  # it did learn, so silence is right
    assert history.diagnostics == []


def test_mean_of_four_lesson_net_gets_no_hint():
    x, y = datasets.mean_of_four(n=2400, seed=0)
    x = x / 100.0
    history = _fit(
        [
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        "adam",
        x[:2000],
        y[:2000],
        epochs=20,
        validation_data=(x[2000:], y[2000:]),
    )
    assert history.history["val_accuracy"][-1] > 0.9
    assert history.diagnostics == []


# -------------------------------------------------------------------------------------------------- one problem each


def test_columns_on_different_scales_suggest_normalization():
    x, y = _scale_problem()
    history = _fit([keras.layers.Dense(1, activation="sigmoid")], keras.optimizers.Adam(0.05), x, y, epochs=10)
    _only(history.diagnostics, "scale", "Normalization", "adapt")


def test_normalization_first_silences_the_scale_hint():
    x, y = _scale_problem()
    normalizer = keras.layers.Normalization()
    normalizer.adapt(x)
    history = _fit(
        [normalizer, keras.layers.Dense(1, activation="sigmoid")], keras.optimizers.Adam(0.05), x, y, epochs=10
    )
    assert history.diagnostics == []


def test_labels_unrelated_to_inputs_give_the_class_balance_hint():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 3))
    y = (rng.uniform(size=1000) < 0.2).astype(float)  # labels independent of x: only the balance is learnable
    history = _fit(
        [keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")],
        keras.optimizers.Adam(0.05),
        x,
        y,
        epochs=20,
    )
    _only(history.diagnostics, "class balance", "learning rate")


def test_mostly_dead_relu_units_are_reported():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(800, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(float)

    def kill_twelve_units(model):  # biases far below any pre-activation: these units never fire again
        weights = model.get_weights()
        weights[1][:12] = -50.0
        model.set_weights(weights)

    history = _fit(
        [keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")],
        keras.optimizers.Adam(0.01),
        x,
        y,
        epochs=10,
        prepare=kill_twelve_units,
    )
    _only(history.diagnostics, "12 of 16", "ReLU", "he_normal", "leaky_relu")


def test_memorising_a_small_training_set_is_called_over_fitting():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(440, 6))
    y = ((x[:, 0] + rng.normal(size=440)) > 0).astype(float)
    history = _fit(
        [
            keras.layers.Dense(64, activation="tanh"),
            keras.layers.Dense(64, activation="tanh"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        keras.optimizers.Adam(0.01),
        x[:40],
        y[:40],
        epochs=150,
        validation_data=(x[40:], y[40:]),
    )
    _only(history.diagnostics, "over-fitting", "EarlyStopping", "restore_best_weights=True", "Dropout", "L2")


def test_a_learning_rate_far_too_high_is_called_divergence():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(800, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * rng.normal(size=800) > 0).astype(float)
    history = _fit(
        [keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")],
        keras.optimizers.SGD(1.0, momentum=0.99),
        x,
        y,
        epochs=20,
    )
    _only(history.diagnostics, "diverged", "lower")


# -------------------------------------------------------------------------------------------------- printing


def test_hints_print_when_verbose_and_never_with_verbose_zero(capsys):
    x, y = _scale_problem()
    history = _fit([keras.layers.Dense(1, activation="sigmoid")], keras.optimizers.Adam(0.05), x, y, epochs=3)
    assert history.diagnostics and capsys.readouterr().out == ""
    history = _fit(
        [keras.layers.Dense(1, activation="sigmoid")], keras.optimizers.Adam(0.05), x, y, epochs=3, verbose=2
    )
    out = capsys.readouterr().out
    assert f"Hint: {history.diagnostics[0]}" in out


# -------------------------------------------------------------------------------------------------- the detectors


def test_prior_loss_is_the_entropy_of_the_weighted_balance():
    y = np.array([1, 0, 0, 0], float)
    assert prior_loss(y, np.ones(4)) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    # class_weight {1: 3} balances the classes: entropy log 2, times the mean weight 1.5
    assert prior_loss(y, np.array([3, 1, 1, 1], float)) == pytest.approx(1.5 * math.log(2))


def test_scale_hint_threshold_and_constant_columns():
    x = np.c_[np.linspace(0, 1, 50), 99 * np.linspace(0, 1, 50), np.zeros(50)]
    assert scale_hint(x, "dense") is None  # 99x, and the constant column is ignored
    x[:, 1] *= 101 / 99
    assert scale_hint(x, "dense") is not None
    assert scale_hint(x, "normalization") is None and scale_hint(x, "batch_norm") is None


def test_flat_loss_hint_needs_loss_and_accuracy_at_the_guessing_level():
    y = np.r_[np.ones(20), np.zeros(80)]
    level = prior_loss(y, np.ones(100))
    assert flat_loss_hint([0.69, level * 1.01], [0.80], y, np.ones(100), True) is not None
    assert flat_loss_hint([0.69, level * 0.95], [0.80], y, np.ones(100), True) is None
    assert flat_loss_hint([0.69, level], [0.90], y, np.ones(100), True) is None
    assert flat_loss_hint([0.69, level], [0.80], y, np.ones(100), False) is None


def test_dead_relu_hint_needs_more_than_half():
    assert dead_relu_hint(8, 16) is None
    assert "9 of 16" in dead_relu_hint(9, 16)
    assert dead_relu_hint(0, 0) is None


def test_count_dead_relu_units_matches_a_numpy_forward_pass():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 3)).astype("float32")
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(6, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    weights = model.get_weights()
    weights[1][:4] = -100.0
    model.set_weights(weights)
    w1, b1, w2, b2 = weights[:4]
    h1 = np.maximum(x @ w1 + b1, 0)
    h2 = np.maximum(h1 @ w2 + b2, 0)
    expected = int((h1.max(0) == 0).sum() + (h2.max(0) == 0).sum())
    assert count_dead_relu_units(model, x) == (expected, 16)
    assert expected >= 4


def test_overfit_hint_by_gap_and_by_rising_validation_loss():
    assert overfit_hint({"accuracy": [0.99], "val_accuracy": [0.80]}) is not None
    assert overfit_hint({"accuracy": [0.90], "val_accuracy": [0.80]}) is None
    loss = [0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.08]
    rising = [0.6, 0.5, 0.45, 0.44, 0.45, 0.47, 0.5, 0.55, 0.6]
    assert "rose" in overfit_hint({"loss": loss, "val_loss": rising})
    assert overfit_hint({"loss": loss, "val_loss": sorted(rising, reverse=True)}) is None


def test_divergence_hint_needs_a_rising_loss_far_above_its_minimum():
    assert divergence_hint([0.5, 0.9, 1.4, 2.0, 1.8], 1.0) is not None
    assert divergence_hint([0.5, 0.9, 1.4, 1.2, 1.4], 1.0) is None  # under 3x the minimum
    assert divergence_hint([3.0, 2.0, 0.3, 1.0, 1.0], 1.0) is None  # falling overall: not diverging
    assert divergence_hint([0.001, 0.002, 0.004, 0.005], 1.0) is None  # tiny wobble near zero


def test_padding_rows_never_make_a_dead_unit_look_alive():
    # 37 rows are padded to 40 with zero rows; a unit negative on every real row but with a positive bias would
    # fire on the zeros
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(37, 3)).astype("float32")
    model = keras.Sequential(
        [keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    kernel, bias, *rest = model.get_weights()
    kernel[:, :3], bias[:3] = -10.0, 1.0
    kernel[:, 3], bias[3] = 1.0, 0.0
    model.set_weights([kernel, bias, *rest])
    assert count_dead_relu_units(model, x) == (3, 4)
