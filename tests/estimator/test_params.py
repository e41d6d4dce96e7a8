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
