"""Numbers against the real Keras 3 (JAX backend): same initial weights, same data, same settings."""

import numpy as np
import pytest

import twoclass
from support import ring_data
from twoclass.optimizers import SGD


def _pair(keras, build, optimizer_pair, loss="binary_crossentropy", metrics=("accuracy",)):
    # Both start numbering names afresh ('auc', not 'auc_5'), whichever tests ran before.
    keras.utils.clear_session()
    twoclass.utils.clear_session()
    keras.utils.set_random_seed(0)
    reference = build(keras)
    ours = build(twoclass)
    reference.compile(optimizer=optimizer_pair[0], loss=loss, metrics=list(metrics))
    ours.compile(optimizer=optimizer_pair[1], loss=loss, metrics=list(metrics))
    ours.set_weights(reference.get_weights())
    return reference, ours


def slides_net(k):
    model = k.models.Sequential()
    model.add(k.layers.Dense(4, input_shape=(2,), activation="tanh"))
    model.add(k.layers.Dense(1, activation="sigmoid"))
    return model


def assert_same_run(reference, ours, x, y, epochs, tolerance=1e-5, **fit_kwargs):
    expected = reference.fit(x, y, epochs=epochs, verbose=0, shuffle=False, **fit_kwargs).history
    got = ours.fit(x, y, epochs=epochs, verbose=0, shuffle=False, **fit_kwargs).history
    assert list(got) == list(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=tolerance, atol=tolerance, err_msg=key)
    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(
        ours.predict(x[:50], verbose=0), reference.predict(x[:50], verbose=0), rtol=tolerance, atol=tolerance
    )


def test_slides_network_matches_keras_after_three_epochs(keras):
    x, y = ring_data(1000)  # 1000 = 31 batches of 32 + a partial batch of 8
    reference, ours = _pair(keras, slides_net, (keras.optimizers.SGD(learning_rate=0.5), SGD(lr=0.5)))
    assert_same_run(reference, ours, x, y, epochs=3, validation_split=0.2)


@pytest.mark.parametrize("name", ["sgd_momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "amsgrad"])
def test_optimizers_follow_keras_update_rules(keras, name):
    x, y = ring_data(300)
    options = {
        "sgd_momentum": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
        "nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
        "adam": ("Adam", dict(learning_rate=0.01)),
        "adamw": ("AdamW", dict(learning_rate=0.01, weight_decay=0.05)),
        "rmsprop": ("RMSprop", dict(learning_rate=0.01)),
        "adagrad": ("Adagrad", dict(learning_rate=0.1)),
        "amsgrad": ("Adam", dict(learning_rate=0.01, amsgrad=True)),
    }
    cls, kwargs = options[name]
    pair = (getattr(keras.optimizers, cls)(**kwargs), getattr(twoclass.optimizers, cls)(**kwargs))
    reference, ours = _pair(keras, slides_net, pair)
    assert_same_run(reference, ours, x, y, epochs=2, tolerance=2e-5, batch_size=16)


def test_schedule_class_weight_and_metrics_match_keras(keras):
    x, y = ring_data(400)
    schedule = dict(initial_learning_rate=0.5, decay_steps=5, decay_rate=0.9)
    pair = (
        keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(**schedule)),
        SGD(twoclass.optimizers.schedules.ExponentialDecay(**schedule)),
    )
    metrics = ("accuracy", "auc")
    reference, ours = _pair(keras, slides_net, pair, metrics=metrics)
    reference.compile(
        optimizer=pair[0],
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(), keras.metrics.Precision(), keras.metrics.Recall()],
    )
    ours.compile(
        optimizer=pair[1],
        loss="binary_crossentropy",
        metrics=["accuracy", twoclass.metrics.AUC(), twoclass.metrics.Precision(), twoclass.metrics.Recall()],
    )
    assert_same_run(
        reference,
        ours,
        x,
        y,
        epochs=2,
        tolerance=2e-5,
        class_weight={0: 1.0, 1: 3.0},
        validation_data=(x[:100], y[:100]),
    )


def test_l2_regularised_relu_network_matches_keras(keras):
    x, y = ring_data(300)

    def build(k):
        return k.Sequential(
            [
                k.Input(shape=(2,)),
                k.layers.Dense(8, activation="relu", kernel_regularizer=k.regularizers.l2(0.01)),
                k.layers.Dense(1, activation="sigmoid"),
            ]
        )

    reference, ours = _pair(keras, build, (keras.optimizers.Adam(0.01), twoclass.optimizers.Adam(0.01)))
    assert_same_run(reference, ours, x, y, epochs=2, tolerance=2e-5, validation_split=0.25)


def test_evaluate_summary_and_weight_layout_match_keras(keras, capsys):
    x, y = ring_data(200)
    reference, ours = _pair(keras, slides_net, (keras.optimizers.SGD(0.5), SGD(0.5)))
    assert ours.count_params() == reference.count_params() == 17
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in reference.get_weights()]
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-5)
    ours.summary()
    out = capsys.readouterr().out
    assert "Total params: 17" in out and "(None, 4)" in out


def test_binary_metrics_match_keras_on_fixed_predictions(keras):
    rng = np.random.default_rng(1)
    y = (rng.uniform(size=500) < 0.3).astype(np.float32)
    p = np.clip(y * 0.3 + rng.uniform(size=500) * 0.7, 0, 1).astype(np.float32)
    w = rng.uniform(0.5, 2.0, size=500).astype(np.float32)
    pairs = [
        (keras.metrics.AUC(), twoclass.metrics.AUC()),
        (keras.metrics.AUC(curve="PR"), twoclass.metrics.AUC(curve="PR")),
        (keras.metrics.BinaryAccuracy(), twoclass.metrics.BinaryAccuracy()),
        (keras.metrics.Precision(), twoclass.metrics.Precision()),
        (keras.metrics.Recall(thresholds=0.3), twoclass.metrics.Recall(thresholds=0.3)),
        (keras.metrics.TruePositives(), twoclass.metrics.TruePositives()),
        (keras.metrics.FalseNegatives(), twoclass.metrics.FalseNegatives()),
    ]
    for reference, ours in pairs:
        reference.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(
            ours(y, p, sample_weight=w), float(reference.result()), rtol=1e-5, err_msg=type(ours).__name__
        )


def test_metrics_agree_with_scikit_learn():
    from sklearn import metrics as skm

    rng = np.random.default_rng(2)
    y = (rng.uniform(size=2000) < 0.4).astype(np.float32)
    p = np.clip(y * 0.35 + rng.uniform(size=2000) * 0.65, 0, 1).astype(np.float32)
    predicted = (p > 0.5).astype(int)
    assert twoclass.metrics.BinaryAccuracy()(y, p) == pytest.approx(skm.accuracy_score(y, predicted), abs=1e-6)
    assert twoclass.metrics.Precision()(y, p) == pytest.approx(skm.precision_score(y, predicted), abs=1e-6)
    assert twoclass.metrics.Recall()(y, p) == pytest.approx(skm.recall_score(y, predicted), abs=1e-6)
    assert twoclass.metrics.F1Score()(y, p) == pytest.approx(skm.f1_score(y, predicted), abs=1e-5)
    # 200 thresholds approximate the exact curve closely
    assert twoclass.metrics.AUC()(y, p) == pytest.approx(skm.roc_auc_score(y, p), abs=5e-3)
