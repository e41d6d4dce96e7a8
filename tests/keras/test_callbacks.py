"""Callbacks (`twoclass.callbacks`) run through a real `fit`, against the same callbacks in the real Keras 3.

Both models start from the same weights (ours set from the Keras model's `get_weights`), see the same rows in the same
order (`shuffle=False`) and train with plain or momentum SGD, whose runs agree to ~1e-6; the validation curve of
`_data` goes down, up and down again, so every rule of a callback (patience, min_delta, baseline, cooldown...) changes
where training stops or what it writes.
"""

import csv

import numpy as np
import pytest

import twoclass

EPOCHS = 30
FIT = dict(batch_size=20, shuffle=False, validation_split=0.5, verbose=0)


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = ((x[:, 0] - x[:, 1] + rng.normal(size=n)) > 0).astype(np.float32)
    return x, y


def _pair(keras, learning_rate=0.3, momentum=0.9, metrics=("accuracy",)):
    keras.utils.clear_session()
    twoclass.utils.clear_session()
    keras.utils.set_random_seed(0)
    models = []
    for k in (keras, twoclass):
        model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(16, activation="tanh"), k.layers.Dense(1, "sigmoid")])
        rate = learning_rate(k) if callable(learning_rate) else learning_rate
        model.compile(k.optimizers.SGD(rate, momentum=momentum), "binary_crossentropy", metrics=list(metrics))
        models.append(model)
    reference, ours = models
    ours.set_weights(reference.get_weights())
    return reference, ours


def _fit_both(keras, make_callbacks, epochs=EPOCHS, pair=None, **fit):
    """Fit the Keras model and ours with `make_callbacks(module)` for each; the callbacks and histories."""
    reference, ours = pair or _pair(keras)
    x, y = _data()
    fit = {**FIT, **fit}
    keras_callbacks, our_callbacks = make_callbacks(keras.callbacks), make_callbacks(twoclass.callbacks)
    expected = reference.fit(x, y, epochs=epochs, callbacks=keras_callbacks, **fit)
    got = ours.fit(x, y, epochs=epochs, callbacks=our_callbacks, **fit)
    return (reference, keras_callbacks, expected), (ours, our_callbacks, got)


def _assert_same_history(got, expected, tolerance=1e-5):
    assert list(got.history) == list(expected.history)
    assert got.epoch == expected.epoch
    for key, values in expected.history.items():
        np.testing.assert_allclose(got.history[key], values, rtol=tolerance, atol=tolerance, err_msg=key)


def _assert_same_weights(ours, reference, tolerance=1e-5):
    for a, b in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance)


EARLY_STOPPING = [
    dict(patience=5),
    dict(patience=6),
    dict(patience=5, min_delta=0.01),
    dict(patience=3, baseline=0.5),
    dict(patience=2, start_from_epoch=3),
    dict(monitor="val_accuracy", patience=4),
    dict(monitor="loss", mode="min", patience=1, min_delta=0.002),
]


