"""One peer of the sweep benchmark, in a process of its own: trains the 32 members and prints one JSON line.

    python -m benchmarks.sweeps.child PEER NET DATA_DIR EPOCHS BATCH

PEER is sweep (twoclass.sweeps.sweep, one program), twoclass (model.fit per member), keras (Keras 3 on JAX,
model.fit per member) or sklearn (MLPClassifier per member). Each child runs its whole loop twice and reports both:
the first includes every compilation (the twoclass children run with the persistent cache off), the second is what
the same process pays again.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

import numpy as np

# The 32 members: 4 learning rates x 2 L2 strengths x 4 seeds, per network.
GRIDS = {
    "slides": {"learning_rate": [0.05, 0.1, 0.2, 0.5], "l2": [0.0, 1e-4], "seed": [0, 1, 2, 3]},
    "64-32": {"learning_rate": [3e-4, 1e-3, 3e-3, 1e-2], "l2": [0.0, 1e-4], "seed": [0, 1, 2, 3]},
}


def members(net: str) -> list[tuple[float, float, int]]:
    grid = GRIDS[net]
    return [(lr, l2, s) for lr in grid["learning_rate"] for l2 in grid["l2"] for s in grid["seed"]]


def _twoclass_model(net: str, features: int, lr: float, l2: float, seed: int | None):
    from twoclass.layers import Dense, Input
    from twoclass.models import Sequential
    from twoclass.optimizers import SGD, Adam
    from twoclass.regularizers import L2

    if net == "slides":
        layers = [
            Input((features,)),
            Dense(4, activation="tanh", kernel_regularizer=L2(l2)),
            Dense(1, activation="sigmoid", kernel_regularizer=L2(l2)),
        ]
        optimizer = SGD(learning_rate=lr)
    else:
        layers = [
            Input((features,)),
            Dense(64, activation="relu", kernel_regularizer=L2(l2)),
            Dense(32, activation="relu", kernel_regularizer=L2(l2)),
            Dense(1, activation="sigmoid", kernel_regularizer=L2(l2)),
        ]
        optimizer = Adam(learning_rate=lr)
    model = Sequential(layers)
    if seed is not None:
        model.reseed(seed)  # the member's seed, as the sweep draws it
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def run_sweep(net, x, y, xv, yv, epochs, batch):
    from twoclass.sweeps import sweep

    result = sweep(
        _twoclass_model(net, x.shape[1], 0.1, 0.0, None),
        x,
        y,
        grid=GRIDS[net],
        epochs=epochs,
        batch_size=batch,
        validation_data=(xv, yv),
    )
    return [h["val_loss"][-1] for h in result.histories]


def run_twoclass(net, x, y, xv, yv, epochs, batch):
    out = []
    for lr, l2, seed in members(net):
        model = _twoclass_model(net, x.shape[1], lr, l2, seed)
        history = model.fit(x, y, epochs=epochs, batch_size=batch, validation_data=(xv, yv), verbose=0)
        out.append(history.history["val_loss"][-1])
    return out


def run_keras(net, x, y, xv, yv, epochs, batch):
    import keras

    out = []
    for lr, l2, seed in members(net):
        keras.utils.set_random_seed(seed)
        reg = keras.regularizers.L2(l2)
        if net == "slides":
            layers = [
                keras.Input((x.shape[1],)),
                keras.layers.Dense(4, activation="tanh", kernel_regularizer=reg),
                keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=reg),
            ]
            optimizer = keras.optimizers.SGD(learning_rate=lr)
        else:
            layers = [
                keras.Input((x.shape[1],)),
                keras.layers.Dense(64, activation="relu", kernel_regularizer=reg),
                keras.layers.Dense(32, activation="relu", kernel_regularizer=reg),
                keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=reg),
            ]
            optimizer = keras.optimizers.Adam(learning_rate=lr)
        model = keras.Sequential(layers)
        model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=epochs, batch_size=batch, validation_data=(xv, yv), verbose=0)
        out.append(history.history["val_loss"][-1])
    return out


def run_sklearn(net, x, y, xv, yv, epochs, batch):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    out = []
    for lr, l2, seed in members(net):
        shape = (
            dict(hidden_layer_sizes=(4,), activation="tanh", solver="sgd", momentum=0.0)
            if net == "slides"
            else dict(hidden_layer_sizes=(64, 32), activation="relu", solver="adam")
        )
        model = MLPClassifier(
            **shape,
            learning_rate_init=lr,
            alpha=l2,
            batch_size=batch,
            max_iter=epochs,
            shuffle=True,
            random_state=seed,
            tol=0.0,
            n_iter_no_change=epochs + 1,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y)
        out.append(log_loss(yv, model.predict_proba(xv)[:, 1], labels=[0, 1]))  # once, at the end: no per-epoch
    return out


def main() -> None:
    peer, net, folder, epochs, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    started = time.perf_counter()
    data = {k: np.load(os.path.join(folder, f"{net}_{k}.npy")) for k in ("x", "y", "xv", "yv")}
    runner = {"sweep": run_sweep, "twoclass": run_twoclass, "keras": run_keras, "sklearn": run_sklearn}[peer]
    times, losses = [], None
    for _ in range(2):
        t0 = time.perf_counter()
        losses = runner(net, data["x"], data["y"], data["xv"], data["yv"], epochs, batch)
        times.append(time.perf_counter() - t0)
    losses = np.asarray(losses, np.float64)
    print(
        json.dumps(
            {
                "peer": peer,
                "net": net,
                "first_s": times[0],
                "second_s": times[1],
                "process_s": time.perf_counter() - started,
                "members": len(losses),
                "best_val_loss": float(np.nanmin(losses)),
                "val_losses": losses.tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
