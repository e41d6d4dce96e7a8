# Source: https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/
# Original: Jason Brownlee, "Your First Deep Learning Project in Python with Keras Step-by-Step" (the tf.keras text)
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); epochs 150 -> 40 (time, both libraries)
# Fix: `predictions[i], y[i]` -> `predictions[i, 0], y[i]` | says:  (NumPy 2 refuses '%d' of a one-element array, in both)
# Compare: accuracy within 0.03
from numpy import loadtxt  # noqa: F401 - the tutorial's import; the file itself comes from tutorial_data
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense

import tutorial_data

# load the dataset (was: loadtxt('pima-indians-diabetes.csv', delimiter=','))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (y) variables
X = dataset[:, 0:8]
y = dataset[:, 8]
# define the keras model
model = Sequential()
model.add(Dense(12, input_shape=(8,), activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# compile the keras model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# fit the keras model on the dataset
model.fit(X, y, epochs=40, batch_size=10)
# evaluate the keras model
_, accuracy = model.evaluate(X, y)
print('Accuracy: %.2f' % (accuracy * 100))
# make class predictions with the model
predictions = (model.predict(X) > 0.5).astype(int)
# summarize the first 5 cases
for i in range(5):
    print('%s => %d (expected %d)' % (X[i].tolist(), predictions[i], y[i]))
