"""hypothesis strategies for the fuzz tests: arrays (shapes, dtypes, NaN/inf, empty, huge values), label sets,
DataFrames (unicode and duplicate names, mixed and pandas-specific dtypes) and mutations of a model directory."""

from __future__ import annotations

import string

import hypothesis.extra.numpy as hnp
import numpy as np
import pandas as pd
from hypothesis import strategies as st

# ------------------------------------------------------------------------------------------------ arrays

SPECIAL_FLOATS = [
    0.0,
    -0.0,
    1.0,
    -2.5,
    1e-45,
    3e-39,
    65504.0,
    1e30,
    3.4e38,
    1e300,
    -1e300,
    float("nan"),
    float("inf"),
    float("-inf"),
]
NUMERIC_DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.int8,
    np.int32,
    np.int64,
    np.uint8,
    np.uint64,
    np.bool_,
    np.complex64,
]
ODD_VALUES = st.one_of(
    st.sampled_from(SPECIAL_FLOATS),
    st.integers(-(2**70), 2**70),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.sampled_from(["1", "2.5", "nan", "inf", "1e999", " ", ""]),
)


@st.composite
def numeric_arrays(draw, max_rows: int = 8, max_cols: int = 4):
    dtype = draw(st.sampled_from(NUMERIC_DTYPES))
    shape = draw(
        st.one_of(
            st.tuples(st.integers(0, max_rows), st.integers(0, max_cols)),  # mostly 2-D, including empty
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
        )
    )
    elements = None
    if np.dtype(dtype).kind == "f":
        finfo = np.finfo(dtype)
        extremes = [v for v in SPECIAL_FLOATS if not np.isfinite(v) or abs(v) <= finfo.max]
        elements = st.one_of(st.sampled_from(extremes), st.floats(-10, 10, width=finfo.bits))
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def object_arrays(draw, max_rows: int = 8, max_cols: int = 4):
    n, k = draw(st.integers(0, max_rows)), draw(st.integers(1, max_cols))
    rows = draw(st.lists(st.lists(ODD_VALUES, min_size=k, max_size=k), min_size=n, max_size=n))
    if draw(st.booleans()) and rows:
        rows[0] = rows[0][:-1] or [1.0, 2.0]  # ragged
        return rows
    array = np.empty((n, k), dtype=object)
    for i, row in enumerate(rows):
        array[i, :] = row
    return array


@st.composite
def usable_arrays(draw, max_rows: int = 8, max_cols: int = 3):
    """2-D float arrays that should train: finite values of ordinary size, 1-3 columns."""
    rows, cols = draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.bool_]))
    values = st.floats(-100, 100, width=32) if np.dtype(dtype).kind == "f" else None
    return draw(hnp.arrays(dtype, (rows, cols), elements=values))


def feature_arrays():
    """What a user may pass as features: usable arrays, numeric arrays of any dtype and shape (NaN, inf, huge,
    empty), object arrays, ragged lists."""
    return st.one_of(usable_arrays(), numeric_arrays(), object_arrays())


# ------------------------------------------------------------------------------------------------ labels

LABEL_VALUES = st.one_of(
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.sampled_from(["yes", "no", "spam", "ham", "", "  ", "é", "🙂", "1", "0", "True", "NaN", "nan"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
)


@st.composite
def label_sets(draw, n: int):
    """n labels drawn from 1 to 3 distinct values (of any type), as a list, an array or a Series."""
    size = draw(st.sampled_from([2, 2, 1, 3]))  # mostly two labels, as a user's target has
    values = draw(st.lists(LABEL_VALUES, min_size=size, max_size=size, unique_by=repr))
    picks = draw(st.lists(st.integers(0, len(values) - 1), min_size=n, max_size=n))
    if len(values) >= 2 and draw(st.booleans()):
        picks[:2] = [0, 1]  # both of the first two labels present
    labels = [values[i] for i in picks]
    form = draw(st.sampled_from(["list", "array", "object-array", "series"]))
    if form == "array":
        try:
            return np.array(labels)
        except (ValueError, TypeError):
            return labels
    if form == "object-array":
        return np.array(labels, dtype=object)
    if form == "series":
        return pd.Series(labels)
    return labels


def keras_targets(n: int):
    """Keras-style targets: mostly 0/1, sometimes other numbers, NaN, strings or a wrong length."""
    good = st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n).map(np.array)
    odd = st.one_of(
        st.lists(st.sampled_from([0, 1, 2, -1, 0.5, float("nan"), True]), min_size=n, max_size=n).map(np.array),
        st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n).map(np.array),
        st.lists(st.sampled_from([0, 1]), min_size=0, max_size=n + 2).map(np.array),
        st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n).map(lambda v: np.array(v).reshape(-1, 1)),
    )
    return st.one_of(good, good, odd)


# ------------------------------------------------------------------------------------------------ DataFrames

