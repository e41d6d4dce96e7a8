"""Sequential and Model: the Keras-style face of the engine, their Keras API surface.

A model holds layers (configuration), its current weights, and the compile settings. This module holds what a Keras
user calls: add/pop, compile, fit, evaluate, predict, summary, get_config, save and load. `fit` checks the user's
arguments (`fit_inputs.py`) and hands them to the fit loop (`fit_loop.py`), which runs the engine's compiled chunk
of epochs until done, with callbacks and printing between chunks; the model never loops over training steps in
Python. The weights, their seed, the training state and the structures compiled programs take are kept by the
`EngineView` mixin (`engine_view.py`): its "engine's view" methods (params, training_plan, start_train_state,
adopt_train_state, ...) are what the fit loop, fit_seeds, sweeps, the estimator and the file formats use; nothing
outside writes the model's private state. Saving goes through `archive.py` (Keras 3's files); rebuilding from files
is `loading.py`'s.
"""

from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

import numpy as np

from twoclass.core.arrays import as_binary_targets, as_features, as_sample_weight, row_block
from twoclass.core.seeding import draw_seed
from twoclass.core.validation import check_int
from twoclass.engine import programs as engine
from twoclass.keras import callbacks as callbacks_module
from twoclass.keras import losses as losses
from twoclass.keras import metrics as metrics_module
from twoclass.keras import optimizers, variables
from twoclass.keras.archive import load_weights, model_to_json, save_model, save_weights, sequential_config
from twoclass.keras.engine_view import EngineView
from twoclass.keras.fit_inputs import dense, prepare_fit_inputs
from twoclass.keras.fit_loop import keras_order, run_fit
from twoclass.keras.functional import SymbolicTensor, chain_between
from twoclass.keras.habits import REMOVED_METHODS, old_fit_arguments, removed_method
from twoclass.keras.layers import InputLayer, Layer, unique_name
from twoclass.keras.progress import print_step_line
from twoclass.keras.summary import summarize


