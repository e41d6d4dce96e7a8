# Source: https://machinelearningmastery.com/check-point-deep-learning-models-keras/
# Original: Jason Brownlee, "How to Check-Point Deep Learning Models in Keras": checkpoint improvements to
#   'weights-improvement-{epoch:02d}-{val_accuracy:.2f}.hdf5', then the best model only to 'weights.best.hdf5' and
#   load_weights('weights.best.hdf5') into a new model
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); epochs 150 -> 30 (time, both libraries)
# Fix: `.hdf5"` -> `.keras"` | says: .keras  (Keras 3 saves whole models as .keras; load_weights reads them)
# Compare: scores[1] within 0.05
# Compare: len(saved) > 0 exactly
# Checkpoint the weights for best model on validation accuracy
import os

from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
from tensorflow.keras.callbacks import ModelCheckpoint
import numpy as np

import tutorial_data

# load pima indians dataset (was: np.loadtxt("pima-indians-diabetes.csv", delimiter=","))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (Y) variables
X = dataset[:, 0:8]
Y = dataset[:, 8]
# create model
model = Sequential()
model.add(Dense(12, input_shape=(8,), activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# checkpoint
filepath = "weights-improvement-{epoch:02d}-{val_accuracy:.2f}.hdf5"
checkpoint = ModelCheckpoint(filepath, monitor='val_accuracy', verbose=1, save_best_only=True, mode='max')
callbacks_list = [checkpoint]
# Fit the model
model.fit(X, Y, validation_split=0.33, epochs=30, batch_size=10, callbacks=callbacks_list, verbose=0)
saved = sorted(name for name in os.listdir(".") if name.startswith("weights-improvement"))

# checkpoint the best model only
filepath = "weights.best.hdf5"
checkpoint = ModelCheckpoint(filepath, monitor='val_accuracy', verbose=1, save_best_only=True, mode='max')
callbacks_list = [checkpoint]
model.fit(X, Y, validation_split=0.33, epochs=30, batch_size=10, callbacks=callbacks_list, verbose=0)

# How to load and use weights from a checkpoint
model = Sequential()
model.add(Dense(12, input_shape=(8,), activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# load weights
model.load_weights("weights.best.hdf5")
# Compile model (required to make predictions)
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
print("Created model and loaded weights from file")
# estimate accuracy on whole dataset using loaded weights
scores = model.evaluate(X, Y, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
