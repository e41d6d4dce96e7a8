"""Many initialisations of one model trained at once: one compiled program, vmapped over seeds."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import NamedTuple

import jax
import numpy as np

from twoclass.core.validation import invalid
from twoclass.engine import programs as engine
from twoclass.keras.fit_inputs import prepare_fit_inputs


class SeedRuns(NamedTuple):
    """What `fit_seeds` returns: one history and one set of weights per seed."""

    seeds: list[int]
    histories: list[dict[str, list[float]]]
    template: object
    weights: list[list[np.ndarray]]

    def model(self, index: int):
        """The fitted model for seeds[index], as an independent Sequential."""
        model = copy.deepcopy(self.template)
        model.set_weights(self.weights[index])
        return model

    def predict(self, x) -> np.ndarray:
        """Predictions of every seed's model, shape (n_seeds, n, 1)."""
        return np.stack([self.model(i).predict(x, verbose=0) for i in range(len(self.seeds))])


def fit_seeds(
    model,
    x,
    y,
    *,
    seeds: Iterable[int],
    batch_size=None,
    epochs: int = 1,
    validation_data=None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    class_weight=None,
    sample_weight=None,
) -> SeedRuns:
    """Train one fresh copy of `model` per seed, all in one vmapped XLA program.

    >>> runs = fit_seeds(model, x, y, seeds=range(32), epochs=20)   # doctest: +SKIP
    >>> best = max(range(32), key=lambda i: runs.histories[i]["accuracy"][-1])   # doctest: +SKIP
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise invalid("seeds", "fit_seeds", "a non-empty sequence of ints", seeds)
    model.require_compiled("fit_seeds")
    inputs = prepare_fit_inputs(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        validation_split=validation_split,
        validation_data=validation_data,
        shuffle=shuffle,
        class_weight=class_weight,
        sample_weight=sample_weight,
        initial_epoch=0,
    )
    model.ensure_built(inputs.x.shape[1], "fit_seeds")
    plan = model.training_plan(inputs)
    train, val = engine.fit_tables(plan, inputs)
    hyper = model.hyperparameters()  # small NumPy leaves: the compiled call copies them faster than device_put
    optimizer_hyper = engine.float32_tree(model.optimizer.hyper())

    states = []
    for seed in seeds:
        params, layer_states = model.fresh_weights(seed)
        states.append(
            engine.init_train_state(
                plan.optimizer, optimizer_hyper, params, layer_states, engine.prng_key(seed ^ 0x5EED)
            )
        )
    stacked = jax.tree_util.tree_map(lambda *leaves: np.stack([np.asarray(leaf) for leaf in leaves]), *states)

    compiled = engine.train_fn(plan, over_seeds=True)
    names = engine.metric_names(plan, tuple(model.metrics_names[1:]))
    logs, done = [], 0
    while done < inputs.epochs:
        n_epochs = min(engine.CHUNK_EPOCHS, inputs.epochs - done)
        stacked, chunk_logs, _ = compiled(stacked, train, val, hyper, np.int32(n_epochs))
        logs.append(np.asarray(chunk_logs)[:, :n_epochs])
        done += n_epochs
    logs = np.concatenate(logs, axis=1)  # (seeds, epochs, columns)

    histories = [{name: logs[i, :, j].tolist() for j, name in enumerate(names)} for i in range(len(seeds))]
    weights = []
    trained = jax.device_get((stacked.params, stacked.state))  # one transfer; indexing device arrays is a dispatch each
    for i in range(len(seeds)):
        one = jax.tree_util.tree_map(lambda leaf, i=i: leaf[i], trained)
        flat = []
        for layer, p, s in zip(model.layers, *one):
            flat += [np.asarray(w) for w in layer.keras_weights(p, s)]
        weights.append(flat)
    return SeedRuns(seeds, histories, model, weights)
