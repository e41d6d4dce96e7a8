"""Settings, Playground links, uploads and the pictures' NumPy forward pass, against independent references.

The Playground's semantics come from its source (tensorflow/playground src/state.ts): the expected values below
are what its `State.deserializeState` gives for the same hash, written out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from twoclass.web import network
from twoclass.web.data import UploadError, feature_matrix, make_points, parse_csv
from twoclass.web.links import from_url, to_url
from twoclass.web.settings import Settings, SettingsError, seed_number, validate_changes

# A link as playground.tensorflow.org writes it (State.serialize: every property, in PROPS order).
PLAYGROUND_LINK = (
    "#activation=relu&batchSize=20&dataset=xor&regDataset=reg-plane&learningRate=0.1&"
    "regularizationRate=0.003&noise=15&networkShape=5,3,2&seed=0.71582&showTestData=true&"
    "discretize=true&percTrainData=70&x=true&y=false&xTimesY=true&xSquared=false&ySquared=true&"
    "cosX=false&sinX=true&cosY=false&sinY=false&collectStats=false&problem=classification&"
    "initZero=false&hideText=false&regularization=L2"
)


def test_a_playground_link_opens_with_its_setup():
    settings, notices = from_url(PLAYGROUND_LINK)
    assert notices == []
    assert settings.activation == "relu" and settings.layerActivations == ("relu", "relu", "relu")
    assert settings.batchSize == 20 and settings.dataset == "xor"
    assert settings.learningRate == 0.1 and settings.regularization == "L2" and settings.regularizationRate == 0.003
    assert settings.noise == 15 and settings.percTrainData == 70 and settings.seed == "0.71582"
    assert settings.networkShape == (5, 3, 2)
    assert settings.showTestData is True and settings.discretize is True
    assert settings.features == ("x", "ySquared", "xTimesY", "sinX")  # in the Playground's INPUTS order
    assert settings.loss == "mse" and settings.optimizer == "sgd"  # what the Playground trains with


def test_an_empty_link_gives_the_playgrounds_defaults():
    settings, notices = from_url("")
    assert notices == []
    assert (
        settings.dataset,
        settings.activation,
        settings.networkShape,
        settings.learningRate,
        settings.batchSize,
        settings.percTrainData,
        settings.noise,
        settings.regularization,
        settings.regularizationRate,
        settings.features,
        settings.showTestData,
        settings.discretize,
    ) == ("circle", "tanh", (4, 2), 0.03, 10, 50, 0, "none", 0, ("x", "y"), False, False)
    assert settings.seed.isdigit()  # a random seed when the link has none, as the Playground picks one


def test_playground_reading_rules():
    # Any value but "false" is true; blank keeps the default; an empty networkShape is no hidden layer.
    settings, _ = from_url("x=0&y=false&sinY=yes&showTestData=&networkShape=&seed=7")
    assert settings.features == ("x", "sinY") and settings.showTestData is False
    assert settings.networkShape == () and settings.layerActivations == () and settings.seed == "7"
    settings, _ = from_url("#learningRate=0.3&noise=35")  # numbers as typed, noise in percent
    assert settings.learningRate == 0.3 and settings.noise == 35.0


def test_bad_link_values_keep_defaults_and_say_so():
    settings, notices = from_url(
        "activation=swish&dataset=reg-plane&learningRate=abc&problem=regression&"
        "networkShape=4,12,2,2,2,2,2,2&noise=70&layerActivations=tanh"
    )
    assert settings.activation == "tanh" and settings.dataset == "circle" and settings.learningRate == 0.03
    assert settings.networkShape == (4, 8, 2, 2, 2, 2) and settings.noise == 50
    text = " ".join(notices)
    for fragment in (
        "activation='swish'",
        "dataset='reg-plane'",
        "learningRate='abc'",
        "regression",
        "12 neurons became 8",
        "first 6 of 8",
        "noise=70",
        "layerActivations",
    ):
        assert fragment in text


def test_our_keys_round_trip_through_the_url():
    settings = Settings(
        dataset="circles",
        noise=8.0,
        percTrainData=80,
        batchSize=32,
        learningRate=0.5,
        activation="tanh",
        layerActivations=("relu", "tanh"),
        networkShape=(3, 2),
        regularization="L1",
        regularizationRate=0.01,
        features=("x", "y", "sinY"),
        seed="0.5",
        showTestData=True,
        discretize=True,
        loss="bce",
        optimizer="adam",
        dropout=0.2,
        threshold=0.3,
        stopEpoch=20,
        stopLoss=0.05,
        speed="fast",
    )
    text = to_url(settings)
    assert from_url(text) == (settings, [])
    assert "data=circles" in text and "dataset=circle&" in text  # the Playground's key keeps a value it knows
    assert from_url(to_url(Settings(seed="9"))) == (Settings(seed="9"), [])


def test_a_link_cannot_carry_uploaded_data():
    settings, notices = from_url("data=upload&seed=1")
    assert settings.dataset == "circle" and "upload the CSV file again" in notices[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"learningRate": -1}, "The 'learningRate' setting must be a number in the range (0, 10]. Got -1 instead."),
        ({"batchSize": 2.5}, "The 'batchSize' setting must be an int in the range [1, 256]. Got 2.5 instead."),
        (
            {"networkShape": [4, 9]},
            "The 'networkShape' setting must be a list of at most 6 hidden layer sizes, each an "
            "int in the range [1, 8]. Got [4, 9] instead.",
        ),
        ({"networkShape": [1] * 7}, "at most 6 hidden layer sizes"),
        ({"features": []}, "The 'features' setting must be a non-empty list of input features"),
        (
            {"activation": "swish"},
            "The 'activation' setting must be one of 'tanh', 'relu', 'sigmoid', 'linear'. Got 'swish' instead.",
        ),
        ({"showTestData": "yes"}, "The 'showTestData' setting must be true or false. Got 'yes' instead."),
        ({"layerActivations": ["relu"]}, "The 'layerActivations' setting must be a list of 2 activations"),
        ({"speed": 3}, "The 'speed' setting must be one of"),
        ({"colour": 1}, "Unknown setting 'colour'"),
    ],
)
def test_bad_settings_are_named_with_what_was_expected(changes, message):
    with pytest.raises(SettingsError) as error:
        validate_changes(Settings(), changes)
    assert message in str(error.value)


def test_a_new_global_activation_sets_every_layer_and_new_layers_take_it():
    settings = validate_changes(Settings(), {"layerActivations": ["relu", "sigmoid"]})
    assert settings.layerActivations == ("relu", "sigmoid")
    assert validate_changes(settings, {"networkShape": [4, 2, 3]}).layerActivations == ("relu", "sigmoid", "tanh")
    assert validate_changes(settings, {"activation": "linear"}).layerActivations == ("linear", "linear")


def test_string_seeds_are_stable_numbers():
    assert seed_number("12") == 12
    assert seed_number("0.71582") == seed_number(" 0.71582 ") != seed_number("0.71583")
    assert 0 <= seed_number("x" * 40) < 2**31


def test_points_follow_the_datasets_module_and_split_like_the_playground():
    from twoclass import datasets

    pointset = make_points(Settings(dataset="spiral", noise=20, percTrainData=70, seed="5"))
    x, y = datasets.spiral(n=500, noise=0.2, seed=5)
    np.testing.assert_array_equal(pointset.points, x)
    np.testing.assert_array_equal(pointset.labels, y)
    assert pointset.n_train == 350 and pointset.domain == (-6.0, 6.0)
    circles = make_points(Settings(dataset="circles", noise=8, seed="0"))
    np.testing.assert_array_equal(circles.points, datasets.circles(n=1000, noise=0.08, seed=0)[0])


def test_features_are_the_playgrounds():
    points = np.array([[0.5, -2.0], [3.0, 1.0]], np.float32)
    got = feature_matrix(points, ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY"))
    a, b = points[:, 0].astype(float), points[:, 1].astype(float)
    want = np.column_stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)])
    np.testing.assert_allclose(got, want, rtol=1e-6)


# ---------------------------------------------------------------------------------------------------- uploads


def test_a_csv_with_two_numeric_columns_and_a_target_becomes_points():
    rows = "\n".join(f"{i / 10},{(i % 7) / 3},{'spam' if i % 3 else 'ham'}" for i in range(30))
    upload = parse_csv(f"u,v,kind\n{rows}\n".encode(), "mine.csv")
    assert upload.columns == ("u", "v") and upload.target == "kind"
    assert upload.positive == "spam" and upload.negative == "ham"  # the later of two texts is label 1
    assert upload.points.shape == (30, 2) and upload.labels.sum() == 20
    named = parse_csv(b"label,a,b\n" + b"".join(b"%d,%d,%d\n" % (i % 2, i, i * 2) for i in range(12)), "n.csv")
    assert named.target == "label" and named.columns == ("a", "b") and named.positive == 1


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"a,b,c\n1,2,0\n", "x.xlsx", "must be a CSV file (.csv). Got 'x.xlsx' instead."),
        (b"", "x.csv", "is empty"),
        (b"\xff\xfe\x00a", "x.csv", "is not UTF-8 text"),
        (b"a,b\n" + b"1,0\n" * 12, "x.csv", "must have 3 columns (x1, x2 and a two-class target). Got 2 columns"),
        (b"a,b,y\n" + b"1,2,0\n" * 5, "x.csv", "must have at least 10 rows. Got 5 instead."),
        (
            b"a,b,y\n" + b"1,2,0\n1,2,1\n" * 5 + b"1,oops,1\n",
            "x.csv",
            "Column 'b' must hold finite numbers. Got 'oops' in data row 11 instead.",
        ),
        (b"a,b,y\n" + b"1,inf,0\n1,2,1\n" * 5, "x.csv", "Column 'b' must hold finite numbers. Got inf in data row 1"),
        (b"a,b,y\n" + b"1,2,0\n1,2,1\n1,2,2\n" * 4, "x.csv", "Target column 'y' must have exactly two classes. Got 3"),
        (b"a,b,y\n" + b"1,2,0\n" * 11 + b"1,2,1\n", "x.csv", "needs at least 2 rows of each class"),
        (
            b"a,b,y\n" + b"1,2,0\n1,2,1\n" * 5 + b"1,2,\n",
            "x.csv",
            "Target column 'y' has a missing value in data row 11",
        ),
    ],
)
def test_bad_uploads_say_what_to_change(content, filename, message):
    with pytest.raises(UploadError) as error:
        parse_csv(content, filename)
    assert message in str(error.value)


def test_too_many_rows_are_refused():
    from twoclass.web.data import MAX_UPLOAD_ROWS

    rows = b"".join(b"%d,%d,%d\n" % (i, i, i % 2) for i in range(MAX_UPLOAD_ROWS + 1))
    with pytest.raises(UploadError, match=f"at most {MAX_UPLOAD_ROWS} rows"):
        parse_csv(b"a,b,y\n" + rows, "big.csv")


# ---------------------------------------------------------------------------------------------------- pictures


# The networks of test_web_api's code-reproduction test: the same structures share compiled programs across tests.
NETWORKS = [
    "seed=1",
    "seed=0.25&dataset=spiral&noise=10&networkShape=6,3&activation=relu&x=true&y=true&sinX=true&sinY=true&"
    "regularization=L2&regularizationRate=0.003&optimizer=adam&learningRate=0.01&loss=bce&dropout=0.1&batchSize=16",
    "seed=4&regularization=L1&regularizationRate=0.001&networkShape=&xSquared=true&ySquared=true",
]


@pytest.mark.parametrize("link", NETWORKS)
def test_the_numpy_forward_pass_matches_the_engine(link):
    """The pictures and the page's losses come from NumPy; the engine (predict, evaluate) is the reference."""
    settings = from_url(link)[0]
    model = network.build_model(settings)
    pointset = make_points(settings)
    x, y = feature_matrix(pointset.points, settings.features), pointset.labels
    model.fit(x, y, batch_size=settings.batchSize, epochs=3, verbose=0)
    layers = network.dense_weights(model.get_weights())
    logits, probability, _ = network.forward(settings, layers, x)
    np.testing.assert_allclose(probability, model.predict(x, verbose=0)[:, 0], rtol=1e-4, atol=1e-5)
    loss, _ = model.evaluate(x, y, verbose=0)
    assert network.losses(settings, logits, y, layers) == pytest.approx(loss, rel=1e-4, abs=1e-6)


