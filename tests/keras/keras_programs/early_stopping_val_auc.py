"""Early stopping on val_auc with mode='max', patience and restore_best_weights."""

import numpy as np

DETERMINISTIC = True


def make_data(n=1000, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    logit = x[:, 0] - x[:, 1] + 0.5 * x[:, 2] + 0.8 * rng.normal(size=n)
    return x, (logit > 0).astype("float32")


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Input(shape=(6,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    stopper = keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=3, min_delta=1e-4,
                                            restore_best_weights=True)
    history = model.fit(x[:700], y[:700], validation_split=0.25, epochs=40, batch_size=64, shuffle=False,
                        callbacks=[stopper], verbose=0)
    best_epoch = int(np.argmax(history.history["val_auc"]))
    return {"history": history.history, "initial_weights": weights_before,
            "evaluation": model.evaluate(x[700:], y[700:], verbose=0, return_dict=True),
            "stopped_epoch": stopper.stopped_epoch, "best_epoch": best_epoch,
            "predictions": model.predict(x[700:], verbose=0)}