@pytest.mark.parametrize("options", EARLY_STOPPING, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_early_stopping_stops_at_the_same_epoch_as_keras(keras, options):
    (_, [keras_stopper], expected), (_, [stopper], got) = _fit_both(keras, lambda m: [m.EarlyStopping(**options)])
    assert len(expected.epoch) < EPOCHS  # Keras stops early here: an off-by-one in a rule moves the epoch
    _assert_same_history(got, expected)
    assert stopper.stopped_epoch == keras_stopper.stopped_epoch
    assert stopper.best_epoch == keras_stopper.best_epoch
    assert stopper.wait == keras_stopper.wait
    assert stopper.best == pytest.approx(keras_stopper.best, abs=1e-5)


def test_early_stopping_restores_the_best_weights_as_keras_does(keras, capsys):
    def callbacks(module):
        return [module.EarlyStopping(patience=3, restore_best_weights=True, verbose=1)]

    (reference, [keras_stopper], expected), (ours, [stopper], got) = _fit_both(keras, callbacks)
    keras_lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    _assert_same_history(got, expected)
    assert stopper.best_epoch == keras_stopper.best_epoch < len(expected.epoch) - 1  # the best is not the last
    _assert_same_weights(ours, reference)
    # printed by both fits, in turn: "Epoch 6: early stopping", "Restoring model weights from the end of ..."
    assert len(keras_lines) == 4 and keras_lines[:2] == keras_lines[2:]
    assert "early stopping" in keras_lines[0] and "best epoch" in keras_lines[1]


def test_early_stopping_restores_the_first_watched_epoch_when_nothing_improves(keras):
    # start_from_epoch skips the epochs where val_loss falls; from epoch 3 on, patience 0 stops at the first rise
    def callbacks(module):
        return [module.EarlyStopping(patience=0, start_from_epoch=3, restore_best_weights=True)]

    (reference, [keras_stopper], expected), (ours, [stopper], got) = _fit_both(keras, callbacks)
    _assert_same_history(got, expected)
    assert stopper.best_epoch == keras_stopper.best_epoch == 3 and stopper.stopped_epoch == keras_stopper.stopped_epoch
    _assert_same_weights(ours, reference)


@pytest.mark.parametrize(
    "options",
    [
        dict(factor=0.5, patience=1, cooldown=2, min_lr=0.02, min_delta=1e-3),
        dict(monitor="val_accuracy", factor=0.2, patience=1, min_delta=0.0),
    ],
    ids=["val_loss-cooldown-min_lr", "val_accuracy"],
)
def test_reduce_lr_on_plateau_lowers_the_rate_on_the_same_epochs_as_keras(keras, options):
    def callbacks(module):
        return [module.ReduceLROnPlateau(**options)]

    (reference, _, expected), (ours, _, got) = _fit_both(keras, callbacks, epochs=20)
    rates = expected.history["learning_rate"]
    assert len(set(rates)) >= 3  # reduced at least twice: when, and by how much, both count
    # the rates as logged (float32 in Keras), then the run they drove: the engine takes each new rate
    _assert_same_history(got, expected, tolerance=2e-5)
    assert ours.optimizer.current_learning_rate() == pytest.approx(rates[-1], rel=1e-6)
    _assert_same_weights(ours, reference, tolerance=2e-5)


def test_model_checkpoint_saves_the_best_epochs_keras_saves(keras, tmp_path):
    def callbacks(module):
        folder = tmp_path / module.__name__.split(".")[0]
        folder.mkdir()
        return [
            module.ModelCheckpoint(
                str(folder / "w-{epoch:02d}-{val_accuracy:.3f}.weights.h5"),
                save_best_only=True,
                save_weights_only=True,
                initial_value_threshold=0.55,
            ),
            module.ModelCheckpoint(str(folder / "m-{epoch:02d}.keras"), monitor="val_accuracy", save_best_only=True),
        ]

    (reference, keras_callbacks, expected), (ours, our_callbacks, got) = _fit_both(keras, callbacks, epochs=12)
    _assert_same_history(got, expected)
    keras_files = sorted(p.name for p in (tmp_path / "keras").iterdir())
    our_files = sorted(p.name for p in (tmp_path / "twoclass").iterdir())
    assert our_files == keras_files
    assert 2 <= len([f for f in keras_files if f.startswith("w-")]) < 12  # improvements only, not every epoch
    assert our_callbacks[0].best == pytest.approx(keras_callbacks[0].best, abs=1e-5)
    # the last best weights, read back by Keras from both files
    last = [f for f in keras_files if f.startswith("w-")][-1]
    readers = [_reader(keras) for _ in range(2)]
    readers[0].load_weights(tmp_path / "keras" / last)
    readers[1].load_weights(tmp_path / "twoclass" / last)
    _assert_same_weights(readers[1], readers[0])
    best_model = [f for f in keras_files if f.startswith("m-")][-1]
    x, _ = _data()
    loaded = keras.saving.load_model(tmp_path / "twoclass" / best_model)
    np.testing.assert_allclose(
        loaded.predict(x[:20], verbose=0),
        keras.saving.load_model(tmp_path / "keras" / best_model).predict(x[:20], verbose=0),
        atol=1e-5,
    )


def _reader(keras):
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(16, "tanh"), keras.layers.Dense(1, "sigmoid")])


def _rows(path, separator=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=separator))


