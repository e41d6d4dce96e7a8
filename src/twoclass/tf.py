"""`import twoclass.tf as tf`: the one-line change for a tutorial that writes `import tensorflow as tf`.

`tf.keras` is twoclass (so `tf.keras.layers.Dense`, `tf.keras.Sequential`, `tf.keras.initializers.Constant`, ...
keep working) and `tf.random.set_seed` seeds it. Everything else under `tf.` is TensorFlow itself: asking for it
(`tf.data`, `tf.feature_column`, `tf.add_n`, ...) raises one line that says what to use instead. This module is not
named `tensorflow` on purpose: a fake `tensorflow` would mislead every other library that checks whether TensorFlow
is installed. For `from tensorflow.keras.layers import Dense` the change is `from twoclass.layers import Dense`.

>>> import twoclass.tf as tf
>>> tf.keras.layers.Dense(1, activation="sigmoid")
<Dense name=dense>
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from twoclass.core.seeding import set_random_seed
from twoclass.keras.habits import tensorflow_only

keras = importlib.import_module("twoclass")
__version__ = keras.__version__
random = SimpleNamespace(set_seed=set_random_seed)  # tf.random.set_seed(42), as tutorials seed TensorFlow
newaxis = None  # x[:, tf.newaxis]
float32 = "float32"


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise tensorflow_only(name)


__all__ = ["float32", "keras", "newaxis", "random"]
