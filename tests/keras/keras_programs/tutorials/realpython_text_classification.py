# Source: https://realpython.com/python-keras-text-classification/
# Original: Nikolai Janakiev, "Practical Text Classification With Python and Keras" (Real Python), "Your First Keras
#   Model": CountVectorizer output (a SciPy sparse matrix) straight into fit, verbose=False, plot_history reading
#   history.history['acc']
# Changed: data loading (the three UCI files read with pandas -> tutorial_data, same columns); epochs 100 -> 5 (time,
#   both libraries)
# Fix: `history.history['acc']` -> `history.history['accuracy']` | says: 'accuracy'
# Fix: `history.history['val_acc']` -> `history.history['val_accuracy']` | says: 'val_accuracy'
# Compare: train_accuracy within 0.02
# Compare: accuracy within 0.04
# Compare: list(history.history) exactly
import pandas as pd  # noqa: F401 - the tutorial's import; the files themselves come from tutorial_data
from sklearn.model_selection import train_test_split
from sklearn.feature_extraction.text import CountVectorizer

import tutorial_data

# was: pd.read_csv of yelp_labelled.txt, amazon_cells_labelled.txt and imdb_labelled.txt, then pd.concat
df = tutorial_data.sentiment_sentences()

df_yelp = df[df['source'] == 'yelp']

sentences = df_yelp['sentence'].values
y = df_yelp['label'].values

sentences_train, sentences_test, y_train, y_test = train_test_split(
    sentences, y, test_size=0.25, random_state=1000)

vectorizer = CountVectorizer()
vectorizer.fit(sentences_train)

X_train = vectorizer.transform(sentences_train)
X_test = vectorizer.transform(sentences_test)

from keras.models import Sequential  # noqa: E402
from keras import layers  # noqa: E402

input_dim = X_train.shape[1]  # Number of features

model = Sequential()
model.add(layers.Dense(10, input_dim=input_dim, activation='relu'))
model.add(layers.Dense(1, activation='sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
model.summary()

history = model.fit(X_train, y_train,
                    epochs=5,
                    verbose=False,
                    validation_data=(X_test, y_test),
                    batch_size=10)

loss, accuracy = model.evaluate(X_train, y_train, verbose=False)
print("Training Accuracy: {:.4f}".format(accuracy))
train_accuracy = accuracy
loss, accuracy = model.evaluate(X_test, y_test, verbose=False)
print("Testing Accuracy:  {:.4f}".format(accuracy))

import matplotlib.pyplot as plt  # noqa: E402
plt.style.use('ggplot')


def plot_history(history):
    acc = history.history['acc']
    val_acc = history.history['val_acc']
    loss = history.history['loss']
    val_loss = history.history['val_loss']
    x = range(1, len(acc) + 1)

    plt.figure(figsize=(12, 5))
    plt.subplot(1, 2, 1)
    plt.plot(x, acc, 'b', label='Training acc')
    plt.plot(x, val_acc, 'r', label='Validation acc')
    plt.title('Training and validation accuracy')
    plt.legend()
    plt.subplot(1, 2, 2)
    plt.plot(x, loss, 'b', label='Training loss')
    plt.plot(x, val_loss, 'r', label='Validation loss')
    plt.title('Training and validation loss')
    plt.legend()


plot_history(history)
