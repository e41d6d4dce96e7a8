"""Writes tests/pins/pins.npz and pins.json: what the library computes for fixed seeds and data.

Run once before a change that must not alter behaviour (it was run before the package moved into wings); the test
tests/test_pinned.py recomputes everything and compares. Arrays are compared with a tolerance of a few float32 ULPs
(another CPU may order a sum differently), saved JSON exactly (less library versions and dates).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd


def table(n: int = 240, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round(1)
    age[rng.random(n) < 0.1] = np.nan
    fare = rng.lognormal(3, 1, n).round(2)
    kind = rng.choice(["a", "b", "c"], n)
    words = rng.choice(["good fun", "bad day", "great film", "awful plot", "fine"], n)
    logit = (
        0.05 * (np.nan_to_num(age, nan=40) - 40)
        + (kind == "a") * 1.2
        - 0.4
        + np.char.find(words.astype(str), "g").clip(0, 1) * 1.1
    )
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({"age": age, "fare": fare, "kind": kind, "review": words})
    return frame, pd.Series(y, name="label")


def compute() -> tuple[dict[str, np.ndarray], dict]:
    from twoclass import TwoClassClassifier, datasets
    from twoclass.layers import BatchNormalization, Dense, Dropout
    from twoclass.models import Sequential
    from twoclass.optimizers import SGD, Adam
    from twoclass.utils import clear_session, set_random_seed

    clear_session()  # layer names count from zero, as in the fresh process that wrote the pins
    arrays: dict[str, np.ndarray] = {}
    files: dict = {}

    set_random_seed(7)
    x, y = datasets.circles(n=400)
    slides = Sequential([Dense(4, input_shape=(2,), activation="tanh"), Dense(1, activation="sigmoid")])
    slides.compile(optimizer=SGD(learning_rate=0.5), loss="binary_crossentropy", metrics=["accuracy"])
    history = slides.fit(x, y, epochs=20, batch_size=32, validation_split=0.2, verbose=0)
    for i, w in enumerate(slides.get_weights()):
        arrays[f"slides.w{i}"] = w
    arrays["slides.val_loss"] = np.asarray(history.history["val_loss"], np.float32)
    arrays["slides.predict"] = slides.predict(x[:50], verbose=0)

    set_random_seed(11)
    deep = Sequential(
        [
            Dense(16, input_shape=(2,), activation="relu"),
            BatchNormalization(),
            Dropout(0.2),
            Dense(8, activation="relu"),
            Dense(1, activation="sigmoid"),
        ]
    )
    deep.compile(optimizer=Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy", "auc"])
    deep.fit(x, y, epochs=15, batch_size=16, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    for i, w in enumerate(deep.get_weights()):
        arrays[f"deep.w{i}"] = w
    arrays["deep.predict"] = deep.predict(x[:50], verbose=0)

    frame, target = table()
    # recipe="plain" is the estimator as it was when the pins were taken (the tabular recipe came later, issue 13)
    clf = TwoClassClassifier(random_state=5, epochs=30, text_columns=["review"], recipe="plain").fit(frame, target)
    arrays["clf.proba"] = clf.predict_proba(frame.head(60))[:, 1]
    arrays["clf.predict"] = (clf.predict(frame.head(60)) == "yes").astype(np.int8)
    with tempfile.TemporaryDirectory() as folder:
        clf.save(os.path.join(folder, "m"))
        with open(os.path.join(folder, "m", "twoclass.json")) as handle:
            meta = json.load(handle)
        meta.pop("versions", None)
        files["clf.twoclass.json"] = meta
        from safetensors.numpy import load_file

        for name, value in load_file(os.path.join(folder, "m", "weights.safetensors")).items():
            arrays[f"clf.file.{name}"] = value
        files["clf.files"] = sorted(os.listdir(os.path.join(folder, "m")))
    return arrays, files


def digest(arrays: dict[str, np.ndarray]) -> str:
    sha = hashlib.sha256()
    for name in sorted(arrays):
        sha.update(name.encode())
        sha.update(np.ascontiguousarray(arrays[name]).tobytes())
    return sha.hexdigest()


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    arrays, files = compute()
    np.savez(os.path.join(here, "pins.npz"), **arrays)
    files["sha256_on_the_machine_that_pinned"] = digest(arrays)
    with open(os.path.join(here, "pins.json"), "w") as handle:
        json.dump(files, handle, indent=1, sort_keys=True)
    print(files["sha256_on_the_machine_that_pinned"], file=sys.stderr)
