"""A deeper net with BatchNormalization and Dropout; shuffled batches, so only the outcome is compared."""

import numpy as np

DETERMINISTIC = False
TOLERANCE = {"accuracy": 0.05, "val_accuracy": 0.05, "loss": 0.08, "val_loss": 0.08}


def make_moons(n=1200, seed=4):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, size=n)
    label = rng.integers(0, 2, size=n)
    x = np.where(label[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    x = x + 0.15 * rng.normal(size=x.shape)
    return x.astype("float32"), label.astype("float32")


def main(keras, workdir, initial_weights=None):
    x, y = make_moons()
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(32, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:1000], y[:1000], validation_data=(x[1000:], y[1000:]), epochs=15, batch_size=32,
                        verbose=0)
    return {"history": history.history, "initial_weights": weights_before,
            "evaluation": model.evaluate(x[1000:], y[1000:], verbose=0, return_dict=True)}
