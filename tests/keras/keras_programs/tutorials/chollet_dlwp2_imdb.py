# Source: https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/second_edition/chapter04_getting-started-with-neural-networks.ipynb
# Original: François Chollet, "Deep Learning with Python", 2nd edition, chapter 4, "Classifying movie reviews":
#   multi-hot vectors of 10,000 words, a Sequential without an input shape, rmsprop, validation on held-out reviews,
#   then a fresh model trained for 4 epochs, evaluate and predict
# Changed: data loading (keras.datasets.imdb -> tutorial_data.imdb_load_data: the UCI sentiment sentences numbered
#   the way imdb.load_data numbers words, 1,500 train / 1,500 test); the validation slice 10,000 -> 500 reviews (the
#   data has 1,500, not 25,000); epochs 20 -> 8 (time, both libraries;
#   the retraining keeps its 4)
# Skip without: sentiment_labelled_sentences.csv
# Compare: list(history_dict.keys()) exactly
# Compare: val_acc[-1] within 0.04
# Compare: results[1] within 0.04
# Compare: float(model.predict(x_test).mean()) within 0.03
import tutorial_data

# was: from tensorflow.keras.datasets import imdb; imdb.load_data(num_words=10000)
(train_data, train_labels), (test_data, test_labels) = tutorial_data.imdb_load_data(
    num_words=10000)

train_data[0]
train_labels[0]
max([max(sequence) for sequence in train_data])

import numpy as np  # noqa: E402


def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.
    return results


x_train = vectorize_sequences(train_data)
x_test = vectorize_sequences(test_data)

y_train = np.asarray(train_labels).astype("float32")
y_test = np.asarray(test_labels).astype("float32")

from tensorflow import keras  # noqa: E402
from tensorflow.keras import layers  # noqa: E402

model = keras.Sequential([
    layers.Dense(16, activation="relu"),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid")
])

model.compile(optimizer="rmsprop",
              loss="binary_crossentropy",
              metrics=["accuracy"])

x_val = x_train[:500]
partial_x_train = x_train[500:]
y_val = y_train[:500]
partial_y_train = y_train[500:]

history = model.fit(partial_x_train,
                    partial_y_train,
                    epochs=8,
                    batch_size=512,
                    validation_data=(x_val, y_val))

history_dict = history.history
history_dict.keys()

import matplotlib.pyplot as plt  # noqa: E402
history_dict = history.history
loss_values = history_dict["loss"]
val_loss_values = history_dict["val_loss"]
epochs = range(1, len(loss_values) + 1)
plt.plot(epochs, loss_values, "bo", label="Training loss")
plt.plot(epochs, val_loss_values, "b", label="Validation loss")
plt.title("Training and validation loss")
plt.xlabel("Epochs")
plt.ylabel("Loss")
plt.legend()
plt.show()

plt.clf()
acc = history_dict["accuracy"]
val_acc = history_dict["val_accuracy"]
plt.plot(epochs, acc, "bo", label="Training acc")
plt.plot(epochs, val_acc, "b", label="Validation acc")
plt.title("Training and validation accuracy")
plt.xlabel("Epochs")
plt.ylabel("Accuracy")
plt.legend()
plt.show()

model = keras.Sequential([
    layers.Dense(16, activation="relu"),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid")
])
model.compile(optimizer="rmsprop",
              loss="binary_crossentropy",
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=4, batch_size=512)
results = model.evaluate(x_test, y_test)
results
model.predict(x_test)
