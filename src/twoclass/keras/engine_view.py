"""The model as the engine sees it: weights and layer states as pytrees, their seed, the training state carried
between fits, and the structures and numbers the compiled programs take.

`EngineView` is a mixin of `Sequential` (keras/model.py, which holds the Keras API surface: compile, fit, evaluate,
predict, summary, save). It reads the attributes `Sequential.__init__` sets (`_layers`, `_input_dim`, `_params`,
`_states`, `_train_state`, `_seed`, `optimizer`, `loss`, ...) and is the only other place that writes them. The fit
loop, fit_seeds, sweeps, the estimator and the file formats use its public methods (`params`, `training_plan`,
`start_train_state`, `adopt_train_state`, `reseed`, ...); `get_weights`/`set_weights` convert the same pytrees to and
from Keras's list of arrays.

Example:
    >>> from twoclass.layers import Dense
    >>> from twoclass.models import Sequential
    >>> model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,), name="output")])
    >>> model.build()
    >>> [w.shape for w in model.get_weights()]
    [(3, 1), (1,)]
"""

from __future__ import annotations

import numpy as np

from twoclass.core.validation import check_int
from twoclass.engine import metrics as metric_programs
from twoclass.engine import programs as engine
from twoclass.engine.optimizers import set_hyperparams
from twoclass.keras.fit_inputs import FitInputs


