"""The pieces that public Keras tutorials use (issue 18), each compared with the real Keras 3 (JAX backend).

Every test builds the same thing in both libraries, gives twoclass Keras's initial weights where training is
involved, and compares what the tutorial reads back: figures, weights, files, messages.
"""

from __future__ import annotations

import numpy as np
import pytest

import twoclass


def _data(n=300, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, 0] + 0.8 * rng.normal(size=n) > 0).astype("float32")[:, None]
    return x, y


def _twin(keras, build):
    """The same model in both libraries, twoclass holding Keras's initial weights (and the same layer names)."""
    keras.utils.clear_session()
    twoclass.utils.clear_session()
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


def test_binary_accuracy_function_as_a_metric(keras):
    """Chollet's first edition: metrics=[metrics.binary_accuracy] records 'binary_accuracy', as in Keras."""
    x, y = _data()

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid")])

    def compile_kwargs(lib):
        return {
            "optimizer": "rmsprop",
            "loss": lib.losses.binary_crossentropy,
            "metrics": [lib.metrics.binary_accuracy],
        }

    _, _, theirs, ours = _fit_both(keras, build, compile_kwargs, x=x, y=y, epochs=2, batch_size=64, shuffle=False)
    _assert_histories(theirs, ours)
    assert float(twoclass.metrics.binary_accuracy(y[:10], y[:10] * 0.9)) == 1.0


@pytest.mark.parametrize(
    ("metric", "argument"),
    [
        (lambda m: m.Precision(top_k=2), "top_k"),
        (lambda m: m.Recall(class_id=3), "class_id"),
        (lambda m: m.AUC(multi_label=True), "multi_label"),
        (lambda m: m.AUC(thresholds=[0.1, 0.5]), "thresholds"),
        (lambda m: m.F1Score(average="samples"), "average"),
        (lambda m: m.BinaryAccuracy(dtype="float16"), "dtype"),
    ],
)
def test_metric_arguments_not_honoured_are_refused(metric, argument):
    with pytest.raises(ValueError, match=argument):
        metric(twoclass.metrics)


def test_loss_arguments_not_honoured_are_refused():
    with pytest.raises(ValueError, match="axis"):
        twoclass.losses.BinaryCrossentropy(axis=0)
    with pytest.raises(ValueError, match="dtype"):
        twoclass.losses.BinaryCrossentropy(dtype="float16")
    assert twoclass.losses.BinaryCrossentropy(dtype="float32", axis=-1).from_logits is False


# ------------------------------------------------------------------------------------------------------- initializers
@pytest.mark.parametrize("alias", ["uniform", "normal", "zero", "one"])
def test_old_initializer_names_as_keras_3_resolves_them(keras, alias):
    theirs = keras.initializers.get(alias)
    ours = twoclass.initializers.get(alias)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config().items() >= {k: v for k, v in theirs.get_config().items() if k != "seed"}.items()


def test_bias_initializer_none_draws_as_keras_does(keras):
    """Keras 3 leaves bias_initializer=None to add_weight, whose default for floats is glorot_uniform: a drawn bias
    within sqrt(6 / (2 * units)), not zeros."""
    keras.utils.set_random_seed(0)
    layer = keras.layers.Dense(64, bias_initializer=None)
    layer.build((None, 3))
    model = twoclass.Sequential(
        [
            twoclass.Input((3,)),
            twoclass.layers.Dense(64, bias_initializer=None),
            twoclass.layers.Dense(1, activation="sigmoid"),
        ]
    )
    ours = model.get_weights()[1]
    limit = np.sqrt(6 / (2 * 64))
    for bias in (np.asarray(layer.bias), ours):
        assert np.all(np.abs(bias) <= limit) and np.std(bias) > limit / 3
    assert type(twoclass.initializers.get(None)).__name__ == "GlorotUniform"


@pytest.mark.parametrize("value", [np.log([0.25]), np.array([0.1, -0.3]), 1.5])
def test_constant_takes_arrays_as_keras_does(keras, value):
    units = 2 if np.size(value) == 2 else 1
    layer = keras.layers.Dense(units, bias_initializer=keras.initializers.Constant(value))
    layer.build((None, 3))
    model = twoclass.Sequential(
        [
            twoclass.Input((3,)),
            twoclass.layers.Dense(units, bias_initializer=twoclass.initializers.Constant(value)),
            twoclass.layers.Dense(1),
        ]
    )
    np.testing.assert_allclose(model.get_weights()[1], np.asarray(layer.bias), rtol=1e-6)
    config = keras.initializers.Constant(value).get_config()
    assert twoclass.initializers.get({"class_name": "Constant", "config": config}).get_config() == config


