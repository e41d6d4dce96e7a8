# Source: https://www.tensorflow.org/tutorials/load_data/pandas_dataframe
# Original: TensorFlow tutorial "Load a pandas DataFrame" (tensorflow/docs notebook), "A DataFrame as an array":
#   Normalization adapted on the numeric columns, a Sequential ending in Dense(1) with
#   BinaryCrossentropy(from_logits=True), fit on the DataFrame itself with batch_size=2
# Changed: data loading (tf.keras.utils.get_file of heart.csv -> tutorial_data's Cleveland heart-disease table, the
#   same 303 patients and column names); the cells that print tensors (tf.convert_to_tensor) and the tf.data and
#   dict-input sections that follow are not included; epochs kept (15)
# Compare: model.history.history['accuracy'][-1] within 0.04
# Compare: model.history.history['loss'][-1] within 0.04
import numpy as np
import pandas as pd  # noqa: F401 - the tutorial's import
import tensorflow as tf

import tutorial_data

SHUFFLE_BUFFER = 500
BATCH_SIZE = 2

# was: csv_file = tf.keras.utils.get_file('heart.csv', '.../heart.csv'); df = pd.read_csv(csv_file)
df = tutorial_data.heart_disease()
df.head()
df.dtypes

target = df.pop('target')

numeric_feature_names = ['age', 'thalach', 'trestbps', 'chol', 'oldpeak']
numeric_features = df[numeric_feature_names]
numeric_features.head()

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(numeric_features))

normalizer(numeric_features.iloc[:3])


def get_basic_model():
    model = tf.keras.Sequential([
        normalizer,
        tf.keras.layers.Dense(10, activation='relu'),
        tf.keras.layers.Dense(10, activation='relu'),
        tf.keras.layers.Dense(1)
    ])

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    return model


model = get_basic_model()
model.fit(numeric_features, target, epochs=15, batch_size=BATCH_SIZE)
