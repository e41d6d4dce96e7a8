"""The Keras lesson: four numbers in, "low" (mean < 50) = 0 or "high" = 1 out.

First the lesson's own tiny data set (6 training rows, a few validation rows, 100 epochs, 100% accuracy),
then the same network on 10,000 generated rows.  Run:  python examples/mean_low_high.py
"""

import numpy as np

from twoclass import datasets
from twoclass.layers import Dense  # was: from keras.layers import Dense
from twoclass.models import Sequential  # was: from keras.models import Sequential
from twoclass.utils import set_random_seed

set_random_seed(0)


def lesson_model():
    model = Sequential()
    model.add(Dense(8, input_dim=4, activation="relu"))
    model.add(Dense(8, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))  # was: Dense(1, activation='linear')
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",  # was: loss='mean_squared_error'
        metrics=["accuracy"],
    )
    return model


# The lesson's data: the first three rows are "low" (0), the next three "high" (1).
x_train, y_train, x_val, y_val = datasets.mean_of_four_lesson()
model = lesson_model()
history = model.fit(x_train, y_train, epochs=100, validation_data=(x_val, y_val), verbose=2)
print(
    f"lesson data: train accuracy {history.history['accuracy'][-1]:.2f}, "
    f"validation accuracy {history.history['val_accuracy'][-1]:.2f}"
)
print("validation probabilities of 'high':", np.round(model.predict(x_val, verbose=0)[:, 0], 3).tolist())

# The same network on 10,000 generated rows (scaled to [0, 1], as one would for real data).
x, y = datasets.mean_of_four(n=12_000, seed=0)
x = x / 100.0
model = lesson_model()
history = model.fit(
    x[:10_000], y[:10_000], epochs=100, batch_size=32, validation_data=(x[10_000:], y[10_000:]), verbose=0
)
print(
    f"10,000 rows: train accuracy {history.history['accuracy'][-1]:.3f}, "
    f"validation accuracy {history.history['val_accuracy'][-1]:.3f}"
)
