"""A user's own Callback subclass: on_epoch_end(epoch, logs) reads the logs and self.model, and stops training."""

import numpy as np

DETERMINISTIC = True


def make_data(n=800, seed=9):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.2).astype("float32")
    return x, y


def main(keras, workdir, initial_weights=None):
    x, y = make_data()
    probe = x[:5]

    class Monitor(keras.callbacks.Callback):
        """Records the gap between training and validation accuracy, the weight norm and a few predictions."""

        def __init__(self, target):
            super().__init__()
            self.target = target
            self.rows = []

        def on_train_begin(self, logs=None):
            self.began = True

        def on_epoch_end(self, epoch, logs=None):
            kernel = self.model.get_weights()[0]
            self.rows.append({
                "epoch": epoch,
                "gap": logs["accuracy"] - logs["val_accuracy"],
                "kernel_norm": float(np.linalg.norm(kernel)),
                "probe": self.model.predict(probe, verbose=0).ravel().tolist(),
            })
            if logs["val_accuracy"] >= self.target:
                self.model.stop_training = True

    keras.utils.set_random_seed(13)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    weights_before = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="binary_crossentropy",
                  metrics=["accuracy"])
    monitor = Monitor(target=0.88)
    history = model.fit(x[:600], y[:600], validation_data=(x[600:], y[600:]), epochs=30, batch_size=32,
                        shuffle=False, callbacks=[monitor], verbose=0)
    return {"history": history.history, "initial_weights": weights_before, "rows": monitor.rows,
            "began": monitor.began}