def test_constant_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="does not fit a weight of shape"):
        twoclass.Sequential(
            [
                twoclass.Input((3,)),
                twoclass.layers.Dense(3, bias_initializer=twoclass.initializers.Constant([1.0, 2.0])),
                twoclass.layers.Dense(1),
            ]
        ).get_weights()


# -------------------------------------------------------------------------------- Keras 2 habits: one line, Keras 3's
def test_keras_1_layer_arguments_get_their_keras_3_names(keras):
    with pytest.raises(ValueError, match="init"):
        keras.layers.Dense(3, init="uniform")  # Keras 3 refuses too, without the new name
    with pytest.raises(TypeError, match=r"^Dense got init='uniform', Keras 1's name: write kernel_initializer="):
        twoclass.layers.Dense(3, init="uniform")
    with pytest.raises(TypeError, match="use_bias=False"):
        twoclass.layers.Dense(4, bias=False)


def test_history_acc_says_which_key_holds_the_accuracy(rings):
    x, y = rings
    model = twoclass.Sequential([twoclass.Input((2,)), twoclass.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    with pytest.raises(KeyError, match="'val_accuracy'") as caught:
        history.history["val_acc"]
    assert "\n" not in str(caught.value)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history.get("acc") is None and dict(history.history) == history.history


def test_tensorboard_is_answered_with_what_to_use(keras):
    with pytest.raises(ValueError, match=r"CSVLogger\('training.csv'\)") as caught:
        twoclass.callbacks.TensorBoard(log_dir="logs")
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------------------------------------------------- fit
def _dense_model(lib, regularizer=None):
    kwargs = {"kernel_regularizer": regularizer(lib)} if regularizer else {}
    return lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(8, activation="relu", **kwargs), lib.layers.Dense(1, activation="sigmoid")]
    )


def _sgd(lib):
    return {"optimizer": lib.optimizers.SGD(0.1), "loss": "binary_crossentropy", "metrics": ["accuracy"]}


@pytest.mark.parametrize("verbose", [True, False])
def test_fit_takes_verbose_true_and_false(keras, verbose, capsys):
    x, y = _data()
    theirs, ours = _twin(keras, _dense_model)
    for model in (theirs, ours):
        model.compile(**_sgd(keras if model is theirs else twoclass))
    expected = theirs.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=verbose).history
    capsys.readouterr()
    got = ours.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=verbose).history
    _assert_histories(expected, got)
    assert ("Epoch 2/2" in capsys.readouterr().out) == verbose


@pytest.mark.parametrize("steps_per_epoch", [6, 15])
def test_steps_per_epoch_of_a_whole_pass_or_more_runs_as_keras(keras, steps_per_epoch):
    """300 rows in batches of 50 make 6 batches a pass: Keras runs whole passes for 6 and for 15 (the pass ends the
    epoch), as in the TensorFlow overfit tutorial (N_TRAIN // BATCH_SIZE)."""
    x, y = _data()
    _, _, theirs, ours = _fit_both(
        keras, _dense_model, _sgd, x=x, y=y, epochs=3, batch_size=50, shuffle=False, steps_per_epoch=steps_per_epoch
    )
    _assert_histories(theirs, ours)


def test_steps_per_epoch_within_a_pass_is_refused_with_a_batch_size_that_does_it(rings):
    x, y = rings
    model = _dense_model(twoclass)
    model.compile(**_sgd(twoclass))
    with pytest.raises(ValueError, match=r"steps_per_epoch.*6 batches.*batch_size=75\. Got 4 instead"):
        model.fit(x[:300, [0, 1, 0, 1]], y[:300], batch_size=50, steps_per_epoch=4, verbose=0)


