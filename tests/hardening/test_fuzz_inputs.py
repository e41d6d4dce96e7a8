"""Fuzzing the Keras-style API and the estimator with arrays, label sets and DataFrames (hypothesis).

Every example either works (finite probabilities in [0, 1], one per row, and a row's probability the same alone as
in its batch) or raises the documented ValueError / TypeError naming the argument or the column. Outcomes are
counted (see conftest.py). `make fuzz` runs many more examples (profile "fuzz").
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from hardening.hardening_support import (
    attempt,
    count,
    examples,
    small_classifier,
    small_network,
)
from hardening.strategies import (
    feature_arrays,
    frames,
    keras_targets,
    label_sets,
    names_in,
)

KERAS_NAMES = ["'x'", "'y'", "x and y", "'sample_weight'"]
ESTIMATOR_NAMES = ["'X'", "'y'", "'sample_weight'"]


def _check_probabilities(p: np.ndarray, n: int) -> None:
    assert p.shape[0] == n
    assert np.isfinite(p).all(), p
    assert ((p >= 0) & (p <= 1)).all(), p


def _rows(x) -> int:
    """How many rows a user would say x has (1 for a scalar)."""
    if isinstance(x, list):
        return len(x)
    return len(x) if np.ndim(x) >= 1 else 1


def _n_inputs(x) -> int:
    shape = np.shape(x) if not isinstance(x, list) else (len(x), len(x[0]) if x and isinstance(x[0], list) else 0)
    return shape[1] if len(shape) == 2 and 1 <= shape[1] <= 6 else 2


# ------------------------------------------------------------------------------------------------ Keras-style API


@examples(10)
@given(x=feature_arrays(), data=st.data())
def test_fuzz_keras_fit_and_predict_on_arrays(x, data):
    n = _rows(x)
    y = data.draw(keras_targets(max(n, 1)))
    model = small_network(_n_inputs(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = attempt("keras fit (arrays)", lambda: model.fit(x, y, epochs=1, verbose=0), KERAS_NAMES)
    if isinstance(result, Exception):
        return
    p = model.predict(x, verbose=0)
    _check_probabilities(p, n)


@examples(10)
@given(x=feature_arrays())
def test_fuzz_keras_predict_on_arrays(x):
    model = small_network(2)
    result = attempt("keras predict (arrays)", lambda: model.predict(x, verbose=0), ["'x'"])
    if not isinstance(result, Exception):
        _check_probabilities(result, len(x))
        if len(x):
            assert np.array_equal(model.predict(np.asarray(x)[:1], verbose=0)[0], result[0])


@examples(6)
@given(pair=frames())
def test_fuzz_keras_fit_on_dataframes(pair):
    frame, labels = pair
    y = (labels == "yes").astype(int)
    model = small_network(frame.shape[1])
    result = attempt(
        "keras fit (DataFrames)", lambda: model.fit(frame, y, epochs=1, verbose=0), KERAS_NAMES + names_in(frame)
    )
    if not isinstance(result, Exception):
        _check_probabilities(model.predict(frame, verbose=0), len(frame))


# ------------------------------------------------------------------------------------------------ estimator


@examples(6)
@given(x=feature_arrays(), data=st.data())
def test_fuzz_estimator_on_arrays(x, data):
    n = _rows(x)
    y = data.draw(label_sets(max(n, 1)))
    clf = small_classifier(epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = attempt("estimator fit (arrays)", lambda: clf.fit(x, y), ESTIMATOR_NAMES)
        if isinstance(result, Exception):
            return
        proba = attempt("estimator predict (arrays)", lambda: clf.predict_proba(x), ESTIMATOR_NAMES)
    _check_probabilities(proba, n)


@examples(8)
@given(data=st.data())
def test_fuzz_estimator_label_sets(data):
    n = data.draw(st.integers(6, 30))
    y = data.draw(label_sets(n))
    x = np.random.default_rng(0).normal(size=(n, 2))
    clf = small_classifier(epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = attempt("estimator fit (label sets)", lambda: clf.fit(x, y), ["'y'"])
    if isinstance(result, Exception):
        return
    distinct = {repr(v) for v in pd.Series(list(y), dtype=object).tolist()}
    assert len(clf.classes_) == 2
    assert {repr(v) for v in clf.classes_.tolist()} <= distinct | {repr(v) for v in np.asarray(list(y)).tolist()}
    predicted = clf.predict(x)
    assert set(map(repr, predicted.tolist())) <= set(map(repr, clf.classes_.tolist()))


@examples(5)
@given(pair=frames())
def test_fuzz_estimator_on_dataframes(pair):
    frame, labels = pair
    clf = small_classifier(epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = attempt(
            "estimator fit (DataFrames)", lambda: clf.fit(frame, labels), ESTIMATOR_NAMES + names_in(frame)
        )
        if isinstance(result, Exception):
            return
        proba = clf.predict_proba(frame)
        _check_probabilities(proba, len(frame))
        for i in (0, len(frame) - 1):
            assert np.array_equal(clf.predict_proba(frame.iloc[[i]])[0], proba[i])
    count("estimator fit (DataFrames)", "worked: batch-invariant")
