# Source: https://machinelearningmastery.com/display-deep-learning-model-training-history-in-keras/
# Original: Jason Brownlee, "Display Deep Learning Model Training History in Keras" (tf.keras text)
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); epochs 150 -> 40 (time, both libraries)
# Compare: list(history.history.keys()) exactly
# Compare: history.history['val_accuracy'][-1] within 0.1
# Compare: history.history['loss'][-1] within 0.04
# Visualize training history
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
import matplotlib.pyplot as plt
import numpy as np

import tutorial_data

# load pima indians dataset (was: np.loadtxt("pima-indians-diabetes.csv", delimiter=","))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (Y) variables
X = dataset[:, 0:8]
Y = dataset[:, 8]
# create model
model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# Fit the model
history = model.fit(X, Y, validation_split=0.33, epochs=40, batch_size=10, verbose=0)
# list all data in history
print(history.history.keys())
# summarize history for accuracy
plt.plot(history.history['accuracy'])
plt.plot(history.history['val_accuracy'])
plt.title('model accuracy')
plt.ylabel('accuracy')
plt.xlabel('epoch')
plt.legend(['train', 'test'], loc='upper left')
plt.show()
# summarize history for loss
plt.plot(history.history['loss'])
plt.plot(history.history['val_loss'])
plt.title('model loss')
plt.ylabel('loss')
plt.xlabel('epoch')
plt.legend(['train', 'test'], loc='upper left')
plt.show()
