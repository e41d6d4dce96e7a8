# Source: https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/
# Original: the same tutorial as updated for Keras 2.2 (2019): input_dim=8, verbose=0, model.predict_classes(X)
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); epochs 150 -> 40 (time, both libraries)
# Fix: `model.predict_classes(X)` -> `(model.predict(X) > 0.5).astype("int32")` | says: > 0.5).astype("int32")
# Fix: `predictions[i], y[i]` -> `predictions[i, 0], y[i]` | says:  (NumPy 2 refuses '%d' of a one-element array, in both)
# Compare: float((predictions.ravel() == y).mean()) within 0.04
# first neural network with keras make predictions
from numpy import loadtxt  # noqa: F401 - the tutorial's import; the file itself comes from tutorial_data
from keras.models import Sequential
from keras.layers import Dense

import tutorial_data

# load the dataset (was: loadtxt('pima-indians-diabetes.csv', delimiter=','))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (y) variables
X = dataset[:, 0:8]
y = dataset[:, 8]
# define the keras model
model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# compile the keras model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# fit the keras model on the dataset
model.fit(X, y, epochs=40, batch_size=10, verbose=0)
# make class predictions with the model
predictions = model.predict_classes(X)
# summarize the first 5 cases
for i in range(5):
    print('%s => %d (expected %d)' % (X[i].tolist(), predictions[i], y[i]))
