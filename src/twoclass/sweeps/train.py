"""Training every member of a grid on one compiled Keras-style model: the host side of `engine.sweep`.

A member is the template model with another learning rate (in its optimizer state), L2 strength (in the Dense
layers' hyperparameters), dropout rate (in the Dropout layers') and seed (initial weights, shuffling and dropout
noise, drawn exactly as `fit` draws them from the model's seed). So member (lr, l2, dropout, seed) trains to the
weights `fit` gives the template with those settings, within float rounding.

The template is read through a few of the model's private members (marked below); they are kept in this one
module so that a change of the model's interface touches only it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from twoclass.engine import programs as engine
from twoclass.engine import sweep as sweep_engine
from twoclass.keras.fit_inputs import FitInputs
from twoclass.keras.layers import Dense, Dropout
from twoclass.sweeps.grid import Member

NO_PATIENCE = 2**30  # early stopping off: no member ever waits this long

# A member's initial (params, layer states) in the template's layer layout, where they are not the template's own
# draw from the member's seed (the estimator's members without dropout have no Dropout layers, so their layers
# are numbered, and so drawn, differently).
InitialWeights = Callable[[Member], tuple[list, list]]


class MemberRuns(NamedTuple):
    """What `train_members` returns, one entry per member, in the members' order."""

    histories: list[dict[str, list[float]]]  # Keras's keys, one value per epoch the member trained
    weights: list[list[np.ndarray]]  # Keras order (model.set_weights), the best epoch's when restoring
    best_epochs: list[int]  # 0-based epoch of the best monitored value
    best_values: list[float]  # that value
    diverged: list[bool]  # stopped at a non-finite epoch
    seconds: float  # wall time of the training calls, compilation included


