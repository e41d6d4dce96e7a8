# Source: https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/first_edition/3.5-classifying-movie-reviews.ipynb
# Original: François Chollet, "Deep Learning with Python", 1st edition (Keras 2), section 3.5: `from keras import
#   models, layers, optimizers, losses, metrics`, input_shape=(10000,), RMSprop(lr=0.001),
#   metrics=[metrics.binary_accuracy], history.history['acc']
# Changed: data loading (keras.datasets.imdb -> tutorial_data.imdb_load_data: the UCI sentiment sentences numbered
#   the way imdb.load_data numbers words, 1,500 train / 1,500 test); the validation slice 10,000 -> 500 reviews (the
#   data has 1,500, not 25,000); epochs 20 -> 8 (time, both libraries;
#   the retraining keeps its 4)
# Fix: `RMSprop(lr=0.001)` -> `RMSprop(learning_rate=0.001)` | says:  (Keras 3 refuses lr=; twoclass takes it)
# Fix: `['acc']` -> `['binary_accuracy']` | says: binary_accuracy
# Fix: `['val_acc']` -> `['val_binary_accuracy']` | says: val_binary_accuracy
# Skip without: sentiment_labelled_sentences.csv
# Compare: list(history_dict.keys()) exactly
# Compare: val_acc[-1] within 0.04
# Compare: results[1] within 0.04
import keras
keras.__version__

import tutorial_data  # noqa: E402

# was: from keras.datasets import imdb; imdb.load_data(num_words=10000)
(train_data, train_labels), (test_data, test_labels) = tutorial_data.imdb_load_data(num_words=10000)

import numpy as np  # noqa: E402


def vectorize_sequences(sequences, dimension=10000):
    # Create an all-zero matrix of shape (len(sequences), dimension)
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.  # set specific indices of results[i] to 1s
    return results


# Our vectorized training data
x_train = vectorize_sequences(train_data)
# Our vectorized test data
x_test = vectorize_sequences(test_data)
# Our vectorized labels
y_train = np.asarray(train_labels).astype('float32')
y_test = np.asarray(test_labels).astype('float32')

from keras import models  # noqa: E402
from keras import layers  # noqa: E402

model = models.Sequential()
model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
model.add(layers.Dense(16, activation='relu'))
model.add(layers.Dense(1, activation='sigmoid'))

model.compile(optimizer='rmsprop',
              loss='binary_crossentropy',
              metrics=['accuracy'])

from keras import optimizers  # noqa: E402

model.compile(optimizer=optimizers.RMSprop(lr=0.001),
              loss='binary_crossentropy',
              metrics=['accuracy'])

from keras import losses  # noqa: E402
from keras import metrics  # noqa: E402

model.compile(optimizer=optimizers.RMSprop(lr=0.001),
              loss=losses.binary_crossentropy,
              metrics=[metrics.binary_accuracy])

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

acc = history.history['acc']
val_acc = history.history['val_acc']
loss = history.history['loss']
val_loss = history.history['val_loss']

epochs = range(1, len(acc) + 1)

plt.plot(epochs, loss, 'bo', label='Training loss')
plt.plot(epochs, val_loss, 'b', label='Validation loss')
plt.title('Training and validation loss')
plt.xlabel('Epochs')
plt.ylabel('Loss')
plt.legend()
plt.show()

model = models.Sequential()
model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
model.add(layers.Dense(16, activation='relu'))
model.add(layers.Dense(1, activation='sigmoid'))

model.compile(optimizer='rmsprop',
              loss='binary_crossentropy',
              metrics=['accuracy'])

model.fit(x_train, y_train, epochs=4, batch_size=512)
results = model.evaluate(x_test, y_test)