def test_validation_steps_evaluates_that_many_validation_batches(keras):
    x, y = _data()
    _, _, theirs, ours = _fit_both(
        keras,
        _dense_model,
        _sgd,
        x=x[:200],
        y=y[:200],
        epochs=2,
        batch_size=32,
        shuffle=False,
        validation_data=(x[200:], y[200:]),
        validation_steps=2,
    )
    _assert_histories(theirs, ours)


def test_scipy_sparse_x_in_fit_evaluate_predict(keras):
    """Real Python's text classification passes CountVectorizer's sparse matrix straight in."""
    sparse = pytest.importorskip("scipy.sparse")
    x, y = _data()
    x = np.where(np.random.default_rng(1).random(x.shape) < 0.4, 0, x).astype("float32")
    xs = sparse.csr_matrix(x)

    def loss_only(lib):  # accuracy of rows whose output sits at 0.5 would flip on the last float bit
        return {"optimizer": lib.optimizers.SGD(0.1), "loss": "binary_crossentropy"}

    theirs, ours, expected, got = _fit_both(
        keras,
        _dense_model,
        loss_only,
        x=xs,
        y=y,
        epochs=2,
        batch_size=50,
        shuffle=False,
        validation_data=(xs[:50], y[:50]),
    )
    _assert_histories(expected, got)
    np.testing.assert_allclose(ours.evaluate(xs, y, verbose=0), theirs.evaluate(xs, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(xs, verbose=0), theirs.predict(xs, verbose=0), atol=1e-6)


def test_model_losses_are_the_regularization_penalties(keras):
    """The TensorFlow overfit tutorial sums l2_model.losses to report the penalty."""
    x, y = _data()

    def build(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(8, activation="elu", kernel_regularizer=lib.regularizers.l2(0.001)),
                lib.layers.Dense(
                    8,
                    activation="elu",
                    kernel_regularizer=lib.regularizers.l1_l2(l1=0.01, l2=0.002),
                    bias_regularizer=lib.regularizers.l1(0.003),
                ),
                lib.layers.Dense(1),
            ]
        )

    theirs, ours, _, _ = _fit_both(
        keras,
        build,
        lambda lib: {"optimizer": "adam", "loss": lib.losses.BinaryCrossentropy(from_logits=True)},
        x=x,
        y=y,
        epochs=2,
        batch_size=50,
        shuffle=False,
    )
    expected = [float(v) for v in theirs.losses]
    assert len(ours.losses) == len(expected) == 3
    np.testing.assert_allclose([float(v) for v in ours.losses], expected, rtol=1e-5)
    assert twoclass.Sequential([twoclass.layers.Dense(1)]).losses == []


def test_keras_2_fit_arguments_and_methods_get_their_keras_3_spelling(keras, rings):
    x, y = rings
    model = twoclass.Sequential([twoclass.Input((2,)), twoclass.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.raises(TypeError, match=r"^fit got nb_epoch=150, Keras 1's name: write epochs=150 "):
        model.fit(x, y, nb_epoch=150)
    with pytest.raises(AttributeError, match=r'\(model.predict\(x\) > 0.5\).astype\("int32"\)'):
        model.predict_classes(x)
    with pytest.raises(AttributeError, match="no attribute 'predict_classes'"):
        keras.Sequential().predict_classes  # noqa: B018 - Keras 3 has no such method either
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        model.nonsense  # noqa: B018


# ------------------------------------------------------------------------------------------------- layer variables
def _three_layers(lib):
    return lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(6, activation="relu"),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_layer_variables_read_as_keras_gives_them(keras):
    theirs, ours = _twin(keras, _three_layers)
    for their_layer, our_layer in zip(theirs.layers, ours.layers):
        assert [w.path for w in our_layer.weights] == [w.path for w in their_layer.weights]
        for a, b in zip(our_layer.get_weights(), their_layer.get_weights()):
            np.testing.assert_array_equal(a, b)
    for name in ("kernel", "bias"):
        ours_variable, theirs_variable = getattr(ours.layers[-1], name), getattr(theirs.layers[-1], name)
        assert ours_variable.shape == tuple(theirs_variable.shape)
        np.testing.assert_array_equal(ours_variable.numpy(), np.asarray(theirs_variable))
    np.testing.assert_array_equal(np.asarray(ours.layers[1].moving_variance), np.ones(6))


def test_bias_assign_then_fit_as_the_imbalanced_data_tutorial(keras):
    """model.layers[-1].bias.assign([0.0]) before fit: both start from that bias and train to the same weights."""
    x, y = _data()
    theirs, ours = _twin(keras, _dense_model)
    for model, lib in ((theirs, keras), (ours, twoclass)):
        model.layers[-1].bias.assign([-1.5])
        model.compile(**_sgd(lib))
    assert ours.get_weights()[-1].tolist() == [-1.5]
    expected = theirs.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=0).history
    _assert_histories(expected, ours.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=0).history)
    for layer in (ours.layers[0], theirs.layers[0]):
        layer.set_weights([np.full((4, 8), 0.1), np.zeros(8)])
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match=r"assign expects an array of shape \(1,\)"):
        ours.layers[-1].bias.assign([1.0, 2.0])


