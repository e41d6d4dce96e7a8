"""The pieces that public Keras tutorials use (issue 18), each compared with the real Keras 3 (JAX backend).

Every test builds the same thing in both libraries, gives twoclass Keras's initial weights where training is
involved, and compares what the tutorial reads back: figures, weights, files, messages.
"""

from __future__ import annotations

import numpy as np

import twoclass


def _data(n=300, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, 0] + 0.8 * rng.normal(size=n) > 0).astype("float32")[:, None]
    return x, y


def _twin(keras, build):
    """The same model in both libraries, twoclass holding Keras's initial weights."""
    keras.utils.set_random_seed(0)
    theirs = build(keras)
    ours = build(twoclass)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _fit_both(keras, build, compile_kwargs, **fit_kwargs):
    theirs, ours = _twin(keras, build)
    histories = []
    for model in (theirs, ours):
        library = keras if model is theirs else twoclass
        model.compile(**compile_kwargs(library))
        histories.append(model.fit(**fit_kwargs, verbose=0).history)
    return theirs, ours, histories[0], histories[1]


def _assert_histories(theirs: dict, ours: dict, tolerance=2e-5):
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=tolerance, atol=tolerance, err_msg=key)


# ------------------------------------------------------------------------------------------------ metrics and losses
def test_binary_crossentropy_metric_honours_from_logits_and_label_smoothing(keras):
    """The TensorFlow overfit tutorial's metric: a linear output read as a logit (was: read as a probability, 1.8-2.5
    where Keras says 0.36-0.46)."""
    x, y = _data()

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="elu"), lib.layers.Dense(1)])

    def compile_kwargs(lib):
        return {
            "optimizer": lib.optimizers.Adam(0.01),
            "loss": lib.losses.BinaryCrossentropy(from_logits=True),
            "metrics": [
                lib.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
                lib.metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, name="smoothed"),
                lib.metrics.BinaryCrossentropy(name="as_probability"),
            ],
        }

    _, _, theirs, ours = _fit_both(
        keras, build, compile_kwargs, x=x, y=y, epochs=3, batch_size=50, shuffle=False, validation_split=0.2
    )
    _assert_histories(theirs, ours)
    assert ours["binary_crossentropy"][-1] < 1.0  # a logit read as a probability gives > 1.8 here
