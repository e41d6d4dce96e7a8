"""The training half of TwoClassClassifier.fit: preprocessing, the Keras-style compile + fit, and what the
validation rows decide afterwards (calibration, threshold, figures).

Everything here is a function of its arguments; it returns the fitted attributes as a dict.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from twoclass.estimator.inputs import FitRows, weighted_by_class
from twoclass.estimator.params import (
    PLAIN_BATCH_SIZE,
    PLAIN_EPOCHS,
    Settings,
    build_network,
    compile_network,
    networks_for,
)


def import_fit_modules() -> None:
    """Import now what a fit imports at first use: the engine with JAX and optax, the Keras-style network, the
    evaluation figures and the model files. The command line calls it while the garbage collector is off
    (`twoclass.cli.startup`), which makes these imports a fifth faster; a fit does the same work either way.

    Example:
        >>> import_fit_modules()
        >>> import sys; "jax" in sys.modules
        True
    """
    import twoclass.engine.ensemble  # noqa: F401
    import twoclass.estimator.files  # noqa: F401
    import twoclass.estimator.recipe  # noqa: F401
    import twoclass.keras.callbacks  # noqa: F401
    import twoclass.keras.model  # noqa: F401
    import twoclass.report  # noqa: F401
    import twoclass.threshold  # noqa: F401


def fit_preprocessor(settings: Settings, frame: pd.DataFrame, array_input: bool):
    from twoclass.data import Preprocessor

    if array_input:  # every feature of an array is a number, whatever the heuristics would guess
        return Preprocessor({name: "numeric" for name in frame.columns})
    return Preprocessor(settings.column_types)


def transform_quietly(preprocessor, frame: pd.DataFrame) -> np.ndarray:
    # A level that only the validation rows have is expected there; the warning is meant for prediction time.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Categories not seen in training")
        return preprocessor.transform(frame)


def train_network(settings: Settings, rows: FitRows, array_input: bool) -> dict[str, Any]:
    """Fit preprocessing on the training rows, train the network, then calibrate and choose the threshold on the
    validation rows (the training rows when there are none). recipe='auto' trains the tabular recipe
    (`estimator/recipe.py`) where it applies."""
    from twoclass.estimator.recipe import recipe_applies, train_recipe
    from twoclass.keras.callbacks import EarlyStopping

    if recipe_applies(settings):
        return train_recipe(settings, rows, array_input)
    frame, y01, weights, train, val = rows.frame, rows.y01, rows.weights, rows.train, rows.val
    seed, target_name = rows.seed, rows.target_name

    preprocessor = fit_preprocessor(settings, frame, array_input)
    # y lets it leave out (and announce) a copy of the target under another name
    x_train = preprocessor.fit_transform(frame.iloc[train], y=y01[train], target_name=target_name)
    if settings.verbose:
        for notice in preprocessor.notices_:
            print(notice)
    row_weight = weighted_by_class(rows, train, settings.class_weight)

    fit_args: dict[str, Any] = dict(
        batch_size=PLAIN_BATCH_SIZE if settings.batch_size == "auto" else settings.batch_size,
        epochs=PLAIN_EPOCHS if settings.epochs == "auto" else settings.epochs,
        verbose=settings.verbose,
        sample_weight=row_weight[train].astype(np.float32),
        shuffle=True,
    )
    if val is not None:
        x_val = transform_quietly(preprocessor, frame.iloc[val])
        fit_args["validation_data"] = (x_val, y01[val], row_weight[val].astype(np.float32))
    networks, histories, best_epochs = [], [], []
    seeds = member_seeds(seed, networks_for(settings, len(train), x_train.shape[1]))
    for number, member_seed in enumerate(seeds, start=1):
        if settings.verbose and len(seeds) > 1:
            print(f"Network {number} of {len(seeds)} (seed {member_seed}); their log-odds are averaged.")
        model = build_network(settings, x_train.shape[1], member_seed)
        callbacks = []
        if val is not None and settings.early_stopping:
            callbacks.append(EarlyStopping(monitor="val_loss", patience=settings.patience, restore_best_weights=True))
        history = model.fit(x_train, y01[train], callbacks=callbacks, **fit_args)
        networks.append(model)
        histories.append(history)
        best_epochs.append(callbacks[0].best_epoch + 1 if callbacks else len(history.epoch))
    model = networks[0] if len(networks) == 1 else compile_network(settings, merge_networks(networks))

    held_out = val if val is not None else train
    x_held = x_val if val is not None else x_train
    decided = decide_on_held_out(
        settings, model.predict_logits(x_held).astype(np.float64), y01[held_out], weights[held_out]
    )
    if val is None:
        decided["validation_figures_"]["notes"].append(
            "No validation split was possible: these figures are on the training rows."
        )
    return {
        "preprocessor_": preprocessor,
        "model_": model,
        "n_networks_": len(networks),
        "history_": {key: [float(v) for v in values] for key, values in histories[0].history.items()},
        "best_epoch_": int(best_epochs[0]),
        "recipe_": None,
        **decided,
    }


def decide_on_held_out(settings: Settings, z: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    from twoclass.calibration import PlattScaling, TemperatureScaling, calibrated_logits
    from twoclass.report import evaluation_figures
    from twoclass.threshold import choose_threshold, default_threshold

    calibrator = None
    if settings.calibration is not None:
        kind = PlattScaling if settings.calibration == "platt" else TemperatureScaling
        calibrator = kind.fit(z, y, sample_weight=w)
    proba = expit(calibrated_logits(calibrator, z))
    if settings.threshold is None:
        choice = default_threshold()
    else:
        choice = choose_threshold(y, proba, settings.threshold, sample_weight=w)
    figures = evaluation_figures(y, proba, choice.value, sample_weight=w)
    return {"calibrator_": calibrator, "threshold_": choice, "validation_figures_": figures}


def member_seeds(seed: int, count: int) -> list[int]:
    """The first network keeps the estimator's seed (one network trains as before); the others get seeds drawn from
    it, so random_state=0 and random_state=1 share no network."""
    extra = np.random.SeedSequence(seed).generate_state(count - 1).tolist() if count > 1 else []
    return [seed] + [int(s) & 0x7FFFFFFF for s in extra]


def merge_networks(networks: list) -> Any:
    """One Sequential of Dense layers (not compiled) that computes the mean log-odds of `networks` (same Dense
    structure).

    The first hidden layers sit side by side (kernels concatenated), deeper hidden layers are block-diagonal and the
    output layer averages: file formats, ONNX export and NumPy inference then serve an ensemble as one network.
    """
    from scipy.linalg import block_diag

    from twoclass.keras.layers import Dense, Input
    from twoclass.keras.model import Sequential

    first = networks[0]
    dense = [layer for layer in first.layers if isinstance(layer, Dense)]
    flat = [net.get_weights() for net in networks]  # kernel, bias of each Dense in turn (Dropout has none)
    kernels, biases = [w[0::2] for w in flat], [w[1::2] for w in flat]
    count = len(networks)
    layers: list[Any] = [Input(shape=(first.input_shape[1],))]
    weights: list[np.ndarray] = []
    for index, layer in enumerate(dense):
        last = index == len(dense) - 1
        layers.append(Dense(1 if last else layer.units * count, activation=layer.activation))
        parts = [k[index] for k in kernels]
        if last and index == 0:  # no hidden layer: every network reads the same inputs, so average the kernels
            weights += [np.mean(parts, axis=0), np.mean([b[index] for b in biases], axis=0)]
        elif last:
            weights += [np.concatenate(parts, axis=0) / count, np.mean([b[index] for b in biases], axis=0)]
        elif index == 0:
            weights += [np.concatenate(parts, axis=1), np.concatenate([b[index] for b in biases])]
        else:
            weights += [block_diag(*parts), np.concatenate([b[index] for b in biases])]
    merged = Sequential(layers, name=first.name)
    merged.set_weights([w.astype(np.float32) for w in weights])
    return merged