def monitor_sign(monitor: str) -> float:
    """1 when lower is better (losses, errors), -1 when higher is (accuracy, AUC, precision, recall)."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return 1.0 if name.endswith("loss") or name.endswith("error") or name in ("mse", "mae") else -1.0


def check_sweepable(model: Any, members: Sequence[Member]) -> None:
    """Clear errors for a grid the model cannot run as one program."""
    layers = model.layers
    if any(m.l2 is not None for m in members) and not any(
        isinstance(layer, Dense) and layer.kernel_regularizer is not None for layer in layers
    ):
        raise ValueError(
            "The grid sweeps 'l2' but no Dense layer of the model has a kernel_regularizer; give the layers to "
            "regularize kernel_regularizer=L2(0.0) (the grid then sets its strength)."
        )
    if any(m.dropout is not None for m in members) and not any(isinstance(layer, Dropout) for layer in layers):
        raise ValueError(
            "The grid sweeps 'dropout' but the model has no Dropout layer; add Dropout(0.0) where dropout belongs "
            "(the grid then sets its rate)."
        )
    if any(m.learning_rate is not None for m in members) and model.optimizer.structure().schedule is not None:
        raise ValueError(
            "The grid sweeps 'learning_rate' but the optimizer follows a LearningRateSchedule; sweep the schedule's "
            "model one setting at a time, or compile with a plain learning rate."
        )
    if any(m.hidden_layer_sizes is not None for m in members):
        raise ValueError(
            "The grid sweeps 'hidden_layer_sizes', which only a TwoClassClassifier can (it builds its network); "
            "for a Keras-style model, sweep each architecture separately."
        )


# ------------------------------------------------------------------------------------------------ the template
# The model's private members in one place: its plan, hyperparameters, fresh weights and layer list.


def _layer_hyper(model: Any, member: Member) -> list[dict[str, np.ndarray]]:
    hyper = []
    for layer in model.layers:
        values = dict(layer.hyper())
        if member.l2 is not None and isinstance(layer, Dense) and layer.kernel_regularizer is not None:
            values["kernel_l2"] = member.l2
        if member.dropout is not None and isinstance(layer, Dropout):
            values["rate"] = member.dropout
        hyper.append(engine.float32_tree(values))
    return hyper


def _member_hyper(model: Any, member: Member) -> engine.Hyper:
    base = model.hyperparameters()
    return engine.Hyper(layers=_layer_hyper(model, member), loss=base.loss, schedule=base.schedule)


def fresh_weights(model: Any, seed: int) -> tuple[list, list]:
    """The initial parameters and layer states `build()` draws from `seed` (layer i from the stream [seed, i])."""
    return model.fresh_weights(seed)


def _member_state(model: Any, plan: engine.Plan, member: Member, initial: InitialWeights | None) -> engine.TrainState:
    optimizer_hyper = dict(model.optimizer.hyper())
    if member.learning_rate is not None:
        optimizer_hyper["learning_rate"] = member.learning_rate
    params, states = fresh_weights(model, member.seed) if initial is None else initial(member)
    key = engine.prng_key(member.seed ^ 0x5EED)  # what fit draws shuffling and noise from (keras.fit_loop)
    return engine.init_train_state(plan.optimizer, engine.float32_tree(optimizer_hyper), params, states, key)


def _keras_weights(model: Any, params: Any, states: Any) -> list[np.ndarray]:
    flat: list[np.ndarray] = []
    for layer, p, s in zip(model.layers, params, states):
        flat += [np.asarray(w) for w in layer.keras_weights(p, s)]
    return flat


def _stack(trees: list[Any]) -> Any:
    return jax.tree_util.tree_map(lambda *leaves: np.stack([np.asarray(leaf) for leaf in leaves]), *trees)


# ------------------------------------------------------------------------------------------------ training


def train_members(
    model: Any,
    inputs: FitInputs,
    members: Sequence[Member],
    *,
    monitor: str,
    patience: int | None,
    restore_best: bool,
    initial: InitialWeights | None = None,
) -> MemberRuns:
    """Train every member as one vmapped program on checked fit inputs; `patience` None trains every epoch.

    Example:
        >>> runs = train_members(model, inputs, expand({"seed": [0, 1]}), monitor="val_loss", patience=None,
        ...                      restore_best=False)  # doctest: +SKIP
    """
    import time

    model.require_compiled("sweep")
    model.ensure_built(inputs.x.shape[1], "sweep")
    plan = model.training_plan(inputs)
    names = engine.metric_names(plan, tuple(model.metrics_names[1:]))
    if monitor not in names:
        raise ValueError(
            f"The 'monitor' parameter of sweep must be one of the logged figures {names}. Got {monitor!r} instead."
        )
    train, val = engine.fit_tables(plan, inputs)
    states = _stack([_member_state(model, plan, m, initial) for m in members])
    hypers = _stack([_member_hyper(model, m) for m in members])
    best = sweep_engine.start_best(states)
    watch = sweep_engine.Watch(
        column=np.int32(names.index(monitor)),
        sign=np.float32(monitor_sign(monitor)),
        patience=np.int32(NO_PATIENCE if patience is None else patience),
    )
    compiled = sweep_engine.sweep_fn(plan)
    chunks, done = [], 0
    started = time.perf_counter()
    while done < inputs.epochs:
        n_epochs = min(engine.CHUNK_EPOCHS, inputs.epochs - done)
        states, best, logs = compiled(states, best, train, val, hypers, np.int32(n_epochs), watch)
        logs, stopped = jax.device_get((logs, best.stopped))
        chunks.append(np.asarray(logs)[:, :n_epochs])
        done += n_epochs
        if bool(np.all(stopped)):
            break
    trained, best = jax.device_get(((states.params, states.state), best))
    seconds = time.perf_counter() - started
    logs = np.concatenate(chunks, axis=1)  # (members, epochs, columns), NaN after a member stopped

    histories, weights = [], []
    for i in range(len(members)):
        ran = int(np.sum(~np.isnan(logs[i, :, 0])))
        histories.append({name: logs[i, :ran, j].astype(float).tolist() for j, name in enumerate(names)})
        take_best = restore_best and int(best.epoch[i]) >= 0
        source = (best.params, best.state) if take_best else trained
        params, layer_states = jax.tree_util.tree_map(lambda leaf, i=i: leaf[i], source)
        weights.append(_keras_weights(model, params, layer_states))
    sign = monitor_sign(monitor)
    return MemberRuns(
        histories=histories,
        weights=weights,
        best_epochs=[int(e) for e in best.epoch],
        best_values=[float(v) * sign if math.isfinite(float(v)) else float("nan") for v in best.value],
        diverged=[bool(d) for d in best.diverged],
        seconds=seconds,
    )
