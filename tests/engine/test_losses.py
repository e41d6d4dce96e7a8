"""The engine's per-row losses (`twoclass.engine.losses.PER_ROW`) against the real Keras 3 losses and NumPy formulas.

Structures and numbers come from the public loss objects (`twoclass.losses`), as the engine receives them. Keras's
loss functions reduce over the last axis, so they get (n, 1) arrays and give one value a row, like PER_ROW.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from twoclass import losses
from twoclass.engine.losses import PER_ROW

N = 64


def _targets(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=N) < 0.4).astype(np.float32)


def _logits(seed=1):
    # within +-8 the sigmoid never reaches Keras's probability clip, where from_logits=True computes the same number
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(scale=3.0, size=N), -8.0, 8.0).astype(np.float32)


def _probabilities(seed=2):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.001, 0.999, size=N).astype(np.float32)
    p[:4] = [0.0, 1.0, 1e-9, 1.0 - 1e-9]  # clipped to [1e-7, 1 - 1e-7] as Keras does
    return p


def _ours(loss, y, out):
    kind = loss.kind
    return np.asarray(PER_ROW[kind](loss.structure(), loss.hyper(), jnp.asarray(y), jnp.asarray(out), loss.from_logits))


# Keras's clip to [epsilon, 1 - epsilon] happens in float32, where 1 - 1e-7 rounds to 1 - 1.19e-7
CLIP = (float(np.float32(1e-7)), float(np.float32(1 - 1e-7)))


def _sigmoid64(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, np.float64)))  # no overflow at |z| = 1e4


def _numpy_bce(y, out, from_logits, smoothing=0.0):
    y = np.asarray(y, np.float64) * (1 - smoothing) + 0.5 * smoothing
    if from_logits:
        z = np.asarray(out, np.float64)
        return np.logaddexp(0.0, z) - y * z  # log(1 + e^z) - y z, exact for any z
    p = np.clip(np.asarray(out, np.float64), *CLIP)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _numpy_focal(y, out, from_logits, alpha, gamma, balancing, smoothing):
    bce = _numpy_bce(y, out, from_logits, smoothing)
    y = np.asarray(y, np.float64) * (1 - smoothing) + 0.5 * smoothing
    p = _sigmoid64(out) if from_logits else np.clip(np.asarray(out, np.float64), *CLIP)
    p_t = y * p + (1 - y) * (1 - p)
    loss = (1 - p_t) ** gamma * bce
    return loss * (y * alpha + (1 - y) * (1 - alpha)) if balancing else loss


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_binary_crossentropy_matches_keras_and_numpy(keras, from_logits, smoothing):
    y = _targets()
    out = _logits() if from_logits else _probabilities()
    ours = _ours(losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=smoothing), y, out)
    reference = keras.losses.binary_crossentropy(
        y[:, None], out[:, None], from_logits=from_logits, label_smoothing=smoothing
    )
    np.testing.assert_allclose(ours, np.asarray(reference), rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(ours, _numpy_bce(y, out, from_logits, smoothing), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize(
    "balancing, alpha, gamma, smoothing",
    [
        (False, 0.25, 2.0, 0.0),
        (True, 0.25, 2.0, 0.0),
        (True, 0.7, 0.5, 0.0),
        (True, 0.4, 3.0, 0.2),
        (False, 0.25, 0.0, 0.1),
    ],
)
def test_focal_crossentropy_matches_keras_and_numpy(keras, from_logits, balancing, alpha, gamma, smoothing):
    y = _targets()
    out = _logits() if from_logits else _probabilities()
    loss = losses.BinaryFocalCrossentropy(
        apply_class_balancing=balancing, alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=smoothing
    )
    ours = _ours(loss, y, out)
    reference = keras.losses.binary_focal_crossentropy(
        y[:, None],
        out[:, None],
        apply_class_balancing=balancing,
        alpha=alpha,
        gamma=gamma,
        from_logits=from_logits,
        label_smoothing=smoothing,
    )
    np.testing.assert_allclose(ours, np.asarray(reference), rtol=1e-5, atol=1e-6)
    expected = _numpy_focal(y, out, from_logits, alpha, gamma, balancing, smoothing)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("name", ["mse", "mae"])
def test_squared_and_absolute_error_match_keras(keras, name, from_logits):
    y = _targets()
    out = _logits() if from_logits else _probabilities()
    loss = {"mse": losses.MeanSquaredError, "mae": losses.MeanAbsoluteError}[name](from_logits=from_logits)
    ours = _ours(loss, y, out)
    # Keras's mse/mae take probabilities: a logit goes through the sigmoid first, as the engine does
    p = _sigmoid64(out).astype(np.float32) if from_logits else out
    function = {"mse": keras.losses.mean_squared_error, "mae": keras.losses.mean_absolute_error}[name]
    np.testing.assert_allclose(ours, np.asarray(function(y[:, None], p[:, None])), rtol=1e-5, atol=1e-7)
    numpy_error = (y - _sigmoid64(out) if from_logits else y - out.astype(np.float64)) ** (2 if name == "mse" else 1)
    np.testing.assert_allclose(ours, np.abs(numpy_error), rtol=1e-5, atol=1e-7)


EXTREME = np.array([1e4, -1e4, 1e4, -1e4, 100.0, -100.0, 30.0, -30.0], np.float32)
EXTREME_Y = np.array([1, 0, 0, 1, 0, 1, 1, 0], np.float32)

EXTREME_LOSSES = [
    losses.BinaryCrossentropy(from_logits=True),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
    losses.BinaryFocalCrossentropy(from_logits=True),
    losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True, alpha=0.3, gamma=3.0),
    losses.BinaryFocalCrossentropy(from_logits=True, gamma=1.0, label_smoothing=0.1),
    losses.MeanSquaredError(from_logits=True),
    losses.MeanAbsoluteError(from_logits=True),
]


@pytest.mark.parametrize("loss", EXTREME_LOSSES, ids=lambda loss: f"{loss.kind}-{sorted(loss.hyper().items())}")
def test_extreme_logits_give_finite_exact_losses_and_gradients(loss):
    ours = _ours(loss, EXTREME_Y, EXTREME)
    assert np.all(np.isfinite(ours)), ours
    smoothing = loss.hyper().get("label_smoothing", 0.0)
    if loss.kind == "bce":
        # a wrong-side logit of 1e4 costs 1e4 nats: no clip, no log(0)
        np.testing.assert_allclose(ours, _numpy_bce(EXTREME_Y, EXTREME, True, smoothing), rtol=1e-6, atol=1e-6)
    elif loss.kind == "focal":
        expected = _numpy_focal(EXTREME_Y, EXTREME, True, loss.alpha, loss.gamma, loss.apply_class_balancing, smoothing)
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)
    else:
        p = _sigmoid64(EXTREME)
        np.testing.assert_allclose(ours, np.abs(EXTREME_Y - p) ** (2 if loss.kind == "mse" else 1), atol=1e-7)

    def total(z):
        return jnp.sum(PER_ROW[loss.kind](loss.structure(), loss.hyper(), jnp.asarray(EXTREME_Y), z, True))

    gradient = np.asarray(jax.grad(total)(jnp.asarray(EXTREME)))
    assert np.all(np.isfinite(gradient)), gradient
    if loss.kind == "bce":
        y = EXTREME_Y * (1 - smoothing) + 0.5 * smoothing
        np.testing.assert_allclose(gradient, _sigmoid64(EXTREME) - y, atol=1e-6)  # d/dz = sigmoid(z) - y


def test_extreme_logits_match_keras_binary_crossentropy(keras):
    # Keras computes from_logits through log_sigmoid, exact at any logit too
    ours = _ours(losses.BinaryCrossentropy(from_logits=True), EXTREME_Y, EXTREME)
    reference = keras.losses.binary_crossentropy(EXTREME_Y[:, None], EXTREME[:, None], from_logits=True)
    np.testing.assert_allclose(ours, np.asarray(reference), rtol=1e-6)


@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_focal_gradient_is_finite_for_a_confident_right_answer_with_gamma_below_one(gamma):
    loss = losses.BinaryFocalCrossentropy(from_logits=True, gamma=gamma)
    y, z = jnp.asarray([1.0, 0.0]), jnp.asarray([20.0, -20.0])

    def total(z):
        return jnp.sum(PER_ROW["focal"](loss.structure(), loss.hyper(), y, z, True))

    gradient = np.asarray(jax.grad(total)(z))
    # the right answer at 20 nats of confidence: the slope is (about) -(1 - sigmoid(20)), i.e. 0 in float32
    np.testing.assert_allclose(gradient, [0.0, 0.0], atol=1e-6)


GRADIENT_CASES = [
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), True),
    (losses.BinaryCrossentropy(), False),
    (losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True, alpha=0.3, gamma=2.0), True),
    (losses.BinaryFocalCrossentropy(gamma=1.5, label_smoothing=0.05), False),
    (losses.MeanSquaredError(from_logits=True), True),
    (losses.MeanSquaredError(), False),
    (losses.MeanAbsoluteError(from_logits=True), True),
    (losses.MeanAbsoluteError(), False),
]


@pytest.mark.parametrize("loss, from_logits", GRADIENT_CASES, ids=lambda c: str(c) if isinstance(c, bool) else c.kind)
def test_gradient_matches_central_finite_differences(loss, from_logits):
    y = _targets(seed=5)
    rng = np.random.default_rng(6)
    # away from the probability clip and from mae's kink at p == y, where the derivative jumps
    out = rng.uniform(-4.0, 4.0, size=N) if from_logits else rng.uniform(0.02, 0.98, size=N)
    with jax.enable_x64(True):
        y64, out64 = jnp.asarray(y, jnp.float64), jnp.asarray(out, jnp.float64)
        hyper = {k: jnp.float64(v) for k, v in loss.hyper().items()}

        def per_row(o):
            return PER_ROW[loss.kind](loss.structure(), hyper, y64, o, from_logits)

        gradient = np.asarray(jax.grad(lambda o: jnp.sum(per_row(o)))(out64))
        h = 1e-6
        numeric = (np.asarray(per_row(out64 + h)) - np.asarray(per_row(out64 - h))) / (2 * h)
    assert gradient.dtype == np.float64
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)
    assert np.abs(gradient).max() > 1e-2  # a loss that ignored its input would pass the comparison above
