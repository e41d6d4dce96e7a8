"""Raw-scale features (income in dollars, age in years, a ratio): a Normalization layer adapted to the training set."""

import numpy as np

DETERMINISTIC = True


def make_customers(n=1000, seed=21):
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10.5, 0.5, size=n)
    age = rng.uniform(18, 80, size=n)
    ratio = rng.uniform(0, 1, size=n)
    churn = (0.00003 * income - 0.05 * age + 2.0 * ratio + 0.3 * rng.normal(size=n) > -0.2).astype("float32")
    return np.c_[income, age, ratio].astype("float32"), churn


def main(keras, workdir, initial_weights=None):
    x, y = make_customers()
    x_train, y_train, x_test, y_test = x[:800], y[:800], x[800:], y[800:]
    keras.utils.set_random_seed(8)
    normalizer = keras.layers.Normalization()
    normalizer.adapt(x_train)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        normalizer,
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.2, shuffle=False, verbose=0)
    return {"history": history.history, "initial_weights": weights_before,
            "evaluation": model.evaluate(x_test, y_test, verbose=0, return_dict=True),
            "predictions": model.predict(x_test, verbose=0)}
