"""The two seed lessons run end to end and learn what the lessons say they learn."""

import runpy
import sys

import numpy as np

import twoclass
from twoclass import datasets


def slides_code(k, x, y, seed):
    """The slides' program, written once and run with either library (only the module differs)."""
    k.utils.set_random_seed(seed)
    model = k.models.Sequential()
    model.add(k.layers.Dense(4, input_shape=(2,), activation="tanh"))
    model.add(k.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=k.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=20, verbose=0)
    return model


def test_circles_reaches_95_percent_and_matches_keras_within_two_points(keras):
    ours, theirs = [], []
    for seed in range(5):
        x, y = datasets.circles(n=1000, noise=0.08, seed=seed)
        x_test, y_test = datasets.circles(n=1000, noise=0.08, seed=100 + seed)
        ours.append(slides_code(twoclass, x, y, seed).evaluate(x_test, y_test, verbose=0)[1])
        theirs.append(slides_code(keras, x, y, seed).evaluate(x_test, y_test, verbose=0)[1])
    assert np.median(ours) >= 0.95
    assert abs(np.median(ours) - np.median(theirs)) <= 0.02


def test_mean_lesson_reaches_full_accuracy_on_its_tiny_data():
    twoclass.set_random_seed(0)
    x_train, y_train, x_val, y_val = datasets.mean_of_four_lesson()
    model = twoclass.Sequential(
        [
            twoclass.Dense(8, input_dim=4, activation="relu"),
            twoclass.Dense(8, activation="relu"),
            twoclass.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=100, validation_data=(x_val, y_val), verbose=0)
    assert len(history.history["loss"]) == 100
    assert history.history["accuracy"][-1] == 1.0 and history.history["val_accuracy"][-1] == 1.0


def test_mean_lesson_on_ten_thousand_rows():
    twoclass.set_random_seed(0)
    x, y = datasets.mean_of_four(n=12_000, seed=0)
    x = x / 100.0
    model = twoclass.Sequential(
        [
            twoclass.Dense(8, input_dim=4, activation="relu"),
            twoclass.Dense(8, activation="relu"),
            twoclass.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:10_000], y[:10_000], epochs=30, validation_data=(x[10_000:], y[10_000:]), verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.97


def test_demo_command_writes_pictures(tmp_path):
    from typer.testing import CliRunner

    from twoclass.cli import app

    result = CliRunner().invoke(app, ["demo", "circles", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("circles_boundary.png", "circles_learning_curves.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Test accuracy: 0.9" in result.output


def test_demo_rejects_unknown_lesson(tmp_path):
    from typer.testing import CliRunner

    from twoclass.cli import app

    result = CliRunner().invoke(app, ["demo", "moons", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "Unknown lesson 'moons'" in result.output


def test_circles_example_script_runs_unchanged(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["circles.py", str(tmp_path)])
    runpy.run_path(
        str(__import__("pathlib").Path(__file__).parents[2] / "examples" / "circles.py"), run_name="__main__"
    )
    out = capsys.readouterr().out
    accuracy = float(out.split("held-out accuracy: ")[1].split()[0])
    assert accuracy >= 0.95
    assert (tmp_path / "circles_boundary.png").exists()


def test_demo_mean_writes_learning_curves_and_the_learned_probability(tmp_path):
    from typer.testing import CliRunner

    from twoclass.cli import app

    result = CliRunner().invoke(app, ["demo", "mean", "--out", str(tmp_path), "--quiet", "--epochs", "5"])
    assert result.exit_code == 0, result.output
    for name in ("mean_learning_curves.png", "mean_probability.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