def test_layers_called_on_data_compute_as_keras(keras):
    """The TensorFlow pandas tutorial prints normalizer(numeric_features.iloc[:3])."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.random.default_rng(2).normal(3, 2, size=(50, 3)), columns=["a", "b", "c"])
    theirs_layer, ours_layer = keras.layers.Normalization(axis=-1), twoclass.layers.Normalization(axis=-1)
    theirs_layer.adapt(np.array(frame))
    ours_layer.adapt(np.array(frame))
    np.testing.assert_allclose(ours_layer(frame.iloc[:3]), np.asarray(theirs_layer(frame.iloc[:3])), atol=1e-5)
    theirs, ours = _twin(keras, _dense_model)
    np.testing.assert_allclose(
        ours.layers[0](frame.iloc[:3, [0, 1, 2, 0]]),
        np.asarray(theirs.layers[0](np.array(frame.iloc[:3, [0, 1, 2, 0]]))),
        atol=1e-5,
    )
    with pytest.raises(TypeError, match="no weights to compute with yet"):
        twoclass.layers.Dense(3)(np.ones((2, 2)))


# ---------------------------------------------------------------------------------------------- legacy HDF5 files
def _trained_pair(keras):
    x, y = _data()

    def build(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(6, activation="relu"),
                lib.layers.BatchNormalization(),
                lib.layers.Dropout(0.1),
                lib.layers.Dense(1, activation="sigmoid"),
            ]
        )

    def compile_kwargs(lib):
        return {"optimizer": lib.optimizers.Adam(0.01), "loss": "binary_crossentropy", "metrics": ["accuracy"]}

    theirs, ours, _, _ = _fit_both(keras, build, compile_kwargs, x=x, y=y, epochs=2, batch_size=50, shuffle=False)
    return x, y, theirs, ours


def test_legacy_h5_model_files_cross_both_ways(keras, tmp_path):
    """model.save('model.h5') / load_model('model.h5') (Machine Learning Mastery's save-and-load tutorial): a file
    twoclass writes Keras 3 reads, and the reverse, with the same predictions and compile settings."""
    x, y, theirs, ours = _trained_pair(keras)
    ours.save(tmp_path / "ours.h5")
    theirs.save(tmp_path / "theirs.h5")
    read_by_keras = keras.models.load_model(tmp_path / "ours.h5")
    read_by_twoclass = twoclass.models.load_model(tmp_path / "theirs.h5")
    np.testing.assert_allclose(read_by_keras.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(read_by_twoclass.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    assert read_by_keras.evaluate(x, y, verbose=0)[1] == pytest.approx(ours.evaluate(x, y, verbose=0)[1], abs=1e-6)
    assert (
        read_by_twoclass.evaluate(x, y, verbose=0, return_dict=True).keys()
        == theirs.evaluate(x, y, verbose=0, return_dict=True).keys()
    )
    assert type(read_by_twoclass.optimizer).__name__ == "Adam"
    assert read_by_twoclass.evaluate(x, y, verbose=0)[0] == pytest.approx(theirs.evaluate(x, y, verbose=0)[0], 1e-5)
    # load_weights of a whole-model .h5, as the check-point tutorial does
    fresh = twoclass.Sequential(
        [
            twoclass.Input((4,)),
            twoclass.layers.Dense(6, activation="relu"),
            twoclass.layers.BatchNormalization(),
            twoclass.layers.Dropout(0.1),
            twoclass.layers.Dense(1, activation="sigmoid"),
        ]
    )
    fresh.load_weights(tmp_path / "theirs.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)


def test_model_checkpoint_writes_legacy_h5_and_refuses_hdf5_as_keras(keras, tmp_path):
    x, y, theirs, ours = _trained_pair(keras)
    with pytest.raises(ValueError, match=r"must end in `?\.keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.hdf5"))
    with pytest.raises(ValueError, match=r"must end in '\.keras'"):
        twoclass.callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.hdf5"))
    ours.fit(x, y, epochs=2, verbose=0, callbacks=[twoclass.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"))])
    np.testing.assert_allclose(
        keras.models.load_model(tmp_path / "best.h5").predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6
    )
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        ours.save_weights(tmp_path / "model.h5")


def test_zero_initialised_logistic_regression_trains_as_keras(keras):
    """A logit of exactly 0 (all weights zero) trains on sigmoid(0) - y = 0.5 - y, as Keras does; JAX's gradient of
    max(z, 0) at the tie is 0, which used to make it 0 - y."""
    x, y = _data(n=120)

    def build(lib):
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")])

    _, _, theirs, ours = _fit_both(
        keras,
        build,
        lambda lib: {"optimizer": lib.optimizers.SGD(0.1), "loss": "binary_crossentropy"},
        x=x,
        y=y,
        epochs=3,
        batch_size=10,
        shuffle=False,
    )
    _assert_histories(theirs, ours)


# ---------------------------------------------------------------------------------------------------------- scikeras
def test_scikeras_cross_val_score_with_a_twoclass_model(keras):
    """Machine Learning Mastery's sonar tutorial: KerasClassifier(model=build_fn) in a Pipeline under
    cross_val_score. A zero-initialised model and shuffle=False make both libraries' folds deterministic."""
    pytest.importorskip("scikeras")
    from scikeras.wrappers import KerasClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 4))
    y = np.where(x[:, 0] + 0.7 * rng.normal(size=150) > 0, "M", "R")
    encoded = (y == "M").astype(int)
    results, probabilities = [], []
    for lib in (keras, twoclass):

        def create_baseline(lib=lib):
            model = lib.Sequential(
                [lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")]
            )
            model.compile(loss="binary_crossentropy", optimizer=lib.optimizers.SGD(0.1), metrics=["accuracy"])
            return model

        classifier = KerasClassifier(model=create_baseline, epochs=4, batch_size=10, verbose=0, shuffle=False)
        pipeline = Pipeline([("standardize", StandardScaler()), ("mlp", classifier)])
        results.append(cross_val_score(pipeline, x, encoded, cv=StratifiedKFold(n_splits=3), error_score="raise"))
        probabilities.append(pipeline.fit(x, encoded).predict_proba(x[:5]))
    np.testing.assert_allclose(results[1], results[0], atol=1e-9)
    np.testing.assert_allclose(probabilities[1], probabilities[0], atol=1e-5)
    model = create_baseline()
    assert model.compiled and len(model.outputs) == 1 and model.outputs[0].shape == (None, 1)


# ---------------------------------------------------------------------------------------------- import tensorflow as tf
def test_twoclass_tf_stands_in_for_tf_keras_and_names_what_tensorflow_only_things_become(keras):
    import twoclass.tf as tf

    assert tf.keras is twoclass
    assert tf.keras.initializers.Constant is twoclass.initializers.Constant
    tf.random.set_seed(3)
    for name, fragment in [
        ("data", "pass NumPy arrays or a pandas DataFrame to fit"),
        ("feature_column", "twoclass.data"),
        ("add_n", "sum(model.losses)"),
        ("summary", "CSVLogger"),
        ("GradientTape", "model.fit"),
        ("whatever", "tf.keras"),
    ]:
        with pytest.raises(AttributeError, match=fragment.replace("(", r"\(").replace(")", r"\)")) as caught:
            getattr(tf, name)
        assert "\n" not in str(caught.value)


def test_a_tf_data_dataset_in_fit_says_what_to_pass(rings):
    class Dataset:  # what fit sees of a tf.data.Dataset: an element_spec
        element_spec = None

    model = twoclass.Sequential([twoclass.Input((2,)), twoclass.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.raises(TypeError, match="tf.data is TensorFlow's input pipeline; pass the arrays"):
        model.fit(Dataset(), epochs=1)