class Sequential(EngineView):
    """A stack of layers, trained by a compiled JAX engine, used as in Keras.

    >>> from twoclass.layers import Dense
    >>> model = Sequential([Dense(4, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")])
    >>> model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    """

    is_functional = False  # written as Keras's "Sequential" config (a Model is written as "Functional")

    def __init__(self, layers: list | None = None, trainable: bool = True, name: str | None = None):
        self.name = name or unique_name("sequential")
        self._layers: list[Layer] = []
        self._input_dim: int | None = None
        self._input_name: str | None = None
        self._params = None
        self._states = None
        self._train_state: engine.TrainState | None = None
        self._train_state_optimizer = None  # the optimizer structure _train_state was made for
        self._epochs_done = 0  # epochs trained so far, over all fits: it seeds each epoch's shuffling
        self._seed = draw_seed()
        self.optimizer: optimizers.Optimizer | None = None
        self.loss: losses.Loss | None = None
        self.compiled_metrics: list[metrics_module.Metric] = []
        self.compiled_weighted_metrics: list[metrics_module.Metric] = []
        self.stop_training = False
        self.history: callbacks_module.History | None = None
        for layer in layers or []:
            self.add(layer)

    # ---------------------------------------------------------------------------------------------------- structure
    def add(self, layer) -> None:
        if isinstance(layer, SymbolicTensor):
            layer = layer.input_layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input can only be the first item of a Sequential model.")
            self._input_dim, self._input_name = layer.input_dim, layer.name
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer such as Dense(4). Received: {layer!r}.")
        if not self._layers and self._input_dim is None and layer.input_dim is not None:
            self._input_dim = layer.input_dim
        self._layers.append(layer)
        variables.attach(layer, self)
        self._params = self._states = self._train_state = None

    def pop(self) -> Layer:
        layer = self._layers.pop()
        self._params = self._states = self._train_state = None
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def built(self) -> bool:
        return self._params is not None

    @property
    def input_shape(self):
        return (None, self._input_dim)

    @property
    def output_shape(self):
        return (None, self.output_dims()[-1]) if self._input_dim else None

    # ---------------------------------------------------------------------------------------------------- compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ) -> None:
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='binary_crossentropy'. Received: loss=None.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.compiled_metrics = [metrics_module.get(m) for m in _metric_list(metrics, "metrics")]
        self.compiled_weighted_metrics = [
            metrics_module.get(m) for m in _metric_list(weighted_metrics, "weighted_metrics")
        ]
        self._train_state = None

    def require_compiled(self, owner: str) -> None:
        if self.loss is None:
            raise RuntimeError(
                f"You must call compile() before {owner}(). For example: model.compile("
                "optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])."
            )

    @property
    def metrics_names(self) -> list[str]:
        return ["loss", *metrics_module.unique_names(self.compiled_metrics, self.compiled_weighted_metrics)]

    # ---------------------------------------------------------------------------------------------------- fit
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight=None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq: int = 1,
        distribute=None,
        **kwargs,
    ) -> callbacks_module.History:
        """Train for `epochs` epochs; returns a History whose `.history` has Keras's keys.

        `distribute="data"` (or a `twoclass.distribute.DataParallel`) splits each minibatch over all devices, with
        the same weights as one device (see docs/scale.md)."""
        if kwargs:  # nb_epoch=, samples_per_epoch=, ...: one line with the Keras 3 spelling
            raise TypeError(old_fit_arguments(kwargs))
        self.require_compiled("fit")
        inputs = prepare_fit_inputs(
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            sample_weight=sample_weight,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_freq=validation_freq,
            validation_steps=validation_steps,
            validation_batch_size=validation_batch_size,
        )
        self.ensure_built(inputs.x.shape[1], "fit")
        if inputs.x.shape[1] != self._input_dim:
            raise ValueError(
                f"The model expects {self._input_dim} input features but x has {inputs.x.shape[1]}. "
                f"Received: x with shape {inputs.x.shape}."
            )
        return run_fit(self, inputs, callbacks, distribute)

    train = fit  # the slides call model.train(X, y, epochs=20)

    # ---------------------------------------------------------------------------------------------------- use
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict: bool = False,
    ):
        self.require_compiled("evaluate")
        if batch_size is not None:
            check_int(batch_size, "batch_size", "evaluate", minimum=1)
        self.ensure_built(None, "evaluate")
        features = as_features(dense(x), "x", "evaluate", n_features=self._input_dim)
        targets = as_binary_targets(y, features.shape[0], "y", "evaluate", require_both=False)
        weight = as_sample_weight(sample_weight, features.shape[0], "evaluate")
        eval_batch = engine.eval_batch_size(features.shape[0])
        table = engine.pad_table(features, targets, weight, eval_batch)
        started = time.perf_counter()
        compiled = engine.evaluate_fn(
            self.layer_structures(), self.loss.structure(), self.metric_structures(), eval_batch
        )
        loss_value, metric_values = compiled(self._params, self._states, self.hyperparameters(), table)
        values = dict(zip(self.metrics_names, [float(loss_value), *map(float, metric_values)]))
        if _verbosity(verbose) == 1:
            steps = math.ceil(features.shape[0] / (batch_size or 32))
            print_step_line(steps, time.perf_counter() - started, keras_order(values))
        if return_dict:
            return keras_order(values)  # Keras's dict is sorted by name; the list follows metrics_names
        return values["loss"] if len(values) == 1 else list(values.values())

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None) -> np.ndarray:
        """Probabilities of the positive class, shape (n, 1), as Keras returns them."""
        if batch_size is not None:
            check_int(batch_size, "batch_size", "predict", minimum=1)
        started = time.perf_counter()
        features = self._predict_features(x, "predict")
        outputs = self._outputs(features, logits=False)
        if _verbosity(verbose) == 1:
            print_step_line(math.ceil(features.shape[0] / (batch_size or 32)), time.perf_counter() - started, None)
        return outputs.reshape(-1, 1)

    def predict_logits(self, x) -> np.ndarray:
        """The pre-sigmoid output, shape (n,): what calibration and thresholds work on."""
        return self._outputs(self._predict_features(x, "predict_logits"), logits=True)

    def _predict_features(self, x, owner: str) -> np.ndarray:
        if self._params is None and self._input_dim is None:
            raise ValueError(
                f"Model '{self.name}' has never been built or trained, so it has no weights to "
                f"{owner} with. Call fit first."
            )
        features = as_features(dense(x), "x", owner, n_features=self._input_dim)
        self.ensure_built(features.shape[1], owner)
        return features

    def _outputs(self, features: np.ndarray, logits: bool) -> np.ndarray:
        # A fixed block per model, not one sized to the batch: a row's output is then the same bit for bit alone or
        # among others (XLA picks its kernels, and their order of additions, by shape). See core.arrays.row_block.
        eval_batch = row_block(features.shape[1])
        table = engine.pad_table(features, None, None, eval_batch)
        loss_structure = self.loss.structure() if self.loss is not None else ("bce", False)
        compiled = engine.predict_fn(self.layer_structures(), loss_structure, eval_batch, logits)
        return np.asarray(compiled(self._params, self._states, self.layer_hyper(), table))[: features.shape[0]]

    def __call__(self, x, training: bool = False):
        return self.predict(x, verbose=0)

    def __getattr__(self, name: str):
        # Keras 2's predict_classes, fit_generator, ...: the Keras 3 spelling instead of a bare AttributeError
        if name in REMOVED_METHODS:
            raise removed_method(type(self).__name__, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def compiled(self) -> bool:
        """Whether compile has been called, as Keras's `model.compiled` (scikeras reads it)."""
        return self.loss is not None

    @property
    def outputs(self) -> list:
        """The model's one output, as Keras's `model.outputs` (a list of one tensor spec of shape (None, 1))."""
        return [OutputSpec(shape=(None, 1), dtype="float32", name=self._layers[-1].name if self._layers else self.name)]

    # ------------------------------------------------------------------------------------------- description and files
    def summary(self, print_fn=None) -> None:
        summarize(self, print_fn)

    def get_config(self) -> dict[str, Any]:
        return sequential_config(self)

    def to_json(self, **kwargs) -> str:
        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        load_weights(self, filepath)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class OutputSpec(NamedTuple):
    """What Keras's `model.outputs` lists: a symbolic tensor's shape, dtype and name."""

    shape: tuple
    dtype: str
    name: str


class Model(Sequential):
    """The functional form for one chain of layers: `Model(inputs, outputs)`.

    >>> from twoclass.layers import Dense, Input
    >>> inputs = Input(shape=(2,))
    >>> model = Model(inputs, Dense(1, activation="sigmoid")(Dense(4, activation="tanh")(inputs)))
    """

    is_functional = True

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        super().__init__(name=name or unique_name("functional"))
        if inputs is None and outputs is None:
            return
        input_layer, layers = chain_between(inputs, outputs)
        self.add(input_layer)
        for layer in layers:
            self.add(layer)


def _verbosity(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _metric_list(metrics, argument: str) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_module.Metric)):
        return [metrics]
    if isinstance(metrics, dict):
        raise ValueError(f"twoclass models have one output: pass {argument} as a list, e.g. {argument}=['accuracy'].")
    return list(metrics)
