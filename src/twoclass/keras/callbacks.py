"""Callbacks with Keras's names and rules. They run on the host, between compiled chunks of epochs.

A callback whose `every_epoch` is True (any user callback, by default) makes each chunk one epoch long, so it sees
the model exactly as Keras would after every epoch. Callbacks that only read the logs (History, CSVLogger,
TerminateOnNaN, printing) let the engine run many epochs per call and are replayed epoch by epoch afterwards.
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Callable
from typing import Any

from twoclass.core.validation import check_bool
from twoclass.keras.habits import HistoryDict

_DOWN = (
    "loss",
    "false_positives",
    "false_negatives",
    "fp",
    "fn",
    "mean_squared_error",
    "mse",
    "mae",
    "mean_absolute_error",
    "binary_crossentropy",
    "crossentropy",
    "error",
)


def direction(monitor: str) -> str:
    """'max' or 'min' for a metric name, as Keras's mode='auto' decides."""
    name = monitor.removeprefix("val_")
    name = re.sub(r"_\d+$", "", name)
    return "min" if any(name == d or name.endswith(d) for d in _DOWN) else "max"


class Callback:
    every_epoch = True

    def __init__(self):
        self.model = None
        self.params: dict[str, Any] = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...


def wants_batch_hooks(callback: Callback) -> bool:
    return any(
        getattr(type(callback), hook) is not getattr(Callback, hook)
        for hook in ("on_train_batch_begin", "on_train_batch_end")
    )


class History(Callback):
    """Records every epoch's logs; `fit` returns it. `history.history['val_accuracy']` etc. as in Keras."""

    every_epoch = False

    def __init__(self):
        super().__init__()
        # a dict whose missing 'acc' says which key holds the accuracy (Keras 2.2 recorded it as 'acc')
        self.history: dict[str, list[float]] = HistoryDict()
        self.epoch: list[int] = []
        self.diagnostics: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"<History epochs={len(self.epoch)} keys=[{keys}]>"


class TensorBoard(Callback):
    """Refused in one line: TensorBoard writes TensorFlow event files, which need TensorFlow (Keras 3 on JAX stops in
    fit with "No module named 'tensorflow'"). CSVLogger and `twoclass.plots.learning_curves(history.history)` give
    the same curves."""

    def __init__(self, log_dir="logs", *args, **kwargs):
        raise ValueError(
            f"TensorBoard(log_dir={str(log_dir)!r}) writes TensorFlow event files and needs TensorFlow: log each epoch "
            "with CSVLogger('training.csv') and plot with twoclass.plots.learning_curves(history.history) instead."
        )


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown, falling back to 'auto'.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = direction(monitor) if mode == "auto" else mode
        self.min_delta = abs(float(min_delta))

    def _improved(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > reference
        return current + self.min_delta < reference

    def _current(self, logs) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            available = ", ".join(sorted(logs or {}))
            warnings.warn(
                f"{type(self).__name__} is watching '{self.monitor}', which is not in the logs. "
                f"Available: {available}.",
                stacklevel=3,
            )
        return value


class EarlyStopping(_Monitor):
    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = int(patience), verbose, baseline
        self.restore_best_weights, self.start_from_epoch = bool(restore_best_weights), int(start_from_epoch)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(_Monitor):
    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(f"The 'factor' parameter of ReduceLROnPlateau must be < 1. Got {factor!r} instead.")
        self.factor, self.patience, self.verbose = float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.current_learning_rate()
        current = self._current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = self.model.optimizer.current_learning_rate()
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(_Monitor):
    """Saves the model (or its weights) after epochs; `filepath` may hold `{epoch}` and metric placeholders."""

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose, self.save_best_only, self.save_weights_only = verbose, save_best_only, save_weights_only
        if save_freq != "epoch":
            raise ValueError(
                f"The 'save_freq' parameter of ModelCheckpoint must be 'epoch' in twoclass. Got {save_freq!r} instead."
            )
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "When save_weights_only=True, the filepath must end in '.weights.h5'. "
                f"Received: filepath={self.filepath}"
            )
        # '.h5' saves the legacy HDF5 model file, as Keras 3 still does; '.hdf5' Keras refuses here, and so do we
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath of ModelCheckpoint must end in '.keras' (or '.weights.h5' with "
                f"save_weights_only=True). Received: filepath={self.filepath}"
            )
        self.best = initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = self._current(logs)
            if current is None or not self._improved(current, self.best):
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best} to {current}, saving to {path}")
            self.best = current
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class CSVLogger(Callback):
    every_epoch = False

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self._keys: list[str] | None = None

    def on_train_begin(self, logs=None):
        self._keys = None
        if not self.append and os.path.exists(self.filename):
            os.remove(self.filename)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        new_file = not os.path.exists(self.filename) or os.path.getsize(self.filename) == 0
        if self._keys is None:
            self._keys = sorted(logs)
            # as Keras: without val_ keys in the first epoch, a val_ column for each key (rows say NA there)
            if self._keys and not any(key.startswith("val_") for key in self._keys):
                self._keys += [f"val_{key}" for key in self._keys]
        with open(self.filename, "a", newline="") as handle:
            writer = csv.writer(handle, delimiter=self.separator)
            if new_file:
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(logs.get(k, "NA") for k in self._keys)])


class LambdaCallback(Callback):
    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        for hook, function in (
            ("on_epoch_begin", on_epoch_begin),
            ("on_epoch_end", on_epoch_end),
            ("on_train_begin", on_train_begin),
            ("on_train_end", on_train_end),
        ):
            if function is not None:
                setattr(self, hook, function)
        if on_train_batch_begin or on_train_batch_end:
            raise ValueError(
                "LambdaCallback: batch hooks are not supported, since twoclass compiles whole epochs. Use on_epoch_end."
            )


class TerminateOnNaN(Callback):
    """With this callback a non-finite loss ends training quietly (as in Keras) instead of raising an error.

    With `raise_error=True` (Keras 3.15) fit raises a RuntimeError at once instead, and no callback's on_epoch_end or
    on_train_end runs for the failed epoch; the model keeps the weights from the end of the last finite epoch.

    Example:
        >>> model.fit(x, y, callbacks=[TerminateOnNaN(raise_error=True)])  # doctest: +SKIP
    """

    every_epoch = False

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = check_bool(raise_error, "raise_error", "TerminateOnNaN")

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Epoch {epoch + 1}: Invalid loss, terminating training")
            self.model.stop_training = True
