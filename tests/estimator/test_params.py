"""The estimator's parameters are declared once (estimator/params.py's PARAMETERS): the signature, the checks and
the messages all come from that table."""

from __future__ import annotations

import inspect

import pytest

from twoclass import TwoClassClassifier
from twoclass.estimator.params import DEFAULTS, PARAMETERS, check_params

# A value each parameter must refuse (positive accepts any label: its check is against the data, in fit).
BAD = {
    "hidden_layer_sizes": (8, 0),
    "activation": "swoosh",
    "optimizer": "adamax",
    "learning_rate": 0.0,
    "epochs": 0,
    "batch_size": -1,
    "early_stopping": "yes",
    "patience": -1,
    "validation_fraction": 0.9,
    "class_weight": "equal",
    "threshold": "accuracy",
    "calibration": "isotonic",
    "dropout": 1.0,
    "l2": -1e-4,
    "column_types": {"age": "date"},
    "text_columns": [1, 2],
    "random_state": -5,
    "verbose": 3,
    "n_networks": 0,
    "recipe": "fancy",
}


def test_the_signature_is_the_table():
    signature = inspect.signature(TwoClassClassifier).parameters
    assert list(signature) == [p.name for p in PARAMETERS]
    assert {name: p.default for name, p in signature.items()} == DEFAULTS
    assert TwoClassClassifier().get_params() == DEFAULTS


def test_defaults_pass_their_own_checks():
    settings = check_params(DEFAULTS)
    assert settings.hidden_layer_sizes == (64, 32) and settings.seed is None and settings.n_networks == "auto"


@pytest.mark.parametrize("name", [p.name for p in PARAMETERS if p.name != "positive"])
def test_every_parameter_refuses_a_bad_value_naming_itself(name):
    assert name in BAD, f"add a bad value for the new parameter {name!r}"
    with pytest.raises((ValueError, TypeError)) as caught:
        TwoClassClassifier(**{name: BAD[name]}).fit([[0.0], [1.0], [0.0], [1.0]], [0, 1, 0, 1])
    message = str(caught.value)
    assert f"'{name}' parameter of TwoClassClassifier" in message
    assert "Got" in message


@pytest.mark.parametrize("parameter", [p for p in PARAMETERS if p.cli is not None], ids=lambda p: p.name)
def test_the_command_line_takes_each_parameter_from_the_table(parameter, tmp_path):
    """`twoclass train` has one option per table parameter with a CliOption, with the table's help; a value the
    parameter's check refuses stops the command with one line naming the flag (before any file is read)."""
    from typer.testing import CliRunner

    from twoclass.cli import app

    runner = CliRunner()
    help_text = " ".join(runner.invoke(app, ["train", "--help"], terminal_width=200).stdout.split())
    assert parameter.cli.flag in help_text
    assert " ".join(parameter.help.split())[:40] in help_text
    bad = {"early_stopping": "maybe", "hidden_layer_sizes": "8,0", "n_networks": "0", "random_state": "-1"}.get(
        parameter.name, "x" if parameter.cli.parse.__name__ in ("_text_int", "_text_float") else "wrong"
    )
    result = runner.invoke(
        app,
        ["train", str(tmp_path / "absent.csv"), "--target", "t", "--out", str(tmp_path / "m"), parameter.cli.flag, bad],
    )
    assert result.exit_code == 2
    assert f"{parameter.cli.flag} must be {parameter.expected}. Got {bad!r} instead." in result.stderr