class EngineView:
    """The weights, states, seed and training state of a `Sequential`, and what its compiled programs are keyed by."""

    # -------------------------------------------------------------------------------------------- what is compiled
    def output_dims(self) -> list[int]:
        dims, dim = [], self._input_dim
        for layer in self._layers:
            dim = layer.output_dim(dim)
            dims.append(dim)
        return dims

    def layer_structures(self) -> tuple:
        return tuple(layer.structure() for layer in self._layers)

    def metric_structures(self) -> tuple:
        """Plain metrics count every row; weighted ones (compile's weighted_metrics) use sample/class weights."""
        return tuple(m.structure() for m in self.compiled_metrics) + tuple(
            metric_programs.weighted(m.structure()) for m in self.compiled_weighted_metrics
        )

    def layer_hyper(self) -> list:
        return [engine.float32_tree(layer.hyper()) for layer in self._layers]

    def hyperparameters(self) -> engine.Hyper:
        return engine.Hyper(
            layers=self.layer_hyper(),
            loss=engine.float32_tree(self.loss.hyper()),
            schedule=engine.float32_tree(self.optimizer.schedule_hyper()),
        )

    def training_plan(self, inputs: FitInputs) -> engine.Plan:
        return engine.Plan(
            layers=self.layer_structures(),
            loss=self.loss.structure(),
            optimizer=self.optimizer.structure(),
            metrics=self.metric_structures(),
            batch_size=inputs.batch_size,
            shuffle=inputs.shuffle,
            eval_batch=engine.eval_batch_size(inputs.x_val.shape[0]) if inputs.x_val is not None else 1,
            has_validation=inputs.x_val is not None,
        )

    # ------------------------------------------------------------------------------- weights, seed and training state
    # What the fit loop, fit_seeds, sweeps, the estimator and the file formats read and change: nothing outside
    # Sequential and this mixin writes their private attributes.
    @property
    def input_dim(self) -> int | None:
        """The number of input features, once known (from an Input, input_shape, build or the first fit)."""
        return self._input_dim

    @property
    def input_name(self) -> str | None:
        """The name of the model's Input layer, when it was given one."""
        return self._input_name

    def declare_input_dim(self, dim: int) -> None:
        """Set the number of input features of a model that is not built yet (a config that records it)."""
        self._input_dim = check_int(dim, "input_dim", "declare_input_dim", minimum=1)

    @property
    def params(self) -> list | None:
        """Each layer's parameters as a dict of arrays (the engine's pytree), or None before the model is built."""
        return self._params

    @property
    def states(self) -> list | None:
        """Each layer's non-trainable state (BatchNormalization's moving statistics, ...), or None before build."""
        return self._states

    @property
    def seed(self) -> int:
        """The seed of the initial weights, the epoch orders and dropout."""
        return self._seed

    def reseed(self, seed: int) -> None:
        """Draw initial weights, epoch orders and dropout from `seed`; weights drawn before are forgotten."""
        self._seed = int(seed)
        self.forget_weights()

    def replace_weights(self, params: list, states: list) -> None:
        """New weights for every layer (a layer's `bias.assign(...)`, `set_weights`); the optimizer state is kept."""
        self._params, self._states = list(params), list(states)

    def forget_weights(self) -> None:
        """Back to an unbuilt model (the next build or fit draws fresh weights)."""
        self._params = self._states = self._train_state = None

    @property
    def epochs_done(self) -> int:
        """Epochs trained so far, over all fits: each epoch's order is drawn from the seed and this number."""
        return self._epochs_done

    def start_train_state(self, plan: engine.Plan) -> engine.TrainState:
        """The engine's state to continue training from: the last fit's, when made for the same optimizer
        structure, with the current weights and optimizer numbers; else a fresh one at the optimizer's step."""
        optimizer_hyper = engine.float32_tree(self.optimizer.hyper())
        ts = self._train_state
        if ts is None or self._train_state_optimizer != plan.optimizer:
            ts = engine.init_train_state(
                plan.optimizer,
                optimizer_hyper,
                self._params,
                self._states,
                engine.prng_key(self._seed ^ 0x5EED),
                step=self.optimizer.iterations,
                epoch=self._epochs_done,
            )
            self._train_state_optimizer = plan.optimizer
        opt_state = set_hyperparams(ts.opt_state, optimizer_hyper)
        return ts._replace(params=self._params, state=self._states, opt_state=opt_state)

    def adopt_train_state(self, ts: engine.TrainState, steps_done: int, epochs_done: int | None = None) -> None:
        """Take the weights and optimizer state a compiled chunk of epochs returned."""
        self._train_state = ts
        self._params, self._states = ts.params, ts.state
        self.optimizer.iterations = steps_done
        if epochs_done is not None:
            self._epochs_done = int(epochs_done)

    def current_train_state(self) -> engine.TrainState | None:
        """The last fit's engine state, if it was made for the optimizer compiled now (else None)."""
        if self._train_state is None or self.optimizer is None:
            return None
        return self._train_state if self._train_state_optimizer == self.optimizer.structure() else None

    def build(self, input_shape=None) -> None:
        if input_shape is not None:
            dim = input_shape[-1] if isinstance(input_shape, (tuple, list)) else input_shape
            self._input_dim = check_int(dim, "input_shape", "build", minimum=1)
        if self._input_dim is None:
            raise ValueError(
                f"Model '{self.name}' does not know its number of input features yet. Give the first "
                "layer input_shape=(n,), start with Input(shape=(n,)), or call fit first."
            )
        if not self._layers:
            raise ValueError(
                f"Model '{self.name}' has no layers. Add some, e.g. model.add(Dense(1, activation='sigmoid'))."
            )
        if self.output_dims()[-1] != 1:
            raise ValueError(
                f"A twoclass model ends in one unit (the probability of the positive class). The last layer of "
                f"'{self.name}' has {self.output_dims()[-1]} units. Use Dense(1, activation='sigmoid') as the "
                "output layer."
            )
        self._params, self._states = self.fresh_weights(self._seed)
        self._train_state = None

    def fresh_weights(self, seed: int) -> tuple[list, list]:
        """Initial parameters and layer states drawn from `seed` (layer i from the stream [seed, i])."""
        params, states, dim = [], [], self._input_dim
        for index, layer in enumerate(self._layers):
            p, s = layer.init(np.random.default_rng([seed, index]), dim)
            params.append(p)
            states.append(s)
            dim = layer.output_dim(dim)
        return params, states

    def ensure_built(self, n_features: int | None = None, owner: str = "predict") -> None:
        if self._params is None:
            if self._input_dim is None and n_features is None:
                raise ValueError(
                    f"Model '{self.name}' has never been built or trained, so it has no weights to "
                    f"{owner} with. Call fit first (or build(input_shape))."
                )
            if self._input_dim is None:
                self._input_dim = n_features
            elif n_features is not None and n_features != self._input_dim:
                raise ValueError(
                    f"The model expects {self._input_dim} input features but x has {n_features}. "
                    f"Received: x with {n_features} columns."
                )
            self.build()

    # ---------------------------------------------------------------------------------------------------- weights
    # Keras's view of the same pytrees: a flat list of arrays per layer, and the regularization penalties.
    @property
    def losses(self) -> list[np.float32]:
        """The regularization penalties, one per regularizer in layer order (kernel, then bias), as Keras's
        `model.losses`; `sum(model.losses)` is what fit adds to the loss."""
        if self._params is None:
            return []
        out = []
        for layer, params in zip(self._layers, self._params):
            for which in ("kernel", "bias"):
                regularizer = getattr(layer, f"{which}_regularizer", None)
                if regularizer is not None and which in params:
                    weight = np.asarray(params[which], np.float32)
                    penalty = regularizer.l1 * np.sum(np.abs(weight)) + regularizer.l2 * np.sum(np.square(weight))
                    out.append(np.float32(penalty))
        return out

    def get_weights(self) -> list[np.ndarray]:
        self.ensure_built(None, "get weights")
        out = []
        for layer, p, s in zip(self._layers, self._params, self._states):
            out += [np.array(w) for w in layer.keras_weights(p, s)]
        return out

    def set_weights(self, weights: list) -> None:
        self.ensure_built(None, "set weights")
        expected = self.get_weights()
        if len(weights) != len(expected):
            raise ValueError(
                f"set_weights expects a list of {len(expected)} arrays for model '{self.name}' "
                f"(shapes {[w.shape for w in expected]}). Received: {len(weights)} arrays."
            )
        for index, (new, old) in enumerate(zip(weights, expected)):
            if np.shape(new) != old.shape:
                raise ValueError(
                    f"set_weights: array {index} must have shape {old.shape}. Received: shape {np.shape(new)}."
                )
        params, states, position, dim = [], [], 0, self._input_dim
        for layer in self._layers:
            count = layer.n_keras_weights()
            # NumPy copies, not jnp arrays: jnp.asarray compiles (or loads) a program per shape outside a trace
            chunk = [np.array(w, np.float32) for w in weights[position : position + count]]
            p, s = layer.from_keras_weights(chunk, dim)
            params.append(p)
            states.append(s)
            position += count
            dim = layer.output_dim(dim)
        self._params, self._states = params, states

    def count_params(self) -> int:
        return int(sum(np.size(w) for w in self.get_weights()))
