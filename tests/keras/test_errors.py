"""Bad input gets a clear error naming the argument, what was expected and what was received."""

import numpy as np
import pytest

import twoclass
from support import ring_data
from twoclass.layers import Dense
from twoclass.models import Sequential
from twoclass.optimizers import SGD


def compiled(input_dim=2):
    model = Sequential([Dense(4, input_shape=(input_dim,), activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def no_jax_frames(error: BaseException) -> bool:
    tb = error.__traceback__
    while tb is not None:
        if "/jax/" in tb.tb_frame.f_code.co_filename:
            return False
        tb = tb.tb_next
    return True


@pytest.mark.parametrize(
    "x, y, kind, pattern",
    [
        (np.zeros((10, 2)), np.zeros(9), ValueError, r"same number of rows.*10 rows in x and 9 in y"),
        (np.zeros((10, 2)), np.zeros(10), ValueError, r"one class only"),
        (np.zeros((9, 2)), np.array([0, 1, 2] * 3), ValueError, r"labels 0 and 1 only.*3 distinct values"),
        (np.array([[0.0, np.nan]] * 4), np.array([0, 1, 0, 1]), ValueError, r"NaN or infinite.*row 0, column 1"),
        (np.array([[0.0, np.inf]] * 4), np.array([0, 1, 0, 1]), ValueError, r"NaN or infinite"),
        (
            np.array([["a", "b"]] * 4),
            np.array([0, 1, 0, 1]),
            TypeError,
            r"'x' argument of fit must be a 2-D array of numbers",
        ),
        (np.zeros(4), np.array([0, 1, 0, 1]), ValueError, r"must be 2-D.*reshape\(-1, 1\)"),
        (np.zeros((4, 2)), np.array(["cat", "dog", "cat", "dog"]), TypeError, r"0/1 labels.*'cat'"),
    ],
)
def test_bad_training_data(x, y, kind, pattern):
    with pytest.raises(kind, match=pattern) as error:
        compiled().fit(x, y, epochs=1, verbose=0)
    assert no_jax_frames(error.value)


def test_wrong_feature_count_at_predict():
    x, y = ring_data(50)
    model = compiled()
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"must have 2 features.*shape \(5, 3\)"):
        model.predict(np.zeros((5, 3)))


def test_predict_on_a_model_never_built():
    model = Sequential([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match=r"never been built or trained.*fit first"):
        model.predict(np.zeros((5, 2)))


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(epochs=0), r"The 'epochs' parameter of fit must be an int >= 1. Got 0 instead."),
        (dict(epochs=-3), r"The 'epochs' parameter of fit must be an int >= 1. Got -3 instead."),
        (dict(batch_size=0), r"The 'batch_size' parameter of fit must be an int >= 1. Got 0 instead."),
        (dict(validation_split=1.5), r"The 'validation_split' parameter of fit must be a float in the range \[0, 1\)"),
        (
            dict(verbose=5),
            r"The 'verbose' parameter of fit must be one of 0, 1, 2, True, False or 'auto'. Got 5 instead.",
        ),
        (dict(class_weight={0: 1.0, 2: 3.0}), r"'class_weight' parameter of fit must be a dict keyed by the classes"),
    ],
)
def test_bad_fit_parameters(kwargs, pattern):
    x, y = ring_data(50)
    kwargs = {"epochs": 1, "verbose": 0, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        compiled().fit(x, y, **kwargs)


def test_epochs_of_the_wrong_type():
    x, y = ring_data(50)
    with pytest.raises(TypeError, match=r"'epochs' parameter of fit must be an int. Got 2.5"):
        compiled().fit(x, y, epochs=2.5, verbose=0)


@pytest.mark.parametrize(
    "build, pattern",
    [
        (lambda: Dense(4, activation="tanhh"), r"Unknown activation 'tanhh'. Valid names are: .*relu.*tanh"),
        (
            lambda: compiled().compile(optimizer="adamm", loss="binary_crossentropy"),
            r"Unknown optimizer 'adamm'. Valid names are: adagrad, adam, adamw, rmsprop, sgd",
        ),
        (
            lambda: compiled().compile(optimizer="sgd", loss="hinge_loss"),
            r"Unknown loss 'hinge_loss'. Valid names are: .*binary_crossentropy",
        ),
        (
            lambda: compiled().compile(optimizer="sgd", loss="mse", metrics=["acuracy"]),
            r"Unknown metric 'acuracy'. Valid names are: .*accuracy",
        ),
        (lambda: Dense(4, kernel_initializer="glorot"), r"Unknown initializer 'glorot'"),
    ],
)
def test_unknown_names_list_the_valid_ones(build, pattern):
    with pytest.raises(ValueError, match=pattern):
        build()


def test_lr_and_learning_rate_together():
    assert SGD(lr=0.5).learning_rate == 0.5
    assert SGD(learning_rate=0.5).learning_rate == 0.5
    with pytest.raises(ValueError, match=r"both 'lr' and 'learning_rate'.*lr=0.5, learning_rate=0.1"):
        SGD(learning_rate=0.1, lr=0.5)


def test_bad_learning_rate():
    with pytest.raises(
        ValueError, match=r"The 'learning_rate' parameter of Adam must be a float in the range \(0, inf\)"
    ):
        twoclass.optimizers.Adam(learning_rate=-1.0)


def test_output_layer_must_have_one_unit():
    model = Sequential([Dense(2, input_shape=(2,), activation="softmax")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"ends in one unit.*has 2 units.*Dense\(1, activation='sigmoid'\)"):
        model.fit(*ring_data(20), epochs=1, verbose=0)


def test_fit_before_compile():
    model = Sequential([Dense(1, input_shape=(2,), activation="sigmoid")])
    with pytest.raises(RuntimeError, match=r"compile\(\) before fit"):
        model.fit(*ring_data(20), epochs=1, verbose=0)


def test_set_weights_with_wrong_shapes():
    model = compiled()
    model.build()
    with pytest.raises(ValueError, match=r"list of 4 arrays"):
        model.set_weights([np.zeros((2, 4))])
    weights = model.get_weights()
    weights[0] = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"array 0 must have shape \(2, 4\). Received: shape \(3, 4\)"):
        model.set_weights(weights)


def test_set_weights_keeps_its_own_copy():
    model = compiled()
    model.build()
    weights = [np.full(w.shape, 0.5, np.float32) for w in model.get_weights()]
    model.set_weights(weights)
    weights[0][:] = 9.0  # the caller's arrays change afterwards; the model must not
    got = model.get_weights()
    assert np.all(got[0] == 0.5)
