# Source: https://www.tensorflow.org/tutorials/keras/overfit_and_underfit
# Original: TensorFlow tutorial "Overfit and underfit" (tensorflow/docs notebook): Tiny, Small and L2 models on
#   HIGGS with InverseTimeDecay, from_logits loss, metrics.BinaryCrossentropy(from_logits=True), steps_per_epoch,
#   EarlyStopping on val_binary_crossentropy, TensorBoard, tfdocs' EpochDots callback, l2_model.losses
# Changed: data loading (tf.data CsvDataset of HIGGS.csv.gz -> tutorial_data arrays, generated in its shape: 11,000
#   x 28; fit takes arrays with batch_size instead of the batched tf.data pipeline); N_TRAIN 10,000 -> 2,000,
#   N_VALIDATION 1,000 -> 500 and max_epochs 10000 -> 5 (time, both libraries); the Medium, Large, dropout and combined models are not included; tensorflow_docs is not
#   installed, so its EpochDots class (tensorflow_docs/modeling.py) is defined here as that package defines it
# Fix: `    tf.keras.callbacks.TensorBoard(logdir/name),` -> `` | says: CSVLogger
# Fix: `tf.add_n(l2_model.losses)` -> `sum(l2_model.losses)` | says: sum(
# Compare: list(size_histories['Tiny'].history) exactly
# Compare: size_histories['Tiny'].history['val_binary_crossentropy'][-1] within 0.03
# Compare: size_histories['Small'].history['val_binary_crossentropy'][-1] within 0.03
# Compare: regularizer_histories['l2'].history['val_binary_crossentropy'][-1] within 0.03
# Compare: float(regularization_loss) within 0.03
import tensorflow as tf

from tensorflow.keras import layers
from tensorflow.keras import regularizers

print(tf.__version__)

from matplotlib import pyplot as plt  # noqa: E402

import numpy as np  # noqa: E402

import pathlib  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import tutorial_data  # noqa: E402


class EpochDots(tf.keras.callbacks.Callback):
    """tensorflow_docs.modeling.EpochDots: a dot per epoch, the logs every `report_every` epochs."""

    def __init__(self, report_every=100, dot_every=1):
        self.report_every = report_every
        self.dot_every = dot_every

    def on_epoch_end(self, epoch, logs):
        if epoch % self.report_every == 0:
            print()
            print('Epoch: {:d}, '.format(epoch), end='')
            for name, value in sorted(logs.items()):
                print('{}:{:0.4f}'.format(name, value), end=',  ')
            print()

        if epoch % self.dot_every == 0:
            print('.', end='', flush=True)


logdir = pathlib.Path(tempfile.mkdtemp()) / "tensorboard_logs"
shutil.rmtree(logdir, ignore_errors=True)

FEATURES = 28
# was: tf.data.experimental.CsvDataset(gz, ...) packed into (features, label) and split with take/skip
features, labels = tutorial_data.higgs(rows=2500)

N_VALIDATION = int(5e2)
N_TRAIN = int(2e3)
BUFFER_SIZE = int(1e4)
BATCH_SIZE = 500
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE

validate_x, validate_y = features[:N_VALIDATION], labels[:N_VALIDATION, None]
train_x, train_y = features[N_VALIDATION:N_VALIDATION + N_TRAIN], labels[N_VALIDATION:N_VALIDATION + N_TRAIN, None]

lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
    0.001,
    decay_steps=STEPS_PER_EPOCH * 1000,
    decay_rate=1,
    staircase=False)


def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)


step = np.linspace(0, 100000)
lr = lr_schedule(step)
plt.figure(figsize=(8, 6))
plt.plot(step / STEPS_PER_EPOCH, lr)
plt.ylim([0, max(plt.ylim())])
plt.xlabel('Epoch')
_ = plt.ylabel('Learning Rate')


def get_callbacks(name):
    return [
        EpochDots(),
        tf.keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200),
        tf.keras.callbacks.TensorBoard(logdir/name),
    ]


def compile_and_fit(model, name, optimizer=None, max_epochs=5):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(optimizer=optimizer,
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[
                      tf.keras.metrics.BinaryCrossentropy(
                          from_logits=True, name='binary_crossentropy'),
                      'accuracy'])

    model.summary()

    history = model.fit(
        train_x, train_y, batch_size=BATCH_SIZE,
        steps_per_epoch=STEPS_PER_EPOCH,
        epochs=max_epochs,
        validation_data=(validate_x, validate_y),
        callbacks=get_callbacks(name),
        verbose=0)
    return history


tiny_model = tf.keras.Sequential([
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(1)
])

size_histories = {}

size_histories['Tiny'] = compile_and_fit(tiny_model, 'sizes/Tiny')

small_model = tf.keras.Sequential([
    # `input_shape` is only required here so that `.summary` works.
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(16, activation='elu'),
    layers.Dense(1)
])

size_histories['Small'] = compile_and_fit(small_model, 'sizes/Small')

regularizer_histories = {}
regularizer_histories['Tiny'] = size_histories['Tiny']

l2_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001),
                 input_shape=(FEATURES,)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1)
])

regularizer_histories['l2'] = compile_and_fit(l2_model, "regularizers/l2")

result = l2_model(features)
regularization_loss = tf.add_n(l2_model.losses)
