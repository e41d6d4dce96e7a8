"""BinaryFocalCrossentropy with class balancing and label smoothing, and an ExponentialDecay learning-rate schedule."""

import numpy as np

DETERMINISTIC = True


def make_data(n=1000, seed=53):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x[:, 0] + 0.7 * x[:, 4] - 0.5 * x[:, 2] + 0.5 * rng.normal(size=n) > 1.3).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(61)
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    schedule = keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=0.05, decay_steps=20,
                                                           decay_rate=0.8)
    loss = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.75, gamma=2.0,
                                                label_smoothing=0.05)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss=loss,
                  metrics=[keras.metrics.AUC(name="auc"), keras.metrics.Recall(name="recall")])
    history = model.fit(x[:800], y[:800], validation_data=(x[800:], y[800:]), epochs=8, batch_size=40,
                        shuffle=False, verbose=0)
    return {"history": history.history, "initial_weights": weights_before,
            "evaluation": model.evaluate(x[800:], y[800:], verbose=0, return_dict=True),
            "predictions": model.predict(x[800:], verbose=0)}
