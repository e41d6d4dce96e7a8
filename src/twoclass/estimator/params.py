"""TwoClassClassifier's parameters, declared once as a table: name, default, what is expected, help, the check.

scikit-learn stores constructor arguments untouched (get_params/clone rely on it), so nothing is checked in
__init__; `check_params` runs in fit, goes through `PARAMETERS` and raises the project's standard message for the
first bad one. The command line (`twoclass train --help`), the documentation and the tests read the same table, and
a test holds the estimator's signature to it (as scikit-learn's `_parameter_constraints` sit beside `__init__`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, make_dataclass
from typing import Any

from twoclass.core.validation import check_bool, check_choice, check_float, check_int, invalid

OWNER = "TwoClassClassifier"
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
ACTIVATIONS = ("relu", "tanh", "elu", "selu", "gelu", "swish", "silu", "leaky_relu", "sigmoid", "softplus", "linear")
CALIBRATIONS = ("platt", "temperature")
RECIPES = ("auto", "plain")
PLAIN_EPOCHS, PLAIN_BATCH_SIZE = 200, 64  # what epochs and batch_size 'auto' mean for recipe='plain'


@dataclass(frozen=True)
class CliOption:
    """How a parameter is typed on the command line (`twoclass train --epochs 50`)."""

    flag: str
    metavar: str
    parse: Callable[[str], Any]  # the text typed -> the parameter's value; ValueError when it cannot be read
    default: str | None = None  # the text shown as default; None: the parameter's default, written out


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


# Reading command-line text: each returns the value the estimator takes, which the table's check then judges.
def _text_int(text: str) -> int:
    return int(text)


def _text_float(text: str) -> float:
    return float(text)


def _text_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _text_word(text: str) -> str:
    return text


def _text_optional_word(text: str) -> str | None:
    return None if text.strip().lower() == "none" else text


def _text_bool(text: str) -> bool:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.strip().lower() not in words:
        raise ValueError(text)
    return words[text.strip().lower()]


def _text_threshold(text: str) -> Any:
    """'f1', 'youden', 'recall>=0.9', 'precision>=0.8', a number in (0, 1), or 'none' (0.5 without choosing)."""
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _text_networks(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _text_auto_int(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _auto_or_int(name: str) -> Callable[[Any], int | str]:
    def check(value: Any) -> int | str:
        if isinstance(value, str) and value == "auto":
            return value
        if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
            return int(value)
        raise invalid(name, OWNER, "'auto' or an int >= 1", value)

    return check


def _int(name: str, minimum: int) -> Callable[[Any], int]:
    return lambda value: check_int(value, name, OWNER, minimum=minimum)


def _float(name: str, **bounds: Any) -> Callable[[Any], float]:
    return lambda value: check_float(value, name, OWNER, **bounds)


def _lowercase_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in choices:
            raise invalid(name, OWNER, f"one of {', '.join(map(repr, choices))}", value)
        return value.lower()

    return check


def _optional_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else check_choice(value, name, OWNER, choices)


def _verbose(value: Any) -> int:
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise invalid("verbose", OWNER, "one of 0, 1, 2", value)
    return int(value)


def _hidden(value: Any) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    ok = isinstance(value, (tuple, list)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
    )
    if not ok:
        raise invalid("hidden_layer_sizes", OWNER, "a tuple of ints >= 1 (one per hidden layer; () for none)", value)
    return tuple(int(v) for v in value)


def _threshold(value: Any) -> Any:
    from twoclass.threshold import parse_objective

    if value is None:
        return None
    try:
        parse_objective(value)
    except ValueError:
        raise invalid(
            "threshold",
            OWNER,
            "'f1', 'youden', {'recall': r}, {'precision': p}, {'cost_fp': a, 'cost_fn': b}, a float in (0, 1) "
            "or None (0.5)",
            value,
        ) from None
    return value


def _class_weight(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value == "balanced") or isinstance(value, Mapping):
        return value
    raise invalid("class_weight", OWNER, "'balanced', a dict {label: weight} or None", value)


def _column_types(value: Any, text_columns: tuple[str, ...]) -> dict[str, str] | None:
    from twoclass.data.columns import KINDS  # pandas loads with the data, not with `twoclass train --help`

    if value is not None and not isinstance(value, Mapping):
        raise invalid("column_types", OWNER, "a dict {column: kind} or None", value)
    merged = dict(value or {})
    for name, kind in merged.items():
        if kind not in KINDS:
            raise invalid(
                "column_types", OWNER, f"a dict whose kinds are among {', '.join(map(repr, KINDS))}", {name: kind}
            )
    for name in text_columns:
        if merged.get(name, "text") != "text":
            raise ValueError(f"Column '{name}' is in text_columns but column_types gives it kind '{merged[name]}'.")
        merged[name] = "text"
    return merged or None


def _text_columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise invalid("text_columns", OWNER, "a tuple of column names", value)
    return tuple(value)


def _seed(value: Any) -> int | None:
    import numpy as np

    if value is None:
        return None
    if isinstance(value, np.random.RandomState):
        return int(value.randint(0, 2**31 - 1))
    return check_int(value, "random_state", OWNER, minimum=0, maximum=2**32 - 1)


def _n_networks(value: Any) -> int | str:
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise invalid("n_networks", OWNER, "'auto' or an int >= 1", value)


# "auto" averages several networks when one fit is cheap: on small tables one network's result depends on its seed
# by about as much as it differs from logistic regression, and five fits cost seconds. Wide inputs (TF-IDF text) or
# many rows make each fit expensive and the seeds matter less, so they get one network.
AUTO_ENSEMBLE_ROWS = 10_000
AUTO_ENSEMBLE_VALUES = 2_000_000  # training rows x input features
AUTO_ENSEMBLE_SIZE = 5


def networks_for(settings: Settings, n_train_rows: int, n_features: int) -> int:
    """How many networks to train: the int given; for "auto", 5 below 10,000 training rows and 2 million feature
    values (rows x features after preprocessing), else 1."""
    if settings.n_networks != "auto":
        return int(settings.n_networks)
    cheap = n_train_rows < AUTO_ENSEMBLE_ROWS and n_train_rows * n_features <= AUTO_ENSEMBLE_VALUES
    return AUTO_ENSEMBLE_SIZE if cheap else 1


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


def build_network(settings: Settings, n_features: int, seed: int):
    """The Keras-style network: Dense layers (L2 on kernels) with optional Dropout, ending in Dense(1, sigmoid)."""
    from twoclass.keras.layers import Dense, Dropout, Input
    from twoclass.keras.model import Sequential
    from twoclass.keras.regularizers import L2

    layers: list[Any] = [Input(shape=(n_features,))]
    regularizer = (lambda: L2(settings.l2)) if settings.l2 > 0 else (lambda: None)
    for units in settings.hidden_layer_sizes:
        layers.append(Dense(units, activation=settings.activation, kernel_regularizer=regularizer()))
        if settings.dropout > 0:
            layers.append(Dropout(settings.dropout))
    layers.append(Dense(1, activation="sigmoid", kernel_regularizer=regularizer()))
    model = Sequential(layers, name="twoclass_classifier")
    model.reseed(seed)  # the estimator's random_state decides initial weights, shuffling and dropout
    return compile_network(settings, model)


def compile_network(settings: Settings, model):
    """Compile `model` as the estimator trains: its optimizer and learning rate, cross-entropy, AUC."""
    from twoclass.keras import optimizers
    from twoclass.keras.metrics import AUC

    optimizer = {
        "adam": optimizers.Adam,
        "adamw": optimizers.AdamW,
        "sgd": optimizers.SGD,
        "rmsprop": optimizers.RMSprop,
        "adagrad": optimizers.Adagrad,
    }[settings.optimizer]
    model.compile(
        optimizer=optimizer(learning_rate=settings.learning_rate), loss="binary_crossentropy", metrics=[AUC(name="auc")]
    )
    return model
