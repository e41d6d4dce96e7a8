"""TwoClassClassifier's parameters, declared once as a table: name, default, what is expected, help, the check.

scikit-learn stores constructor arguments untouched (get_params/clone rely on it), so nothing is checked in
__init__; `check_params` runs in fit, goes through `PARAMETERS` and raises the project's standard message for the
first bad one. The command line (`twoclass train --help`), the documentation and the tests read the same table, and
a test holds the estimator's signature to it (as scikit-learn's `_parameter_constraints` sit beside `__init__`).

The checks of each kind of value are in `checks`, the reading of command-line text in `command_line`, and the
network(s) built from the checked settings in `networks`; their names stay importable from here.

Example:
    >>> check_params({**DEFAULTS, "epochs": 50}).epochs
    50
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, make_dataclass
from typing import Any

from twoclass.core.validation import check_bool, check_choice
from twoclass.estimator.checks import (
    OWNER,
    _auto_or_int,
    _class_weight,
    _column_types,
    _float,
    _hidden,
    _int,
    _lowercase_choice,
    _n_networks,
    _optional_choice,
    _seed,
    _text_columns,
    _threshold,
    _verbose,
)
from twoclass.estimator.command_line import (
    CliOption,
    _text_auto_int,
    _text_bool,
    _text_float,
    _text_int,
    _text_networks,
    _text_optional_word,
    _text_sizes,
    _text_threshold,
    _text_word,
)

# Re-exported: training, the recipe, sweeps and streaming import these from here.
from twoclass.estimator.networks import AUTO_ENSEMBLE_ROWS as AUTO_ENSEMBLE_ROWS
from twoclass.estimator.networks import AUTO_ENSEMBLE_SIZE as AUTO_ENSEMBLE_SIZE
from twoclass.estimator.networks import AUTO_ENSEMBLE_VALUES as AUTO_ENSEMBLE_VALUES
from twoclass.estimator.networks import build_network as build_network
from twoclass.estimator.networks import compile_network as compile_network
from twoclass.estimator.networks import networks_for as networks_for

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
ACTIVATIONS = ("relu", "tanh", "elu", "selu", "gelu", "swish", "silu", "leaky_relu", "sigmoid", "softplus", "linear")
CALIBRATIONS = ("platt", "temperature")
RECIPES = ("auto", "plain")
PLAIN_EPOCHS, PLAIN_BATCH_SIZE = 200, 64  # what epochs and batch_size 'auto' mean for recipe='plain'


@dataclass(frozen=True)
class Parameter:
    """One constructor parameter of TwoClassClassifier."""

    name: str
    default: Any
    expected: str  # what the error message says it must be
    help: str
    check: Callable[[Any], Any]  # the value as given -> the checked value (raises the standard message)
    setting: str = ""  # its field in Settings when it differs from `name`
    cli: CliOption | None = None  # None: not an option of `twoclass train` (set there in another way)

    @property
    def field(self) -> str:
        return self.setting or self.name


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "hidden_layer_sizes",
        (64, 32),
        "a tuple of ints >= 1",
        "Units of each hidden layer; () for none.",
        _hidden,
        cli=CliOption("--hidden", "SIZES", _text_sizes),
    ),
    Parameter(
        "activation",
        "relu",
        f"one of {', '.join(ACTIVATIONS)}",
        "Activation of the hidden layers.",
        _lowercase_choice("activation", ACTIVATIONS),
        cli=CliOption("--activation", "NAME", _text_word),
    ),
    Parameter(
        "optimizer",
        "adam",
        f"one of {', '.join(OPTIMIZERS)}",
        "The update rule.",
        _lowercase_choice("optimizer", OPTIMIZERS),
        cli=CliOption("--optimizer", "NAME", _text_word),
    ),
    Parameter(
        "learning_rate",
        1e-3,
        "a float > 0",
        "Step size of the optimizer.",
        _float("learning_rate", minimum=0.0, include_minimum=False),
        cli=CliOption("--learning-rate", "RATE", _text_float),
    ),
    Parameter(
        "epochs",
        "auto",
        "auto or an int >= 1",
        "Epochs: a number, or auto (recipe auto: from a compute budget, rows x epochs x networks; plain: at most "
        "200, early stopping usually ends sooner).",
        _auto_or_int("epochs"),
        cli=CliOption("--epochs", "N", _text_auto_int),
    ),
    Parameter(
        "batch_size",
        "auto",
        "auto or an int >= 1",
        "Rows per minibatch: a number, or auto (recipe auto: 32 to 256 by table size; plain: 64).",
        _auto_or_int("batch_size"),
        cli=CliOption("--batch-size", "N", _text_auto_int),
    ),
    Parameter(
        "early_stopping",
        True,
        "true or false",
        "Stop when the validation loss stops improving, and keep the best epoch.",
        lambda value: check_bool(value, "early_stopping", OWNER),
        cli=CliOption("--early-stopping", "BOOL", _text_bool),
    ),
    Parameter(
        "patience",
        15,
        "an int >= 0",
        "Epochs without improvement before stopping.",
        _int("patience", 0),
        cli=CliOption("--patience", "N", _text_int),
    ),
    Parameter(
        "validation_fraction",
        0.15,
        "a float in (0, 0.5]",
        "Share of rows held out (stratified) for early stopping, the threshold and calibration.",
        _float("validation_fraction", minimum=0.0, maximum=0.5, include_minimum=False),
        cli=CliOption("--validation-fraction", "SHARE", _text_float),
    ),
    Parameter(
        "class_weight",
        None,
        "'balanced', a dict {label: weight} or None",
        "Weigh the classes: 'balanced' weighs the rarer class up.",
        _class_weight,
        cli=CliOption("--class-weight", "balanced", _text_optional_word, default="none"),
    ),
    Parameter(
        "threshold",
        "f1",
        "f1, youden, recall>=R, precision>=P, a number in (0, 1) or none",
        "How the decision threshold is chosen on validation rows: f1, youden, recall>=0.9, precision>=0.8, "
        "a number such as 0.5 (given), or none (0.5).",
        _threshold,
        cli=CliOption("--threshold", "OBJECTIVE", _text_threshold),
    ),
    Parameter(
        "calibration",
        None,
        "platt, temperature or none",
        "Calibrate probabilities on validation logits.",
        _optional_choice("calibration", CALIBRATIONS),
        cli=CliOption("--calibration", "KIND", _text_optional_word, default="none"),
    ),
    Parameter(
        "dropout",
        0.0,
        "a float in [0, 1)",
        "Dropout rate after each hidden layer.",
        _float("dropout", minimum=0.0, maximum=1.0, include_maximum=False),
        cli=CliOption("--dropout", "RATE", _text_float),
    ),
    Parameter(
        "l2",
        1e-4,
        "a float >= 0",
        "L2 penalty on the kernels.",
        _float("l2", minimum=0.0),
        cli=CliOption("--l2", "STRENGTH", _text_float),
    ),
    # positive, column_types and text_columns are typed on the command line as --positive, --text, --categorical,
    # --numeric and --drop, which also check the file's columns; verbose is --quiet.
    Parameter(
        "positive",
        None,
        "one of the two labels or None",
        "The positive label; without it 0/1, no/yes, ... are read as meant.",
        lambda value: value,
    ),
    Parameter(
        "column_types",
        None,
        "a dict {column: kind} or None",
        "Override the inferred kind of DataFrame columns (numeric, categorical, text, drop).",
        lambda value: value,  # checked with text_columns in check_params
    ),
    Parameter("text_columns", (), "a tuple of column names", "Columns to read as free text (TF-IDF).", _text_columns),
    Parameter(
        "random_state",
        None,
        "an int in [0, 2**32 - 1], a RandomState or None",
        "Seed of the split, the initial weights, the epoch orders and dropout (same seed, same model).",
        _seed,
        setting="seed",
        cli=CliOption("--seed", "N", _text_int, default="0"),
    ),
    Parameter("verbose", 0, "one of 0, 1, 2", "Print progress while training.", _verbose),
    Parameter(
        "n_networks",
        "auto",
        "auto or an int >= 1",
        "Networks whose log-odds are averaged: a number, or auto (recipe auto: up to 8, trained together, from the "
        "compute budget; plain: 5 on small, narrow tables, else 1).",
        _n_networks,
        cli=CliOption("--networks", "N", _text_networks),
    ),
    Parameter(
        "recipe",
        "auto",
        "'auto' or 'plain'",
        "auto: the tabular recipe (robust scaling, tree-chosen bins, a logistic regression as the networks' linear "
        "path and as a guard, the networks trained together on a flat-cosine schedule; relu and adam/adamw only, "
        "else plain). plain: Keras-style networks trained one by one with early stopping.",
        lambda value: check_choice(value, "recipe", OWNER, RECIPES),
        cli=CliOption("--recipe", "NAME", _text_word),
    ),
)
DEFAULTS = {p.name: p.default for p in PARAMETERS}

# What fit works from: every parameter checked, by its field name (random_state's draw is `seed`).
Settings = make_dataclass("Settings", [(p.field, Any) for p in PARAMETERS], frozen=True)


def check_params(params: Mapping[str, Any]) -> Settings:
    """Every parameter checked, in the table's order, with the standard message naming the first bad one."""
    checked = {p.field: p.check(params[p.name]) for p in PARAMETERS}
    checked["column_types"] = _column_types(params["column_types"], checked["text_columns"])
    return Settings(**checked)
