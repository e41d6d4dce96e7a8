# Source: https://keras.io/examples/structured_data/imbalanced_classification/
# Original: fchollet, "Imbalanced classification: credit card fraud detection" (keras-io, Keras 3 text)
# Changed: data loading (Kaggle's creditcard.csv read line by line -> tutorial_data, generated in its shape:
#   30 features, 492 frauds in 284,807 rows); rows 284,807 -> 28,481 and epochs 30 -> 3 (time, both libraries)
# Compare: list(model.history.history) exactly
# Compare: model.history.history['val_recall'][-1] within 0.2
# Compare: model.history.history['val_fn'][-1] / len(val_targets) within 0.001
# Compare: sorted(name for name in os.listdir('.') if name.endswith('.keras')) exactly
import os  # noqa: F401 - the comparison lists the checkpoints in the working folder

import numpy as np

import tutorial_data

# Get the real data from https://www.kaggle.com/mlg-ulb/creditcardfraud/ (here: tutorial_data)
frame = tutorial_data.creditcard(rows=28481)
all_features = frame.drop(columns=["Class"]).to_numpy().tolist()
all_targets = frame[["Class"]].to_numpy().tolist()

features = np.array(all_features, dtype="float32")
targets = np.array(all_targets, dtype="uint8")
print("features.shape:", features.shape)
print("targets.shape:", targets.shape)

num_val_samples = int(len(features) * 0.2)
train_features = features[:-num_val_samples]
train_targets = targets[:-num_val_samples]
val_features = features[-num_val_samples:]
val_targets = targets[-num_val_samples:]

print("Number of training samples:", len(train_features))
print("Number of validation samples:", len(val_features))

counts = np.bincount(train_targets[:, 0])
print(
    "Number of positive samples in training data: {} ({:.2f}% of total)".format(
        counts[1], 100 * float(counts[1]) / len(train_targets)
    )
)

weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

import keras  # noqa: E402 - where the example imports it

model = keras.Sequential(
    [
        keras.Input(shape=train_features.shape[1:]),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.summary()

metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]

model.compile(
    optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
)

callbacks = [keras.callbacks.ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")]
class_weight = {0: weight_for_0, 1: weight_for_1}

model.fit(
    train_features,
    train_targets,
    batch_size=2048,
    epochs=3,
    verbose=2,
    callbacks=callbacks,
    validation_data=(val_features, val_targets),
    class_weight=class_weight,
)
