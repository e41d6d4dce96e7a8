"""Train, model.save('....keras'), keras.models.load_model, and predict with the loaded model."""

import os

import numpy as np

DETERMINISTIC = True


def make_data(n=600, seed=17):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x @ np.linspace(-1, 1, 8) + 0.5 * rng.normal(size=n) > 0).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(23)
    model = keras.Sequential([
        keras.Input(shape=(8,)),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
        keras.layers.Dense(8, activation="tanh", kernel_initializer="he_normal"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="sentiment")
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    history = model.fit(x[:500], y[:500], epochs=6, batch_size=32, shuffle=False, verbose=0)
    path = os.path.join(workdir, "sentiment.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    before = model.predict(x[500:], verbose=0)
    after = restored.predict(x[500:], verbose=0)
    return {"history": history.history, "initial_weights": weights_before, "paths": [path], "probe": x[500:],
            "predictions": after, "max_reload_difference": float(np.max(np.abs(before - after))),
            "evaluation": restored.evaluate(x[500:], y[500:], verbose=0, return_dict=True)}
