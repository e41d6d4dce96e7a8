# Source: https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/
# Original: the same tutorial as first published (May 2016, Keras 1): init='uniform', nb_epoch=
# Changed: data loading (pima-indians-diabetes.csv -> tutorial_data); nb_epoch 150 -> 40 (time, both libraries)
# Fix: `init='uniform'` -> `kernel_initializer='uniform'` | says: kernel_initializer=
# Fix: `nb_epoch=40` -> `epochs=40` | says: epochs=
# Compare: scores[1] within 0.03
# Create first network with Keras
from keras.models import Sequential
from keras.layers import Dense
import numpy

import tutorial_data

# fix random seed for reproducibility
seed = 7
numpy.random.seed(seed)
# load pima indians dataset (was: numpy.loadtxt("pima-indians-diabetes.csv", delimiter=","))
dataset = tutorial_data.pima_indians_diabetes()
# split into input (X) and output (Y) variables
X = dataset[:, 0:8]
Y = dataset[:, 8]
# create model
model = Sequential()
model.add(Dense(12, input_dim=8, init='uniform', activation='relu'))
model.add(Dense(8, init='uniform', activation='relu'))
model.add(Dense(1, init='uniform', activation='sigmoid'))
# Compile model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# Fit the model
model.fit(X, Y, nb_epoch=40, batch_size=10)
# evaluate the model
scores = model.evaluate(X, Y)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1] * 100))
