# Source: https://machinelearningmastery.com/binary-classification-tutorial-with-the-keras-deep-learning-library/
# Original: Jason Brownlee, "Binary Classification Tutorial with the Keras Deep Learning Library" (scikeras text)
# Changed: data loading (sonar.csv -> tutorial_data, generated in its shape: 208 x 60, 'M'/'R'); epochs 100 -> 10
#   and n_splits 10 -> 5 (time, both libraries)
# Needs: scikeras
# Compare: float(results.mean()) within 0.02
# Binary Classification with Sonar Dataset: Standardized
from pandas import read_csv  # noqa: F401 - the tutorial's import; the file itself comes from tutorial_data
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
from scikeras.wrappers import KerasClassifier
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import LabelEncoder
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import Pipeline

import tutorial_data

# load dataset (was: read_csv("sonar.csv", header=None))
dataframe = tutorial_data.sonar()
dataset = dataframe.values
# split into input (X) and output (Y) variables
X = dataset[:, 0:60].astype(float)
Y = dataset[:, 60]
# encode class values as integers
encoder = LabelEncoder()
encoder.fit(Y)
encoded_Y = encoder.transform(Y)


# baseline model
def create_baseline():
    # create model
    model = Sequential()
    model.add(Dense(60, input_shape=(60,), activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    # Compile model
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    return model


# evaluate baseline model with standardized dataset
estimators = []
estimators.append(('standardize', StandardScaler()))
estimators.append(('mlp', KerasClassifier(model=create_baseline, epochs=10, batch_size=5, verbose=0)))
pipeline = Pipeline(estimators)
kfold = StratifiedKFold(n_splits=5, shuffle=True)
results = cross_val_score(pipeline, X, encoded_Y, cv=kfold)
print("Standardized: %.2f%% (%.2f%%)" % (results.mean() * 100, results.std() * 100))
