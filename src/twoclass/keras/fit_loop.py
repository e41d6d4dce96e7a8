"""The fit loop: runs the engine's compiled chunk of epochs until done, with callbacks and printing in between.

This is the only place that talks to both the engine (arrays, compiled calls) and the user's callbacks. Keras's
semantics live here: History, stop_training, the order of logs, TerminateOnNaN, the error on divergence.
"""

from __future__ import annotations

import math
import time

import jax
import numpy as np

from twoclass.engine import distribute as data_parallel
from twoclass.engine import programs as engine
from twoclass.keras import callbacks as callbacks_module
from twoclass.keras.fit_inputs import FitInputs
from twoclass.keras.progress import EpochPrinter

_CHUNK_SECONDS = 0.5  # aim for a host round trip about this often, so progress stays live on long runs


def checked_callbacks(callbacks) -> list:
    """fit's `callbacks`: a list of callback objects (or one), refused by name otherwise (a string such as
    'early_stopping', or the class EarlyStopping where EarlyStopping() was meant)."""
    if callbacks is None:
        return []
    items = [callbacks] if isinstance(callbacks, (str, type)) or hasattr(callbacks, "set_model") else callbacks
    try:
        items = list(items)
    except TypeError:
        items = [callbacks]
    for item in items:
        if isinstance(item, type):
            raise TypeError(
                f"The 'callbacks' parameter of fit must be a list of callback objects. Got the class "
                f"{item.__name__}; did you mean {item.__name__}()?"
            )
        if not hasattr(item, "set_model"):
            hint = " Did you mean twoclass.callbacks.EarlyStopping()?" if "stop" in str(item).lower() else ""
            raise TypeError(
                f"The 'callbacks' parameter of fit must be a list of callback objects such as "
                f"twoclass.callbacks.EarlyStopping(). Got {item!r} instead.{hint}"
            )
    return items


def run_fit(model, inputs: FitInputs, user_callbacks, distribute=None) -> callbacks_module.History:
    """Train `model` on checked inputs: a few calls of the compiled chunk of epochs, callbacks in between."""
    plan = model.training_plan(inputs)
    scope = data_parallel.resolve(distribute)  # fit's `distribute`, else a `with DataParallel()` around it
    if scope is not None:
        plan = scope.plan(plan, inputs)
    train, val = engine.fit_tables(plan, inputs)
    hyper = model.hyperparameters()  # small NumPy leaves: the compiled call copies them faster than device_put
    columns = engine.metric_names(plan, tuple(model.metrics_names[1:]))
    steps = math.ceil(inputs.x.shape[0] / plan.batch_size)

    history = callbacks_module.History()
    user_callbacks = checked_callbacks(user_callbacks)
    printer = [EpochPrinter(inputs.verbose, inputs.epochs, steps)] if inputs.verbose else []
    callback_list = printer + user_callbacks + [history]
    for callback in callback_list:
        callback.set_model(model)
        callback.set_params({"verbose": inputs.verbose, "epochs": inputs.epochs, "steps": steps})
        if callbacks_module.wants_batch_hooks(callback):
            raise ValueError(
                f"Callback {type(callback).__name__} uses batch hooks (on_train_batch_*), which "
                "twoclass cannot call: it compiles whole epochs. Use on_epoch_end instead."
            )
    every_epoch = any(cb.every_epoch for cb in callback_list)
    quiet_on_nan = any(isinstance(cb, callbacks_module.TerminateOnNaN) for cb in user_callbacks)

    model.stop_training = False
    model.history = history
    # every hook gets its logs as Keras passes them, positionally: {} at the start of training and of each epoch, the
    # last epoch's logs at the end (so LambdaCallback(on_train_begin=lambda logs: ...) works as documented)
    for callback in callback_list:
        callback.on_train_begin({})
    training_logs = {}
    compiled = engine.train_fn(plan)
    speed_key = (plan, train.x.shape)
    seconds_per_epoch = _SECONDS_PER_EPOCH.get(speed_key)
    chunk = 1 if every_epoch or seconds_per_epoch is None else _chunk_for(seconds_per_epoch)
    epoch = inputs.initial_epoch
    while epoch < inputs.epochs and not model.stop_training:
        n_epochs = min(chunk, inputs.epochs - epoch)
        if scope is not None:
            n_epochs = scope.agree(n_epochs)  # processes that time their epochs differently still call together
        if every_epoch:
            for callback in callback_list:
                callback.on_epoch_begin(epoch, {})
        started = time.perf_counter()
        traces_before = engine.trace_count("train")
        ts, logs, status = compiled(model.start_train_state(plan), train, val, hyper, np.int32(n_epochs))
        logs, (epochs_done, steps_done, diverged) = jax.device_get((logs, status))  # waits for the device
        logs = logs[:n_epochs]
        elapsed = time.perf_counter() - started
        completed = int(epochs_done) - model.epochs_done  # epochs that ended with finite numbers
        model.adopt_train_state(ts, int(steps_done), int(epochs_done))
        if printer:
            printer[0].record_chunk(n_epochs)
        for offset in range(completed):
            row = keras_order({key: float(value) for key, value in zip(columns, logs[offset])})
            for callback in callback_list:
                callback.on_epoch_end(epoch + offset, row)
            training_logs = row
            if model.stop_training:
                break
        if bool(diverged):
            row = keras_order({key: float(value) for key, value in zip(columns, logs[completed])})
            _diverged(model, epoch + completed, inputs, row, callback_list, quiet_on_nan)
            return history
        epoch += n_epochs
        if traces_before == engine.trace_count("train"):  # no compilation in this call: a true measure
            _SECONDS_PER_EPOCH[speed_key] = elapsed / n_epochs
        if not every_epoch:
            chunk = _chunk_for(_SECONDS_PER_EPOCH.get(speed_key))
    for callback in callback_list:
        callback.on_train_end(dict(training_logs))
    from twoclass.keras.diagnostics import diagnose

    history.diagnostics = diagnose(model, inputs, history)
    if history.diagnostics and inputs.verbose:
        for hint in history.diagnostics:
            print(f"Hint: {hint}")
    return history


