"""Keras 1 and 2 spellings, and TensorFlow-only features, answered in one line with what to write instead.

Tutorials written for older Keras (`nb_epoch=`, `Dense(init=...)`, `model.predict_classes`, `history['acc']`) or
for TensorFlow (`tf.data`, `TensorBoard`) stop with Keras 3 as well, on a message that does not always say what to
write instead. twoclass stops on the same lines with one sentence that gives the Keras 3 spelling, which runs with
both libraries.

>>> old_fit_arguments({"nb_epoch": 150})
"fit got nb_epoch=150, Keras 1's name: write epochs=150 (Keras 3 and twoclass)."
"""

from __future__ import annotations

from typing import Any

# Layer arguments of Keras 1 (and their Keras 2/3 names).
OLD_LAYER_ARGUMENTS = {
    "init": "kernel_initializer",
    "output_dim": "units",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "p": "rate",
}

# fit arguments that Keras 3 no longer takes, with what to write instead.
OLD_FIT_ARGUMENTS = {
    "nb_epoch": ("Keras 1's name", "epochs={value!r}"),
    "samples_per_epoch": ("Keras 1's name, in rows", "steps_per_epoch= (a number of batches)"),
    "nb_val_samples": ("Keras 1's name, in rows", "validation_steps= (a number of batches)"),
    "show_accuracy": ("Keras 0's switch", "metrics=['accuracy'] in compile"),
    "workers": ("Keras 2's data-loading option, gone in Keras 3", "nothing: fit(x, y) with arrays needs no workers"),
    "use_multiprocessing": ("Keras 2's data-loading option, gone in Keras 3", "nothing: leave it out"),
    "max_queue_size": ("Keras 2's data-loading option, gone in Keras 3", "nothing: leave it out"),
}

# Model methods removed before Keras 3, with their Keras 3 spelling.
REMOVED_METHODS = {
    "predict_classes": 'removed in Keras 2.6 (not in Keras 3): write (model.predict(x) > 0.5).astype("int32")',
    "predict_proba": "removed in Keras 2.6 (not in Keras 3): write model.predict(x), already the probability",
    "fit_generator": "removed in Keras 3: write model.fit(x, y), which takes arrays",
    "evaluate_generator": "removed in Keras 3: write model.evaluate(x, y)",
    "predict_generator": "removed in Keras 3: write model.predict(x)",
}

# History keys of Keras 2.2 and earlier, where metrics=['accuracy'] was recorded as 'acc'.
_ACCURACY_NAMES = ("accuracy", "binary_accuracy", "acc")


def old_layer_arguments(owner: str, unknown: dict[str, Any]) -> str:
    """The message for keyword arguments a layer does not take; names Keras 1's where one was used."""
    for name, value in unknown.items():
        if name in OLD_LAYER_ARGUMENTS:
            new = OLD_LAYER_ARGUMENTS[name]
            return (
                f"{owner} got {name}={value!r}, Keras 1's name: write {new}={value!r} (Keras 2, Keras 3 and twoclass)."
            )
    bad = ", ".join(sorted(unknown))
    return f"{owner} got unexpected keyword argument(s): {bad}."


def old_fit_arguments(unknown: dict[str, Any]) -> str:
    """The message for keyword arguments fit does not take."""
    for name, value in unknown.items():
        if name in OLD_FIT_ARGUMENTS:
            what, instead = OLD_FIT_ARGUMENTS[name]
            return f"fit got {name}={value!r}, {what}: write {instead.format(value=value)} (Keras 3 and twoclass)."
    bad = ", ".join(sorted(unknown))
    return f"fit() got unexpected keyword argument(s): {bad}."


def removed_method(owner: str, name: str) -> AttributeError:
    return AttributeError(f"'{owner}' object has no attribute '{name}': {REMOVED_METHODS[name]}.")


class HistoryDict(dict):
    """`history.history`: a plain dict of lists, whose missing keys say which key holds what the program wanted.

    >>> h = HistoryDict(accuracy=[0.5], loss=[0.7])
    >>> h["acc"]
    Traceback (most recent call last):
    KeyError: "history.history has no key 'acc' (Keras 2.2's name for metrics=['accuracy']): Keras 3 and twoclass \
record it under 'accuracy'. Keys: ['accuracy', 'loss']"
    """

    def __missing__(self, key):
        val = key.startswith("val_") if isinstance(key, str) else False
        base = key[4:] if val else key
        if base == "acc":
            found = next((name for name in _ACCURACY_NAMES if ("val_" + name if val else name) in self), None)
            if found is not None:
                new = ("val_" + found) if val else found
                raise KeyError(
                    f"history.history has no key {key!r} (Keras 2.2's name for metrics=['accuracy']): Keras 3 and "
                    f"twoclass record it under {new!r}. Keys: {list(self)}"
                )
        raise KeyError(f"history.history has no key {key!r}. Keys: {list(self)}")


# `import tensorflow as tf` in a tutorial: names that belong to TensorFlow itself, and what to use with twoclass.
TENSORFLOW_ONLY = {
    "data": "tf.data is TensorFlow's input pipeline: pass NumPy arrays or a pandas DataFrame to fit, with batch_size= "
    "and shuffle=True",
    "feature_column": "tf.feature_column is TensorFlow's (removed in TF 2.16): prepare columns with twoclass.data "
    "(numeric, categorical, text) or a scikit-learn ColumnTransformer, or use layers.Normalization",
    "estimator": "tf.estimator is TensorFlow's (removed in TF 2.16): use a Keras-style model or "
    "twoclass.sklearn.TwoClassClassifier",
    "summary": "tf.summary writes TensorBoard files, which need TensorFlow: log with callbacks.CSVLogger",
    "add_n": "tf.add_n is TensorFlow's: sum(model.losses) adds the regularization penalties",
    "convert_to_tensor": "tf.convert_to_tensor is TensorFlow's: twoclass takes NumPy arrays (np.asarray(x))",
    "constant": "tf.constant is TensorFlow's: twoclass takes NumPy arrays (np.asarray(x))",
    "expand_dims": "tf.expand_dims is TensorFlow's: use np.expand_dims or y[:, None]",
    "GradientTape": "tf.GradientTape is TensorFlow's: twoclass trains with model.fit; write custom loops in JAX",
    "function": "tf.function is TensorFlow's: twoclass compiles fit itself, nothing to decorate",
    "Variable": "tf.Variable is TensorFlow's: layer weights are layer.kernel / layer.bias, with .assign()",
    "distribute": "tf.distribute is TensorFlow's: twoclass spreads minibatches with fit(distribute='data')",
}


def tensorflow_only(name: str) -> AttributeError:
    hint = TENSORFLOW_ONLY.get(name)
    if hint is None:
        hint = (
            f"tf.{name} is TensorFlow's own and TensorFlow is not used here; twoclass stands in for tf.keras "
            "(and tf.random.set_seed) only"
        )
    return AttributeError(f"{hint}.")
