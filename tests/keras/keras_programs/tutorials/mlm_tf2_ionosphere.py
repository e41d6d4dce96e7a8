# Source: https://machinelearningmastery.com/tensorflow-tutorial-deep-learning-with-tf-keras/
# Original: Jason Brownlee, "TensorFlow 2 Tutorial: Get Started in Deep Learning with tf.keras", binary MLP section
# Changed: data loading (read_csv of the ionosphere URL -> tutorial_data); epochs 150 -> 50 (time, both libraries)
# Fix: `model.predict([row])` -> `model.predict(asarray([row]))` | says:  (Keras 3 refuses a list of rows; twoclass takes it)
# Fix: `% yhat)` -> `% yhat[0, 0])` | says:  (NumPy 2 refuses '%.3f' of a 2-D array, in both)
# Compare: acc within 0.05
# Compare: float(yhat[0, 0]) within 0.1
# mlp for binary classification
from numpy import asarray  # noqa: F401 - added: the Keras 3 spelling of predict([row]) needs it
from pandas import read_csv  # noqa: F401 - the tutorial's import; the file itself comes from tutorial_data
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense

import tutorial_data

# load the dataset (was: read_csv(path, header=None) of the ionosphere.csv URL)
df = tutorial_data.ionosphere()
# split into input and output columns
X, y = df.values[:, :-1], df.values[:, -1]
# ensure all data are floating point values
X = X.astype('float32')
# encode strings to integer
y = LabelEncoder().fit_transform(y)
# split into train and test datasets
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33)
print(X_train.shape, X_test.shape, y_train.shape, y_test.shape)
# determine the number of input features
n_features = X_train.shape[1]
# define model
model = Sequential()
model.add(Dense(10, activation='relu', kernel_initializer='he_normal', input_shape=(n_features,)))
model.add(Dense(8, activation='relu', kernel_initializer='he_normal'))
model.add(Dense(1, activation='sigmoid'))
# compile the model
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
# fit the model
model.fit(X_train, y_train, epochs=50, batch_size=32, verbose=0)
# evaluate the model
loss, acc = model.evaluate(X_test, y_test, verbose=0)
print('Test Accuracy: %.3f' % acc)
# make a prediction
row = [1, 0, 0.99539, -0.05889, 0.85243, 0.02306, 0.83398, -0.37708, 1, 0.03760, 0.85243, -0.17755, 0.59755,
       -0.44945, 0.60536, -0.38223, 0.84356, -0.38542, 0.58212, -0.32192, 0.56971, -0.29674, 0.36946, -0.47357,
       0.56811, -0.51171, 0.41078, -0.46168, 0.21266, -0.34090, 0.42267, -0.54487, 0.18641, -0.45300]
yhat = model.predict([row])
print('Predicted: %.3f' % yhat)