def _diverged(model, epoch: int, inputs: FitInputs, row, callback_list, quiet: bool) -> None:
    history = model.history
    if any(isinstance(cb, callbacks_module.TerminateOnNaN) and cb.raise_error for cb in callback_list):
        # as Keras's TerminateOnNaN(raise_error=True): fail at once, no epoch-end or train-end hook runs
        loss = (row or {}).get("loss")
        raise RuntimeError(
            f"NaN or Inf loss encountered in epoch {epoch + 1}. Loss value: {loss}. Terminating training immediately."
        )
    if row is not None:
        for callback in callback_list:
            callback.on_epoch_end(epoch, row)
    for callback in callback_list:
        callback.on_train_end(dict(row or {}))
    if quiet:
        return
    rate = model.optimizer.current_learning_rate()
    error = ValueError(
        f"Training diverged: the loss became NaN or infinite in epoch {epoch + 1} of {inputs.epochs}. The model "
        f"keeps the weights from the end of epoch {epoch}. Lower the learning rate (now {rate:g}; try "
        f"{rate / 10:g}), scale the inputs (e.g. a Normalization layer), or clip gradients (clipnorm=1.0)."
    )
    error.history = history
    raise error


# Seconds per epoch measured for a plan and table shape: later fits of the same kind run more epochs per call.
_SECONDS_PER_EPOCH: dict = {}


def _chunk_for(seconds_per_epoch: float | None) -> int:
    if seconds_per_epoch is None:
        return 1
    return int(max(1, min(engine.CHUNK_EPOCHS, _CHUNK_SECONDS / max(seconds_per_epoch, 1e-9))))


def keras_order(row: dict[str, float]) -> dict[str, float]:
    """Keras 3 lists the logs alphabetically, training figures before validation ones."""
    train = sorted(k for k in row if not k.startswith("val_"))
    val = sorted(k for k in row if k.startswith("val_"))
    return {k: row[k] for k in train + val}
