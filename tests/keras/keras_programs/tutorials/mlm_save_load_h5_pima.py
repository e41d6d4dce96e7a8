# Source: https://machinelearningmastery.com/save-load-keras-deep-learning-models/
# Original: Jason Brownlee, "How to Save and Load Your Keras Deep Learning Model": the JSON section (to_json,
#   save_weights("model.h5"), model_from_json, load_weights) and the HDF5 section (model.save("model.h5"),
#   load_model('model.h5'))
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); epochs 150 -> 30 (time, both libraries)
# Fix: `save_weights("model.h5")` -> `save_weights("model.weights.h5")` | says: .weights.h5
# Fix: `load_weights("model.h5")` -> `load_weights("model.weights.h5")` | says:  (follows from the fix above)
# Compare: score[1] within 0.04
# Compare: json_score[1] within 0.04
# Compare: float(abs(json_score[1] - json_trained[1])) exactly
# MLP for Pima Indians Dataset saved to single file, and the same with JSON plus weights
import numpy as np
from tensorflow.keras.models import Sequential, model_from_json
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import load_model

import tutorial_data

# load pima indians dataset (was: loadtxt("pima-indians-diabetes.csv", delimiter=","))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (Y) variables
X = dataset[:, 0:8]
Y = dataset[:, 8]

# --- Save Your Neural Network Model to JSON
model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# Fit the model
model.fit(X, Y, epochs=30, batch_size=10, verbose=0)
# evaluate the model
json_trained = model.evaluate(X, Y, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], json_trained[1] * 100))
# serialize model to JSON
model_json = model.to_json()
with open("model.json", "w") as json_file:
    json_file.write(model_json)
# serialize weights to HDF5
model.save_weights("model.h5")
print("Saved model to disk")
# load json and create model
json_file = open('model.json', 'r')
loaded_model_json = json_file.read()
json_file.close()
loaded_model = model_from_json(loaded_model_json)
# load weights into new model
loaded_model.load_weights("model.h5")
print("Loaded model from disk")
# evaluate loaded model on test data
loaded_model.compile(loss='binary_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
json_score = loaded_model.evaluate(X, Y, verbose=0)
print("%s: %.2f%%" % (loaded_model.metrics_names[1], json_score[1] * 100))

# --- Save Your Neural Network Model to HDF5
model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# Fit the model
model.fit(X, Y, epochs=30, batch_size=10, verbose=0)
# evaluate the model
scores = model.evaluate(X, Y, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
# save model and architecture to single file
model.save("model.h5")
print("Saved model to disk")
# load model
model = load_model('model.h5')
# summarize model.
model.summary()
# evaluate the model
score = model.evaluate(X, Y, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], score[1] * 100))
