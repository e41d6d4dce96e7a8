# Source: https://youtu.be/PG4XGqUeYnM
# Original: DigitalSreeni (Sreenivas Bhattiprolu), python_for_microscopists: breast-cancer classification with a
#   TensorBoard callback; code as published with the video (tensorflow.keras imports, MinMaxScaler, Dense(16,
#   input_dim=30) + Dropout + Dense(1) + Activation('sigmoid'), fit with validation_data, confusion matrix)
# Changed: data loading (data/wisconsin_breast_cancer_dataset.csv -> tutorial_data, same columns); epochs kept (50)
# Fix: `tensorboard = TensorBoard(log_dir="logs\\{}".format(file_name))` -> `` | says: CSVLogger  (TensorBoard
#   writes TensorFlow event files: Keras 3 on JAX stops in fit with "No module named 'tensorflow'")
# Fix: `callbacks=[tensorboard]` -> `callbacks=[]` | says:  (follows from the fix above)
# Compare: float((y_pred.ravel() == y_test).mean()) within 0.03
# Compare: history.history['val_loss'][-1] within 0.03
# Compare: cm.sum() exactly
import pandas as pd  # noqa: F401 - the tutorial's import; the file itself comes from tutorial_data
from matplotlib import pyplot as plt
import seaborn as sns

from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Activation, Dropout

import tutorial_data

# was: pd.read_csv("data/wisconsin_breast_cancer_dataset.csv")
df = tutorial_data.wisconsin_breast_cancer()

print(df.describe().T)  # Values need to be normalized before fitting.
print(df.isnull().sum())

# Rename Dataset to Label to make it easy to understand
df = df.rename(columns={'Diagnosis': 'Label'})
print(df.dtypes)

df['Label'].value_counts()

# Define the dependent variable that needs to be predicted (labels)
y = df["Label"].values

# Encoding categorical data
from sklearn.preprocessing import LabelEncoder  # noqa: E402
labelencoder = LabelEncoder()
Y = labelencoder.fit_transform(y)  # M=1 and B=0

# Define the independent variables
X = df.drop(labels=["Label", "ID"], axis=1)

from sklearn.preprocessing import MinMaxScaler  # noqa: E402
scaler = MinMaxScaler()
scaler.fit(X)
X = scaler.transform(X)

# Split data into train and test to verify accuracy after fitting the model.
from sklearn.model_selection import train_test_split  # noqa: E402
X_train, X_test, y_train, y_test = train_test_split(X, Y, test_size=0.25, random_state=42)

model = Sequential()
model.add(Dense(16, input_dim=30, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(1))
model.add(Activation('sigmoid'))
model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print(model.summary())

# Tensorboard callback
from tensorflow.keras.callbacks import TensorBoard  # noqa: E402
file_name = 'my_saved_model'
tensorboard = TensorBoard(log_dir="logs\\{}".format(file_name))

history = model.fit(X_train, y_train, verbose=1, epochs=50, batch_size=64,
                    validation_data=(X_test, y_test), callbacks=[tensorboard])

_, acc = model.evaluate(X_test, y_test)
print("Accuracy = ", (acc * 100.0), "%")

# plot the training and validation accuracy and loss at each epoch
loss = history.history['loss']
val_loss = history.history['val_loss']
epochs = range(1, len(loss) + 1)
plt.plot(epochs, loss, 'y', label='Training loss')
plt.plot(epochs, val_loss, 'r', label='Validation loss')
plt.title('Training and validation loss')
plt.xlabel('Epochs')
plt.ylabel('Loss')
plt.legend()
plt.show()

acc = history.history['accuracy']
val_acc = history.history['val_accuracy']
plt.plot(epochs, acc, 'y', label='Training acc')
plt.plot(epochs, val_acc, 'r', label='Validation acc')
plt.title('Training and validation accuracy')
plt.xlabel('Epochs')
plt.ylabel('Accuracy')
plt.legend()
plt.show()

# Predicting the Test set results
y_pred = model.predict(X_test)
y_pred = (y_pred > 0.5)

# Making the Confusion Matrix
from sklearn.metrics import confusion_matrix  # noqa: E402
cm = confusion_matrix(y_test, y_pred)

sns.heatmap(cm, annot=True)