def _assert_same_csv(got_path, expected_path, separator=","):
    got, expected = _rows(got_path, separator), _rows(expected_path, separator)
    assert len(got) == len(expected)
    assert got[0] == expected[0]  # the header
    for got_row, expected_row in zip(got[1:], expected[1:]):
        assert got_row[0] == expected_row[0]  # the epoch, as an integer
        np.testing.assert_allclose(
            [float(v) for v in got_row[1:]], [float(v) for v in expected_row[1:]], rtol=1e-5, atol=1e-5
        )


def test_csv_logger_writes_and_appends_the_file_keras_writes(keras, tmp_path):
    def callbacks(name, **options):
        return lambda module: [module.CSVLogger(tmp_path / f"{module.__name__.split('.')[0]}-{name}", **options)]

    pair = _pair(keras)
    _fit_both(keras, callbacks("log.csv"), epochs=4, pair=pair)
    _fit_both(keras, callbacks("log.csv", append=True), epochs=3, pair=pair)  # a second fit adds rows, no header
    _fit_both(keras, callbacks("semicolon.csv", separator=";"), epochs=2, pair=pair)
    _assert_same_csv(tmp_path / "twoclass-log.csv", tmp_path / "keras-log.csv")
    header, *rows = _rows(tmp_path / "keras-log.csv")
    assert header == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [row[0] for row in rows] == ["0", "1", "2", "3", "0", "1", "2"]
    _assert_same_csv(tmp_path / "twoclass-semicolon.csv", tmp_path / "keras-semicolon.csv", separator=";")


def test_csv_logger_without_validation_writes_the_columns_keras_writes(keras, tmp_path):
    def callbacks(module):
        return [module.CSVLogger(tmp_path / f"{module.__name__.split('.')[0]}.csv")]

    _fit_both(keras, callbacks, epochs=2, validation_split=0.0)
    got, expected = _rows(tmp_path / "twoclass.csv"), _rows(tmp_path / "keras.csv")
    assert expected[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [row[-2:] for row in expected[1:]] == [["NA", "NA"]] * 2
    assert got[0] == expected[0]
    assert [row[-2:] for row in got[1:]] == [["NA", "NA"]] * 2


def _lambda_fits(keras, hooks):
    """Fit both models with a LambdaCallback made by `hooks(events, model)`; the events each recorded."""
    reference, ours = _pair(keras)
    x, y = _data()
    histories, event_lists = [], []
    for model, module in ((reference, keras.callbacks), (ours, twoclass.callbacks)):
        events = []
        callback = module.LambdaCallback(**hooks(events, model))
        histories.append(model.fit(x, y, epochs=10, initial_epoch=1, callbacks=[callback], **FIT))
        event_lists.append(events)
    return histories, event_lists


def _stop_after_epoch_3(events, model):
    def on_epoch_end(epoch, logs):
        events.append(("epoch_end", epoch, list(logs)))  # the keys in the order the logs hold them
        if epoch == 3:
            model.stop_training = True

    return on_epoch_end


def test_lambda_callback_sees_the_same_epochs_and_logs_and_can_stop_training(keras):
    def hooks(events, model):
        return dict(
            on_train_begin=lambda logs=None: events.append(("train_begin",)),
            on_epoch_begin=lambda epoch, logs=None: events.append(("epoch_begin", epoch)),
            on_epoch_end=_stop_after_epoch_3(events, model),
            on_train_end=lambda logs=None: events.append(("train_end",)),
        )

    histories, event_lists = _lambda_fits(keras, hooks)
    assert event_lists[1] == event_lists[0]
    assert [e[1] for e in event_lists[0] if e[0] == "epoch_end"] == [1, 2, 3]  # stopped after epoch 3
    assert event_lists[0][0] == ("train_begin",) and event_lists[0][-1] == ("train_end",)
    _assert_same_history(histories[1], histories[0])


def test_lambda_callback_takes_the_positional_logs_keras_documents(keras):
    def hooks(events, model):
        return dict(
            on_train_begin=lambda logs: events.append(("train_begin", sorted(logs or {}))),
            on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch, sorted(logs or {}))),
            on_epoch_end=_stop_after_epoch_3(events, model),
            on_train_end=lambda logs: events.append(("train_end", sorted(logs or {}))),
        )

    _, event_lists = _lambda_fits(keras, hooks)
    assert event_lists[1] == event_lists[0]