def test_the_surface_is_the_output_over_the_square():
    settings = Settings(seed="2")
    model = network.build_model(settings)
    layers = network.dense_weights(model.get_weights())
    maps = network.surface(settings, layers, (-6.0, 6.0))
    assert len(maps.output) == network.OUTPUT_DENSITY**2
    assert [len(layer) for layer in maps.nodes] == [4, 2, 1]
    grid = network.grid_points((-6.0, 6.0), network.OUTPUT_DENSITY)
    np.testing.assert_allclose(grid[0], [-5.94, 5.94])  # top left first, rows from the top
    expected = model.predict(grid.astype(np.float32), verbose=0)[:, 0]
    got = np.frombuffer(maps.output, np.uint8) / 255.0
    assert np.abs(got - expected).max() <= 0.5 / 255 + 1e-4


@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid", "linear"])
def test_the_pictures_activations_are_the_engines(name):
    from twoclass import activations

    z = np.linspace(-40, 40, 801)
    np.testing.assert_allclose(
        network._ACTIVATIONS[name](z), np.asarray(getattr(activations, name)(z)), rtol=1e-5, atol=1e-7
    )


def test_every_setting_is_data_structure_or_live():
    """A new setting must say what changing it does: new points, a new network, or nothing but the new value."""
    from twoclass.web.settings import DATA_KEYS, LIVE_KEYS, STRUCTURE_KEYS

    assert DATA_KEYS | STRUCTURE_KEYS | LIVE_KEYS == set(Settings().as_dict())
    assert not (DATA_KEYS & STRUCTURE_KEYS or DATA_KEYS & LIVE_KEYS or STRUCTURE_KEYS & LIVE_KEYS)
