"""`twoclass.sweep`: a grid of learning rates, L2 strengths, dropout rates and seeds as one compiled program.

Example:
    >>> import twoclass
    >>> result = twoclass.sweep(model, x, y, grid={"learning_rate": [0.1, 0.5], "seed": 8}, epochs=20,
    ...                         validation_split=0.2)  # doctest: +SKIP
    >>> result.table.sort_values("rank").head(3)  # doctest: +SKIP
    >>> result.save("best/")  # doctest: +SKIP
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from twoclass.core.validation import invalid
from twoclass.sweeps.grid import OWNER, check_grid, expand
from twoclass.sweeps.result import SweepResult, model_builder


def _is_estimator(thing: Any) -> bool:
    from twoclass.estimator.classifier import TwoClassClassifier

    return isinstance(thing, TwoClassClassifier)


def sweep(
    model_or_estimator: Any,
    x: Any,
    y: Any,
    grid: Mapping[str, Any] | str,
    *,
    epochs: int = 1,
    batch_size: int | None = None,
    validation_split: float = 0.0,
    validation_data: Any = None,
    class_weight: Any = None,
    sample_weight: Any = None,
    shuffle: bool = True,
    monitor: str | None = None,
    patience: int | None = None,
) -> SweepResult:
    """Train every member of `grid` in one vmapped XLA program and rank them by `monitor`.

    `model_or_estimator` is a compiled twoclass Sequential (each member is that model with the member's learning
    rate, L2 strength on the Dense layers that have a kernel_regularizer, dropout rate on its Dropout layers, and
    seed) or a TwoClassClassifier (each member is its fit with those values, and also `hidden_layer_sizes`, one
    program per size; epochs, batch size, validation split, early stopping and class weights are the
    estimator's, and the fit arguments here other than `sample_weight` are ignored). `grid` maps 'learning_rate',
    'l2', 'dropout', 'hidden_layer_sizes' to lists and 'seed' to a list or a count (8: seeds 0..7 for a model, the
    estimator's random_state and the 7 after it for an estimator); a string such as "learning_rate=1e-3,1e-2 seeds=8"
    works too. `monitor` defaults to 'val_loss' with validation rows, else 'loss'; `patience` stops a member
    after that many epochs without improvement and keeps its best weights (the estimator uses its own).

    Example:
        >>> result = sweep(model, x, y, grid={"learning_rate": [0.05, 0.5], "seed": 4}, epochs=20,
        ...                validation_split=0.2)  # doctest: +SKIP
        >>> result.best_model().predict(x[:2])  # doctest: +SKIP
    """
    from twoclass.sweeps.grid import parse_grid

    if isinstance(grid, str):
        grid = parse_grid(grid)
    if _is_estimator(model_or_estimator):
        return _sweep_estimator(model_or_estimator, x, y, grid, sample_weight)
    from twoclass.keras.model import Sequential

    if not isinstance(model_or_estimator, Sequential):
        raise invalid(
            "model_or_estimator",
            OWNER,
            "a compiled twoclass Sequential/Model or a TwoClassClassifier",
            type(model_or_estimator).__name__,
        )
    return _sweep_model(
        model_or_estimator,
        x,
        y,
        grid,
        dict(
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            validation_data=validation_data,
            class_weight=class_weight,
            sample_weight=sample_weight,
            shuffle=shuffle,
        ),
        monitor,
        patience,
    )


def _sweep_model(model, x, y, grid, fit_args: dict, monitor: str | None, patience: int | None) -> SweepResult:
    from twoclass.core.validation import check_int
    from twoclass.keras.fit_inputs import prepare_fit_inputs
    from twoclass.sweeps.train import check_sweepable, train_members

    model.require_compiled("sweep")
    members = expand(check_grid(grid, base_seed=0), default_seed=0)
    check_sweepable(model, members)
    if patience is not None:
        patience = check_int(patience, "patience", OWNER, minimum=0)
    inputs = prepare_fit_inputs(x, y, verbose=0, initial_epoch=0, **fit_args)
    has_validation = inputs.x_val is not None
    monitor = monitor or ("val_loss" if has_validation else "loss")
    if not isinstance(monitor, str):
        raise invalid("monitor", OWNER, "the name of a logged figure such as 'val_loss' or 'val_accuracy'", monitor)
    runs = train_members(model, inputs, members, monitor=monitor, patience=patience, restore_best=patience is not None)
    return SweepResult(members, runs, monitor, "model", model_builder(model, runs.weights))


def _sweep_estimator(estimator, X, y, grid, sample_weight) -> SweepResult:
    from twoclass.sweeps import estimator as adapter

    seed = estimator.random_state
    base_seed = int(seed) if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) else 0
    members = expand(check_grid(grid, base_seed=base_seed), default_seed=base_seed)
    prepared = adapter.prepare(estimator, X, y, sample_weight)
    runs = adapter.train(prepared, members)
    monitor = "val_loss" if prepared.rows.val is not None else "loss"

    def build(chosen):
        return adapter.finish(prepared, members, runs, list(chosen))

    return SweepResult(members, runs, monitor, "estimator", build)
