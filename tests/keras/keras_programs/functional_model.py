"""The functional form: inputs = keras.Input(...), layers called on tensors, keras.Model(inputs, outputs)."""

import numpy as np

DETERMINISTIC = True


def make_data(n=900, seed=31):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (np.sin(x[:, 0]) + x[:, 1] * x[:, 2] - 0.3 * x[:, 3] > 0).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    keras.utils.set_random_seed(29)
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(24, activation="relu", name="hidden_1")(inputs)
    hidden = keras.layers.Dense(12, activation="elu", name="hidden_2")(hidden)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="probability")(hidden)
    model = keras.Model(inputs=inputs, outputs=outputs, name="diagnosis")
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])
    history = model.fit(x[:700], y[:700], validation_data=(x[700:], y[700:]), epochs=8, batch_size=32,
                        shuffle=False, verbose=0)
    return {"history": history.history, "initial_weights": weights_before,
            "layer_names": [layer.name for layer in model.layers if layer.name != "features"],
            "evaluation": model.evaluate(x[700:], y[700:], verbose=0, return_dict=True),
            "predictions": model.predict(x[700:], verbose=0)}
