"""twoclass.sweeps: every member of a grid trains as one vmapped program to the weights a plain fit gives it (the
Keras-style model's fit, the estimator's fit with early stopping), hyperparameters are inputs (a new grid compiles
nothing), the top k average in log-odds, and the table, files, picture and command hold what they say."""

import json

import numpy as np
import pandas as pd
import pytest
import typer
from scipy.special import expit, logit
from typer.testing import CliRunner

from twoclass import TwoClassClassifier, inference
from twoclass.cli.sweep import sweep as sweep_command
from twoclass.engine import programs
from twoclass.layers import Dense, Dropout
from twoclass.models import Sequential
from twoclass.optimizers import SGD, Adam
from twoclass.optimizers.schedules import ExponentialDecay
from twoclass.regularizers import L2
from twoclass.sweeps import parse_grid, sweep
from twoclass.sweeps.grid import check_grid, expand

# The sweep's members are the estimator's plain recipe; an estimator with a `recipe` parameter is asked for it.
PLAIN = {"recipe": "plain"} if "recipe" in TwoClassClassifier().get_params() else {}

# One batch size, validation split and member count (8) for the slides' net in several tests: one compiled program.
SHARED = {"batch_size": 32, "validation_split": 0.25}


def _rings(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    inner = np.arange(n) % 2 == 0
    radius = np.where(inner, rng.uniform(0.0, 0.5, n), rng.uniform(0.8, 1.2, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.c_[radius * np.cos(angle), radius * np.sin(angle)].astype(np.float32)
    return x, inner.astype(np.float32)


def _slides_net(seed=None, lr=0.5, l2=None, dropout=None):
    layers = [Dense(4, input_shape=(2,), activation="tanh", kernel_regularizer=None if l2 is None else L2(l2))]
    if dropout is not None:
        layers.append(Dropout(dropout))
    layers.append(Dense(1, activation="sigmoid", kernel_regularizer=None if l2 is None else L2(l2)))
    model = Sequential(layers)
    if seed is not None:
        model.reseed(seed)  # what a member's seed stands for: the model's own seed (weights, shuffling, noise)
    model.compile(optimizer=SGD(learning_rate=lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["x", "y", "z"], n)})
    label = np.where(frame.a + (frame.c == "x") + rng.normal(0, 0.6, n) > 0.5, "yes", "no")
    return frame, label


def _close(a: list[np.ndarray], b: list[np.ndarray], atol: float = 1e-5) -> None:
    assert len(a) == len(b)
    for left, right in zip(a, b):
        np.testing.assert_allclose(left, right, rtol=0, atol=atol)


def test_members_equal_plain_fits_of_the_keras_style_model():
    x, y = _rings(300, seed=0)
    result = sweep(
        _slides_net(l2=0.0, dropout=0.0),
        x,
        y,
        grid={"learning_rate": [0.1, 0.5], "l2": [0.0, 1e-3], "dropout": [0.0, 0.3], "seed": [3, 4]},
        epochs=8,
        batch_size=32,
        validation_split=0.25,
    )
    assert len(result.members) == 16 and result.table["rank"].tolist() != list(range(1, 17))
    for index in (0, 13):  # lr 0.1, no penalty, no dropout, seed 3; lr 0.5, l2 1e-3, dropout 0.3, seed 4
        member = result.members[index]
        alone = _slides_net(seed=member.seed, lr=member.learning_rate, l2=member.l2, dropout=member.dropout)
        history = alone.fit(x, y, epochs=8, batch_size=32, validation_split=0.25, verbose=0)
        _close(result.model(index).get_weights(), alone.get_weights())
        for key, values in history.history.items():
            np.testing.assert_allclose(result.histories[index][key], values, rtol=0, atol=1e-5)
    # the members differ from each other: a grid that trained one model 16 times would pass the check above too
    assert len({round(v, 6) for v in result.table["val_loss"]}) == 16


def test_members_equal_the_estimator_fitted_alone_with_early_stopping():
    frame, label = _table(500, seed=1)
    estimator = TwoClassClassifier(
        hidden_layer_sizes=(8,), epochs=60, patience=3, random_state=7, n_networks=1, batch_size=64, **PLAIN
    )
    result = sweep(estimator, frame, label, grid={"learning_rate": [3e-3, 3e-2], "l2": [0, 1e-3], "dropout": [0, 0.2]})
    assert result.kind == "estimator" and result.monitor == "val_loss"
    assert result.table["epochs_run"].min() < 60  # early stopping ended some members
    for settings in (
        {"learning_rate": 3e-2, "l2": 0.0, "dropout": 0.0},
        {"learning_rate": 3e-2, "l2": 1e-3, "dropout": 0.2},
    ):
        index = next(
            i for i, m in enumerate(result.members) if (m.learning_rate, m.l2, m.dropout) == tuple(settings.values())
        )
        alone = TwoClassClassifier(
            hidden_layer_sizes=(8,),
            epochs=60,
            patience=3,
            random_state=7,
            n_networks=1,
            batch_size=64,
            **PLAIN,
            **settings,
        ).fit(frame, label)
        member = result.model(index)
        _close(member.model_.get_weights(), alone.model_.get_weights())
        assert member.best_epoch_ == alone.best_epoch_
        assert len(member.history_["loss"]) == len(alone.history_["loss"])
        np.testing.assert_allclose(member.predict_proba(frame), alone.predict_proba(frame), atol=1e-5)
        assert member.threshold_.value == pytest.approx(alone.threshold_.value, abs=1e-5)


def test_hyperparameters_are_inputs_a_new_grid_compiles_nothing():
    x, y = _rings(300, seed=2)
    sweep(_slides_net(), x, y, grid={"learning_rate": [0.1, 0.2], "seed": 4}, epochs=3, **SHARED)
    before = programs.trace_count("sweep")
    result = sweep(
        _slides_net(), x, y, grid={"learning_rate": [0.05, 0.9], "seed": [11, 12, 13, 14]}, epochs=3, **SHARED
    )
    assert programs.trace_count("sweep") == before
    assert result.table["seed"].tolist() == [11, 12, 13, 14, 11, 12, 13, 14]


def test_top_k_averages_log_odds_and_saves_an_ordinary_model_directory(tmp_path):
    x, y = _rings(300, seed=3)
    result = sweep(
        _slides_net(),
        x,
        y,
        grid={"learning_rate": [0.2, 0.5], "seed": 4},
        epochs=6,
        **SHARED,
    )
    top = result.ranking()[:3]
    members = np.stack([result.model(i).predict(x, verbose=0)[:, 0] for i in top])
    expected = expit(np.mean(logit(np.clip(members, 1e-12, 1 - 1e-12)), axis=0))
    merged = result.best_model(top_k=3)
    np.testing.assert_allclose(merged.predict(x, verbose=0)[:, 0], expected, atol=1e-5)
    path = result.save(tmp_path / "best", top_k=3)
    np.testing.assert_allclose(inference.load(path).predict_proba(x)[:, 1], expected, atol=1e-5)


def test_table_files_and_picture(tmp_path):
    x, y = _rings(300, seed=4)
    result = sweep(
        _slides_net(),
        x,
        y,
        grid="lr=0.1,0.5 seeds=4",
        epochs=5,
        monitor="val_accuracy",
        **SHARED,
    )
    table = pd.read_csv(result.to_csv(tmp_path / "sweep.csv"))
    assert table["rank"].tolist() == list(range(1, 9))
    assert table["val_accuracy"].is_monotonic_decreasing  # accuracy: higher is better
    document = json.loads(open(result.to_json(tmp_path / "sweep.json")).read())
    assert len(document["members"]) == 8 and len(document["histories"][0]["loss"]) == 5
    figure = result.plot_curves(best=2)
    assert len(figure.axes[0].get_legend().get_texts()) == 2


def test_a_diverging_member_stops_alone():
    x, y = _rings(200, seed=5)
    model = Sequential([Dense(16, input_shape=(2,), activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="binary_crossentropy")
    result = sweep(model, x * 1e4, y, grid={"learning_rate": [1e-6, 1e6]}, epochs=4, batch_size=32)
    assert result.table["diverged"].tolist() == [False, True]
    assert all(np.isfinite(w).all() for w in result.model(1).get_weights())  # the last finite weights
    assert result.ranking()[0] == 0


def test_grid_parsing_and_bad_grids_get_messages_that_name_them():
    assert parse_grid("learning_rate=1e-3,1e-2 seeds=4 hidden_layer_sizes=64-32,16") == {
        "learning_rate": [0.001, 0.01],
        "seed": 4,
        "hidden_layer_sizes": [(64, 32), (16,)],
    }
    assert len(expand(check_grid({"lr": [0.1, 0.2], "seeds": 3, "l2": [0, 0]}, base_seed=5))) == 6
    with pytest.raises(ValueError, match=r"cannot sweep 'momentum'; it sweeps learning_rate, l2, dropout"):
        check_grid({"momentum": [0.9]})
    with pytest.raises(ValueError, match=r"'grid\['learning_rate'\]' parameter of sweep must be a non-empty list"):
        check_grid({"learning_rate": [0.1, -1]})
    with pytest.raises(ValueError, match=r"'grid\['dropout'\]'.*range \[0, 1\)\. Got \[1\.0\]"):
        check_grid({"dropout": [1.0]})
    with pytest.raises(ValueError, match="has 5,000 members; at most 4,096"):
        check_grid({"learning_rate": [0.1, 0.2, 0.3, 0.4, 0.5], "seed": 1000})
    with pytest.raises(ValueError, match="must look like key=value1,value2"):
        parse_grid("learning_rate")
    x, y = _rings(100, seed=6)
    with pytest.raises(ValueError, match="no Dense layer of the model has a kernel_regularizer"):
        sweep(_slides_net(), x, y, grid={"l2": [0, 1e-3]})
    with pytest.raises(ValueError, match="the model has no Dropout layer"):
        sweep(_slides_net(), x, y, grid={"dropout": [0.1]})
    with pytest.raises(ValueError, match="only a TwoClassClassifier can"):
        sweep(_slides_net(), x, y, grid={"hidden_layer_sizes": [(4,), (8,)]})
    scheduled = Sequential([Dense(1, input_shape=(2,), activation="sigmoid")])
    scheduled.compile(optimizer=Adam(ExponentialDecay(0.1, 10, 0.9)), loss="binary_crossentropy")
    with pytest.raises(ValueError, match="follows a LearningRateSchedule"):
        sweep(scheduled, x, y, grid={"learning_rate": [0.1, 0.2]})
    with pytest.raises(ValueError, match=r"'monitor' parameter of sweep must be one of the logged figures"):
        sweep(_slides_net(), x, y, grid={"seed": 2}, monitor="val_auc")
    with pytest.raises(ValueError, match="'model_or_estimator' parameter of sweep must be a compiled twoclass"):
        sweep("model", x, y, grid={"seed": 2})


def test_command_writes_table_curves_and_a_model_directory(tmp_path):
    app = typer.Typer()
    app.command()(sweep_command)

    @app.callback()
    def main() -> None:  # a group, as on the main app: the command is then called by name
        pass

    frame, label = _table(400, seed=8)
    frame.assign(label=label).to_csv(tmp_path / "rows.csv", index=False)
    grid = "learning_rate=3e-3,3e-2 hidden_layer_sizes=8,16-8 seeds=2"
    args = ["sweep", str(tmp_path / "rows.csv"), "--target", "label", "--grid", grid, "--epochs", "15"]
    done = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--top-k", "2"])
    assert done.exit_code == 0, done.output
    assert "Saved the top 2 members averaged" in done.output
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert len(table) == 8 and set(table["hidden_layer_sizes"]) == {"8", "16-8"}
    assert (tmp_path / "out" / "curves.png").stat().st_size > 10_000
    predictor = inference.load(tmp_path / "out" / "model")
    assert predictor.predict(frame.head(5)).tolist()[0] in ("yes", "no")
    bad = CliRunner().invoke(app, [*args[:5], "momentum=0.9", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "Error: The grid of sweep cannot sweep 'momentum'" in bad.output
