"""TwoClassClassifier's parameters: checked once, at the start of fit, into one frozen Settings record.

scikit-learn stores constructor arguments untouched (get_params/clone rely on it), so nothing is checked in
__init__; `check_params` runs in fit and raises the project's standard messages.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twoclass.core.validation import check_bool, check_choice, check_float, check_int, invalid
from twoclass.data.columns import KINDS

OWNER = "TwoClassClassifier"
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
ACTIVATIONS = ("relu", "tanh", "elu", "selu", "gelu", "swish", "silu", "leaky_relu", "sigmoid", "softplus", "linear")
CALIBRATIONS = ("platt", "temperature")


@dataclass(frozen=True)
class Settings:
    hidden_layer_sizes: tuple[int, ...]
    activation: str
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    early_stopping: bool
    patience: int
    validation_fraction: float
    class_weight: Any
    threshold: Any
    calibration: str | None
    dropout: float
    l2: float
    positive: Any
    column_types: dict[str, str] | None
    text_columns: tuple[str, ...]
    seed: int | None
    verbose: int
    n_networks: int | str  # an int >= 1, or "auto"


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


def check_params(params: Mapping[str, Any]) -> Settings:
    """Every parameter checked, with the standard message naming the first bad one."""
    p = params
    text_columns = _text_columns(p["text_columns"])
    calibration = p["calibration"]
    if calibration is not None:
        calibration = check_choice(calibration, "calibration", OWNER, CALIBRATIONS)
    verbose = p["verbose"]
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise invalid("verbose", OWNER, "one of 0, 1, 2", verbose)
    activation = p["activation"]
    if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
        raise invalid("activation", OWNER, f"one of {', '.join(map(repr, ACTIVATIONS))}", activation)
    optimizer = p["optimizer"]
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise invalid("optimizer", OWNER, f"one of {', '.join(map(repr, OPTIMIZERS))}", optimizer)
    return Settings(
        hidden_layer_sizes=_hidden(p["hidden_layer_sizes"]),
        activation=activation.lower(),
        optimizer=optimizer.lower(),
        learning_rate=check_float(p["learning_rate"], "learning_rate", OWNER, minimum=0.0, include_minimum=False),
        epochs=check_int(p["epochs"], "epochs", OWNER, minimum=1),
        batch_size=check_int(p["batch_size"], "batch_size", OWNER, minimum=1),
        early_stopping=check_bool(p["early_stopping"], "early_stopping", OWNER),
        patience=check_int(p["patience"], "patience", OWNER, minimum=0),
        validation_fraction=check_float(
            p["validation_fraction"], "validation_fraction", OWNER, minimum=0.0, maximum=0.5, include_minimum=False
        ),
        class_weight=_class_weight(p["class_weight"]),
        threshold=_threshold(p["threshold"]),
        calibration=calibration,
        dropout=check_float(p["dropout"], "dropout", OWNER, minimum=0.0, maximum=1.0, include_maximum=False),
        l2=check_float(p["l2"], "l2", OWNER, minimum=0.0),
        positive=p["positive"],
        column_types=_column_types(p["column_types"], text_columns),
        text_columns=text_columns,
        seed=_seed(p["random_state"]),
        verbose=int(verbose),
        n_networks=_n_networks(p["n_networks"]),
    )


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
