"""`twoclass demo`: the two seed lessons, trained with per-epoch output, with pictures of what was learned."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np


class DemoResult(NamedTuple):
    history: dict
    test_accuracy: float
    pictures: list[Path]


def circles(out: Path, *, epochs: int = 20, verbose: int = 1, seed: int = 0) -> DemoResult:
    """The slides: a 2-4-1 tanh network, SGD with learning rate 0.5, 20 epochs, on red and blue circles."""
    from twoclass import datasets, plots
    from twoclass.layers import Dense
    from twoclass.models import Sequential
    from twoclass.optimizers import SGD
    from twoclass.utils import set_random_seed

    set_random_seed(seed)
    x, y = datasets.circles(n=1000, noise=0.08, seed=seed)
    x_test, y_test = datasets.circles(n=1000, noise=0.08, seed=seed + 1)
    model = Sequential()
    model.add(Dense(4, input_shape=(2,), activation="tanh"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer=SGD(lr=0.5), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, validation_data=(x_test, y_test), verbose=verbose)
    accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
    boundary = plots.decision_boundary(
        lambda points: model.predict(points, verbose=0),
        x,
        y,
        labels=("blue (0)", "red (1)"),
        title=f"2-4-1 tanh network after {epochs} epochs: test accuracy {accuracy:.3f}",
    )
    curves = plots.learning_curves(history.history, title="Learning curves (circles)")
    pictures = [
        plots.save_figure(boundary, out / "circles_boundary.png"),
        plots.save_figure(curves, out / "circles_learning_curves.png"),
    ]
    return DemoResult(history.history, accuracy, pictures)


def mean(out: Path, *, epochs: int = 100, verbose: int = 1, seed: int = 0) -> DemoResult:
    """The Keras lesson: is the mean of four numbers low (< 50) or high? 10,000 rows, 100 epochs."""
    from twoclass import datasets, plots
    from twoclass.layers import Dense
    from twoclass.models import Sequential
    from twoclass.utils import set_random_seed

    set_random_seed(seed)
    x, y = datasets.mean_of_four(n=12_000, seed=seed)
    x = x / 100.0
    model = Sequential()
    model.add(Dense(8, input_dim=4, activation="relu"))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x[:10_000], y[:10_000], epochs=epochs, validation_data=(x[10_000:], y[10_000:]), verbose=verbose
    )
    accuracy = float(model.evaluate(x[10_000:], y[10_000:], verbose=0)[1])
    curves = plots.learning_curves(history.history, title="Learning curves (mean of four: low or high)")
    # What the network learned, seen along the one direction that matters: four equal numbers from 0 to 100.
    means = np.linspace(0.0, 100.0, 201, dtype=np.float32)
    probabilities = model.predict(np.repeat(means[:, None] / 100.0, 4, axis=1), verbose=0)[:, 0]
    figure = plots.probability_along(
        means,
        probabilities,
        xlabel="the four numbers (all equal to this value)",
        boundary=50.0,
        title="P(high) learned by the lesson's network",
    )
    pictures = [
        plots.save_figure(curves, out / "mean_learning_curves.png"),
        plots.save_figure(figure, out / "mean_probability.png"),
    ]
    return DemoResult(history.history, accuracy, pictures)


DEMOS = {"circles": circles, "mean": mean}