def test_terminate_on_nan_ends_training_in_the_epoch_keras_ends_it(keras):
    # a linear output trained on squared error, whose rate jumps from 0.1 to 1.0 after 18 updates (3 epochs):
    # the loss explodes in epoch 4 and overflows in epoch 5
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    models = []
    for k in (keras, twoclass):
        model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(1)])
        model.compile(k.optimizers.SGD(k.optimizers.schedules.PiecewiseConstantDecay([18], [0.1, 1.0])), "mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    x, y = _data()
    keras_loss, our_loss = (
        m.fit(x, y, epochs=10, batch_size=20, shuffle=False, verbose=0, callbacks=[c.TerminateOnNaN()]).history["loss"]
        for m, c in ((models[0], keras.callbacks), (models[1], twoclass.callbacks))
    )
    assert len(our_loss) == len(keras_loss) == 5
    np.testing.assert_allclose(our_loss[:4], keras_loss[:4], rtol=1e-4)
    assert keras_loss[3] > 1e3 and not np.isfinite(keras_loss[4]) and not np.isfinite(our_loss[4])


def test_terminate_on_nan_with_raise_error_raises_where_keras_raises(keras):
    # the setup above (the loss overflows in epoch 5), with raise_error=True (Keras 3.15): a RuntimeError at once,
    # the failed epoch's on_epoch_end and every on_train_end skipped, History holding the finite epochs
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    models = []
    for k in (keras, twoclass):
        model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(1)])
        model.compile(k.optimizers.SGD(k.optimizers.schedules.PiecewiseConstantDecay([18], [0.1, 1.0])), "mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    x, y = _data()
    outcomes = []
    for model, module in ((models[0], keras.callbacks), (models[1], twoclass.callbacks)):
        events = []
        record = module.LambdaCallback(
            on_epoch_end=lambda epoch, logs, events=events: events.append(("epoch_end", epoch)),
            on_train_end=lambda logs, events=events: events.append(("train_end",)),
        )
        with pytest.raises(RuntimeError, match="NaN or Inf loss encountered") as caught:
            callbacks = [module.TerminateOnNaN(raise_error=True), record]
            model.fit(x, y, epochs=10, batch_size=20, shuffle=False, verbose=0, callbacks=callbacks)
        assert "Terminating training immediately" in str(caught.value)
        outcomes.append((events, model.history.history["loss"]))
    (keras_events, keras_loss), (our_events, our_loss) = outcomes
    assert our_events == keras_events == [("epoch_end", e) for e in range(4)]
    assert len(our_loss) == len(keras_loss) == 4
    np.testing.assert_allclose(our_loss, keras_loss, rtol=1e-4)
    assert twoclass.callbacks.TerminateOnNaN().raise_error is keras.callbacks.TerminateOnNaN().raise_error is False
    with pytest.raises(TypeError, match="'raise_error' parameter of TerminateOnNaN must be a bool"):
        twoclass.callbacks.TerminateOnNaN(raise_error="yes")


def test_history_records_what_keras_records(keras):
    reference, ours = _pair(keras, learning_rate=0.1, momentum=0.0, metrics=("accuracy", "auc"))
    x, y = _data()
    options = dict(epochs=6, initial_epoch=2, batch_size=16, shuffle=False, verbose=0, validation_data=(x[:40], y[:40]))
    expected, got = reference.fit(x, y, **options), ours.fit(x, y, **options)
    assert isinstance(got, twoclass.callbacks.History) and ours.history is got
    assert got.epoch == expected.epoch == [2, 3, 4, 5]
    assert got.params == expected.params  # {'verbose': 0, 'epochs': 6, 'steps': 8}
    _assert_same_history(got, expected)
    # a second fit records afresh, starting from the epoch it is told
    expected, got = reference.fit(x, y, epochs=2, verbose=0), ours.fit(x, y, epochs=2, verbose=0)
    assert got.epoch == expected.epoch == [0, 1] and list(got.history) == list(expected.history)
