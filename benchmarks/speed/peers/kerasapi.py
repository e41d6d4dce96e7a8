"""Keras 3 (JAX backend) and twoclass: ONE child, parameterised by the module prefix.

twoclass's public API mirrors Keras, so the twoclass child is the Keras child with only the imports switched.
W4 is a Python loop over seeds for Keras and ``twoclass.fit_seeds`` (one vmapped program) for twoclass; W5 is
``model.save`` + ``keras.saving.load_model`` for Keras, ``model.save`` + ``twoclass.inference.load`` for twoclass.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from benchmarks.speed.peers import NotAvailable, common


class Api:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.root = importlib.import_module(prefix)
        self.models = importlib.import_module(f"{prefix}.models")
        self.layers = importlib.import_module(f"{prefix}.layers")
        self.optimizers = importlib.import_module(f"{prefix}.optimizers")


def build(api: Api, spec, n_features: int, seed: int):
    set_seed = getattr(getattr(api.root, "utils", None), "set_random_seed", None)
    if set_seed is not None:
        set_seed(seed)
    model = api.models.Sequential(
        [api.layers.Input(shape=(n_features,))]
        + [api.layers.Dense(units, activation=activation) for units, activation in spec["layers"]]
    )
    if spec["optimizer"] == "sgd":
        optimizer = api.optimizers.SGD(learning_rate=spec["learning_rate"])
    else:
        optimizer = api.optimizers.Adam(learning_rate=spec["learning_rate"])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _fit_kwargs(spec, split):
    kwargs = {"batch_size": spec["batch_size"], "epochs": spec["epochs"], "verbose": 0}
    if spec["validation"]:
        kwargs["validation_data"] = (split.x_val, split.y_val.reshape(-1, 1))
    return kwargs


def train(api: Api, spec, split, seed):
    model = build(api, spec, split.x.shape[1], seed)
    history = model.fit(split.x, split.y.reshape(-1, 1), **_fit_kwargs(spec, split))
    return model, history.history


def check(api: Api, trained, spec, split):
    model, history = trained
    return common.fit_figures(history, spec, split, lambda: model.predict(split.x_val, verbose=0))


def train_seeds(api: Api, spec, split, seeds):
    if api.prefix == "twoclass":
        model = build(api, spec, split.x.shape[1], seeds[0])
        kwargs = _fit_kwargs(spec, split)
        del kwargs["verbose"]  # fit_seeds is silent
        result = api.root.fit_seeds(model, split.x, split.y.reshape(-1, 1), seeds=list(seeds), **kwargs)
        return [getattr(h, "history", h) for h in result.histories]
    return [train(api, spec, split, seed)[1] for seed in seeds]


def check_seeds(api: Api, trained, spec, split):
    return common.final_train_accuracies(trained)


def _twoclass_save(model, workdir: Path) -> str:
    """Write the model directory that ``twoclass.inference.load`` reads.

    ``twoclass.io.save_model_dir`` writes it where it exists (``model.save`` writes Keras's ``.keras`` file);
    otherwise ``model.save(dir)``, as W5 was first specified.
    """
    path = str(workdir / "twoclass_model")
    try:
        save_model_dir = importlib.import_module("twoclass.io").save_model_dir
    except (ImportError, AttributeError):
        model.save(path)
    else:
        save_model_dir(model, path)
    return path


def predict_bench(api: Api, spec, split, predict_x, workdir: Path):
    if api.prefix == "twoclass":
        try:
            inference = importlib.import_module("twoclass.inference")
        except ImportError as error:
            raise NotAvailable(f"twoclass.inference does not exist yet ({error})") from None
    model, _ = train(api, spec, split, 0)
    reference = common.as_positive_proba(model.predict(split.x_val, verbose=0))
    if api.prefix == "keras":
        path = workdir / "model.keras"
        model.save(path)
        start = time.perf_counter()
        loaded = api.root.saving.load_model(path)
        load_s = time.perf_counter() - start

        def proba(x):
            # Keras's default batch of 32 would cripple its throughput; a user who cares sets a large one.
            return common.as_positive_proba(loaded.predict(x, verbose=0, batch_size=4096))
    else:
        path = _twoclass_save(model, workdir)
        start = time.perf_counter()
        loaded = inference.load(path)
        load_s = time.perf_counter() - start

        def proba(x):
            return common.as_positive_proba(loaded.predict_proba(x))

    return common.predict_figures(proba, reference, split, predict_x, load_s)
