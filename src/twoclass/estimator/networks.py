"""The network(s) TwoClassClassifier trains, from its checked settings (`params.Settings`): how many networks
(`networks_for`), the Keras-style network (`build_network`) and how it is compiled (`compile_network`).

``settings`` is annotated ``Any`` here: `Settings` is made at run time from the parameter table (make_dataclass in
`params`, which imports this module), so a type checker cannot use it as a type, and importing it would be a circle.

Example:
    >>> networks_for(settings, n_train_rows=800, n_features=12)  # doctest: +SKIP
    5
"""

from __future__ import annotations

from typing import Any

# "auto" averages several networks when one fit is cheap: on small tables one network's result depends on its seed
# by about as much as it differs from logistic regression, and five fits cost seconds. Wide inputs (TF-IDF text) or
# many rows make each fit expensive and the seeds matter less, so they get one network.
AUTO_ENSEMBLE_ROWS = 10_000
AUTO_ENSEMBLE_VALUES = 2_000_000  # training rows x input features
AUTO_ENSEMBLE_SIZE = 5


def networks_for(settings: Any, n_train_rows: int, n_features: int) -> int:
    """How many networks to train: the int given; for "auto", 5 below 10,000 training rows and 2 million feature
    values (rows x features after preprocessing), else 1."""
    if settings.n_networks != "auto":
        return int(settings.n_networks)
    cheap = n_train_rows < AUTO_ENSEMBLE_ROWS and n_train_rows * n_features <= AUTO_ENSEMBLE_VALUES
    return AUTO_ENSEMBLE_SIZE if cheap else 1


def build_network(settings: Any, n_features: int, seed: int):
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


def compile_network(settings: Any, model):
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
