"""Imbalanced, fraud-style data: class_weight and confusion-count metrics (TP/FP/TN/FN, precision, recall, AUC)."""

import numpy as np

DETERMINISTIC = True


def make_transactions(n=1200, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    score = 1.2 * x[:, 0] - 0.8 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3]
    y = (score + 0.3 * rng.normal(size=n) > 2.2).astype("float32")  # about 5% fraud
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_transactions()
    x_train, y_train, x_val, y_val = x[:900], y[:900], x[900:], y[900:]
    negatives, positives = np.bincount(y_train.astype(int))
    total = negatives + positives
    class_weight = {0: (1 / negatives) * (total / 2.0), 1: (1 / positives) * (total / 2.0)}

    keras.utils.set_random_seed(42)
    metrics = [
        keras.metrics.TruePositives(name="tp"),
        keras.metrics.FalsePositives(name="fp"),
        keras.metrics.TrueNegatives(name="tn"),
        keras.metrics.FalseNegatives(name="fn"),
        keras.metrics.BinaryAccuracy(name="accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(name="auc"),
        keras.metrics.AUC(name="prc", curve="PR"),
    ]
    model = keras.Sequential([
        keras.Input(shape=(5,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=keras.losses.BinaryCrossentropy(),
                  metrics=metrics)
    history = model.fit(x_train, y_train, batch_size=128, epochs=8, validation_data=(x_val, y_val),
                        class_weight=class_weight, shuffle=False, verbose=0)
    results = model.evaluate(x_val, y_val, batch_size=128, verbose=0, return_dict=True)
    return {"history": history.history, "initial_weights": weights_before, "evaluation": results,
            "predictions": model.predict(x_val, verbose=0)}
