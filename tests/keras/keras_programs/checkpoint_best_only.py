"""ModelCheckpoint with {epoch} and a metric placeholder in the filepath, save_best_only on val_loss."""

import os

import numpy as np

DETERMINISTIC = True


def make_data(n=800, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3)).astype("float32")
    y = (x[:, 0] ** 2 + x[:, 1] ** 2 + 0.2 * rng.normal(size=n) < 0.6).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(12, activation="tanh"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    pattern = os.path.join(workdir, "ring-{epoch:02d}-{val_loss:.3f}.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(pattern, monitor="val_loss", save_best_only=True)
    history = model.fit(x[:600], y[:600], validation_data=(x[600:], y[600:]), epochs=10, batch_size=50,
                        shuffle=False, callbacks=[checkpoint], verbose=0)
    saved = sorted(name for name in os.listdir(workdir) if name.endswith(".keras"))
    best = keras.models.load_model(os.path.join(workdir, saved[-1]))
    return {"history": history.history, "initial_weights": weights_before, "saved": saved,
            "paths": [os.path.join(workdir, saved[-1])], "probe": x[600:],
            "predictions": best.predict(x[600:], verbose=0)}
