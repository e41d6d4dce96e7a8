"""ReduceLROnPlateau on val_loss, with a CSVLogger writing each epoch's logs."""

import csv
import os

import numpy as np

DETERMINISTIC = True


def make_data(n=700, seed=41):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x[:, 0] * x[:, 1] + 0.4 * rng.normal(size=n) > 0).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(37)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(16, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy",
                  metrics=["accuracy"])
    log_path = os.path.join(workdir, "training.csv")
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_delta=0.01,
                                          min_lr=0.01),
        keras.callbacks.CSVLogger(log_path),
    ]
    history = model.fit(x[:500], y[:500], validation_data=(x[500:], y[500:]), epochs=12, batch_size=25,
                        shuffle=False, callbacks=callbacks, verbose=0)
    with open(log_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {"history": history.history, "initial_weights": weights_before, "csv_rows": rows,
            "final_learning_rate": float(np.asarray(model.optimizer.learning_rate))}
