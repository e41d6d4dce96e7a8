"""The recipe's numeric encoding (data/numeric.py) against independent references: scikit-learn's RobustScaler and
decision tree, rtdl_num_embeddings' definition of the piecewise-linear encoding, and the JSON round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import RobustScaler
from sklearn.tree import DecisionTreeClassifier

from twoclass.data import Preprocessor
from twoclass.data.numeric import NumericEncoding, piecewise_linear, smooth_clip, tree_edges


def test_robust_scaling_is_scikit_learns_and_the_clip_is_smooth_and_bounded():
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(5, 2, 500), rng.exponential(3, 500)]
    encoding = NumericEncoding.fit(x, kind="robust")
    reference = RobustScaler(quantile_range=(25.0, 75.0)).fit(x)
    np.testing.assert_allclose(encoding.center, reference.center_)
    np.testing.assert_allclose(encoding.scale, 1.0 / reference.scale_)
    z = np.linspace(-50, 50, 2001)
    clipped = smooth_clip(z)
    assert np.all(np.abs(clipped) < 3.0) and np.all(np.diff(clipped) > 0)  # bounded, strictly increasing
    near = np.abs(z) <= 1
    assert np.max(np.abs(clipped[near] - z[near])) < 0.06  # RealMLP's clip leaves |z| <= 1 almost unchanged


def test_a_column_without_spread_falls_back_to_its_range_then_to_nothing():
    x = np.c_[np.r_[np.zeros(90), np.linspace(1, 10, 10)], np.full(100, 7.0)]  # IQR 0 / constant
    encoding = NumericEncoding.fit(x, kind="robust")
    assert encoding.scale[0] == pytest.approx(1 / 5.0) and encoding.scale[1] == 0.0
    assert np.all(encoding.transform(x)[:, 1] == 0.0)


def _rtdl_encoding(value: float, edges: np.ndarray) -> list[float]:
    """rtdl_num_embeddings' definition, written out: [1, ..., 1, (x - left) / width, 0, ..., 0] for the bin x is in."""
    out = []
    for left, right in zip(edges[:-1], edges[1:]):
        out.append(1.0 if value >= right else 0.0 if value < left else (value - left) / (right - left))
    return out


def test_piecewise_linear_encoding_is_rtdls_inside_the_range_and_clipped_outside():
    edges = np.array([0.0, 1.0, 3.0, 10.0])
    values = np.array([0.0, 0.5, 1.0, 2.0, 9.99, 10.0, -4.0, 25.0])
    got = piecewise_linear(values, edges)
    for value, row in zip(values[:6], got[:6]):
        np.testing.assert_allclose(row, _rtdl_encoding(value, edges), atol=1e-12)
    # outside the training range: the range's end (rtdl would extrapolate linearly in the outer bins)
    np.testing.assert_allclose(got[6], [0, 0, 0])
    np.testing.assert_allclose(got[7], [1, 1, 1])


def test_tree_bins_are_a_decision_trees_thresholds_and_grow_with_the_rows():
    rng = np.random.default_rng(1)

    def edges_for(n):
        x = rng.uniform(0, 10, n)
        y = (rng.random(n) < np.where(x > 6, 0.8, 0.2) * (1 - 0.1 * np.sin(3 * x))).astype(int)
        return x, y, tree_edges(x, y)

    x, y, edges = edges_for(20_000)
    tree = DecisionTreeClassifier(
        max_leaf_nodes=64, min_samples_leaf=8, min_impurity_decrease=3 / len(x), random_state=0
    ).fit(x[:, None], y)
    thresholds = np.sort(tree.tree_.threshold[tree.tree_.feature >= 0])
    np.testing.assert_allclose(edges[1:-1], thresholds)
    assert edges[0] == x.min() and edges[-1] == x.max()
    assert any(abs(e - 6.0) < 0.1 for e in edges)  # the step is found
    small = edges_for(300)[2]
    assert 3 <= len(small) < len(edges)  # 300 rows: a few bins; 20,000: many
    assert tree_edges(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0, 1, 0, 1])) == []  # a binary column has no bins


@pytest.fixture
def frame():
    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(1, 80, n)),
            "fare": rng.exponential(30, n),
            "port": rng.choice(["S", "C", "Q"], n),
        }
    )
    y = ((df["age"].fillna(40) < 15) | (df["fare"] > 60)).astype(int).to_numpy()
    return df, y


def test_binned_preprocessing_is_stored_as_json_and_read_back_exactly(frame):
    df, y = frame
    pre = Preprocessor(numeric_encoding="binned").fit(df, y=y)
    names = pre.feature_names_out_
    assert "age:bin1" in names and "fare:bin1" in names and "age_missing" in names
    again = Preprocessor.from_dict(pre.to_dict())
    np.testing.assert_array_equal(again.transform(df), pre.transform(df))
    assert pre.to_dict()["params"]["numeric_encoding"] == "binned"
    assert "numeric_encoding" not in Preprocessor().fit(df).to_dict()["params"]  # older records stay as they were


def test_a_damaged_bin_record_names_its_entry(frame):
    df, y = frame
    record = Preprocessor(numeric_encoding="binned").fit(df, y=y).to_dict()
    record["numeric"]["encoding"]["edges"][0] = [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="'edges' entry of preprocessing.numeric.encoding"):
        Preprocessor.from_dict(record)


def test_the_standardised_copy_follows_the_bins_and_each_view_reads_its_own_features(frame):
    df, y = frame
    binned = Preprocessor(numeric_encoding="binned").fit(df, y=y)
    both = Preprocessor(numeric_encoding="binned+standard").fit(df, y=y)
    standard = Preprocessor().fit(df, y=y)
    views = both.view_features()
    x, names = both.transform(df), np.array(both.feature_names_out_)
    # the binned view is the binned encoding, the standard view standardisation, each to the bit
    np.testing.assert_array_equal(x[:, views.binned], binned.transform(df))
    np.testing.assert_array_equal(x[:, views.standard], standard.transform(df))
    assert names[views.binned].tolist() == binned.feature_names_out_
    assert [n for n in names[views.standard] if n.endswith(":standard")] == ["age:standard", "fare:standard"]
    assert binned.view_features() is None and standard.view_features() is None
    again = Preprocessor.from_dict(both.to_dict())
    np.testing.assert_array_equal(again.transform(df), x)
    assert again.view_features() == views
    assert "standard_copy" not in binned.to_dict()["numeric"]  # records without the copy stay as they were


@pytest.mark.parametrize("value", [1, "yes", None])
def test_a_damaged_standard_copy_entry_is_named(frame, value):
    df, y = frame
    record = Preprocessor(numeric_encoding="binned+standard").fit(df, y=y).to_dict()
    record["numeric"]["standard_copy"] = value
    with pytest.raises(ValueError, match="'standard_copy' entry of preprocessing.numeric"):
        Preprocessor.from_dict(record)


def test_sparse_transform_equals_the_dense_one(frame):
    df, y = frame
    df = df.assign(note=np.where(y == 1, "young or rich", "plain fare"))
    pre = Preprocessor(numeric_encoding="binned", column_types={"note": "text"}).fit(df, y=y)
    sparse = pre.transform(df, sparse=True)
    assert sparse.format == "csr" and sparse.dtype == np.float32
    np.testing.assert_array_equal(sparse.toarray(), pre.transform(df))