NAME_POOL = ["a", "A", "a ", " a", "Age", "age", "ä", "列", "x.1", "0", "label", "", "col with spaces", "Ωmega"]
COLUMN_KINDS = [
    "float",
    "int",
    "Int64",
    "Float64",
    "boolean",
    "category",
    "string",
    "mixed",
    "datetime",
    "constant",
    "missing",
    "text",
    "number-words",
    "bool",
]


def _column(kind: str, n: int, rng: np.random.Generator, special: list) -> pd.Series:
    if kind == "float":
        values = rng.normal(size=n)
        for i, v in enumerate(special[:n]):
            values[i] = v
        return pd.Series(values)
    if kind == "int":
        return pd.Series(rng.integers(-5, 50, n))
    if kind == "Int64":
        return pd.Series(rng.integers(0, 9, n), dtype="Int64").mask(rng.random(n) < 0.2)
    if kind == "Float64":
        return pd.Series(rng.normal(size=n), dtype="Float64").mask(rng.random(n) < 0.2)
    if kind == "boolean":
        return pd.Series(rng.random(n) < 0.5, dtype="boolean").mask(rng.random(n) < 0.2)
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5)
    if kind == "category":
        return pd.Series(pd.Categorical(rng.choice(["lo", "mid", "hi"], n)))
    if kind == "string":
        return pd.Series(rng.choice(["red", "green", "blåå"], n), dtype="string").mask(rng.random(n) < 0.2)
    if kind == "mixed":
        return pd.Series([rng.choice([1.5, "x", None, 7, "7", True]) for _ in range(n)], dtype=object)
    if kind == "datetime":
        return pd.Series(pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 500, n), "D"))
    if kind == "constant":
        return pd.Series(["same"] * n)
    if kind == "missing":
        return pd.Series([np.nan] * n)
    if kind == "text":
        words = ["the", "cat", "sat", "on", "a", "mat", "über", "naïve", "spam", "win", "now"]
        return pd.Series([" ".join(rng.choice(words, 8)) for _ in range(n)])
    # number-words: numbers written as text, some with thousands separators or a word
    return pd.Series([rng.choice(["1,234", "12", "3.5", "unknown", "-7", "1e3"]) for _ in range(n)])


@st.composite
def frames(draw, min_rows: int = 12, max_rows: int = 30):
    """(features DataFrame, labels): 1-4 columns of any kind, names from a pool with near-duplicates or any text."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, 4))
    names = draw(
        st.lists(
            st.one_of(st.sampled_from(NAME_POOL), st.text(string.printable + "äé列🙂", max_size=5)),
            min_size=k,
            max_size=k,
        )
    )
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), min_size=k, max_size=k))
    seed = draw(st.integers(0, 2**16))
    special = draw(st.lists(st.sampled_from(SPECIAL_FLOATS), max_size=2))
    rng = np.random.default_rng(seed)
    columns = [_column(kind, n, rng, special) for kind in kinds]
    frame = pd.concat(columns, axis=1)
    frame.columns = names
    labels = np.array(["no", "yes"] * (n // 2) + ["yes"] * (n % 2))
    rng.shuffle(labels)
    return frame, labels


def names_in(frame: pd.DataFrame) -> list[str]:
    """Ways an error message may name one of the frame's columns."""
    out = []
    for name in frame.columns:
        out += [f"'{name}'", repr(str(name))]
    return out


# ------------------------------------------------------------------------------------------------ model files


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 2, 5.0, -0.5, 1e308, 2**63, float("nan"), float("inf")]),
    st.sampled_from(["", "high", "relu", "Dense", "yes", "x1"]),
    st.just([]),
    st.just({}),
    st.just(_nested(20)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


@st.composite
def mutations(draw, json_size: int, weights_size: int, leaf_count: int):
    """One damage to a model directory, as a tuple ('kind', details...)."""
    kind = draw(
        st.sampled_from(
            [
                "flip-json",
                "flip-weights",
                "truncate-json",
                "truncate-weights",
                "edit",
                "delete",
                "nest",
                "huge-header",
                "header-length",
                "swap-bytes",
            ]
        )
    )
    if kind == "flip-json":
        return (kind, draw(st.integers(0, json_size * 8 - 1)))
    if kind == "flip-weights":
        return (kind, draw(st.integers(0, weights_size * 8 - 1)))
    if kind == "truncate-json":
        return (kind, draw(st.integers(0, json_size - 1)))
    if kind == "truncate-weights":
        return (kind, draw(st.integers(0, weights_size - 1)))
    if kind in ("edit", "delete"):
        return (kind, draw(st.integers(0, leaf_count - 1)), draw(JSON_VALUES), draw(st.booleans()))
    if kind == "nest":
        return (kind, draw(st.integers(10, 200_000)))
    if kind == "huge-header":
        return (kind, draw(st.integers(1, 10**7)), draw(st.integers(1, 10**6)))
    if kind == "header-length":
        return (kind, draw(st.sampled_from([0, 1, 7, 2**31, 2**63 - 1, 2**64 - 1])))
    return (kind, draw(st.integers(0, weights_size - 2)))
