"""The large-table network of the recipe (issue 13): a per-column embedding layer, trained with its block mask as an
input of the engine's program, folded into one plain Dense model.

The rule (`recipe.LARGE_ROWS` training rows) is forced down to tiny tables here, with a small `recipe.LARGE`, so
that the tests stay fast; what they check does not depend on the size.
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from twoclass import TwoClassClassifier, inference
from twoclass.engine.ensemble import (
    EnsemblePlan,
    Masks,
    dense_rows,
    folded,
    initial_params,
    layer_widths,
    member_logits,
    train_ensemble,
)
from twoclass.estimator import recipe
from twoclass.onnx import export_onnx, frame_to_feeds

TINY = recipe.LargeTable(embed=4, hidden=(16,), networks=2, epochs=3, batch_size=64)


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.uniform(0, 10, n),
            "kind": rng.choice(["x", "y", "z"], n),
        }
    )
    signal = 2 * df["a"] * (df["b"] > 5) - (df["kind"] == "x")
    return df, (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)


@pytest.fixture
def forced(monkeypatch):
    """Every dense table takes the large-table network (a tiny one)."""
    monkeypatch.setattr(recipe, "LARGE_ROWS", 0)
    monkeypatch.setattr(recipe, "LARGE", TINY)


def _fit(df, y, **params) -> TwoClassClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TwoClassClassifier(random_state=0, **params).fit(df, y)


def _trained(seed: int = 0):
    """A small ensemble with an embedding layer, trained by the engine's program: its plan, mask, weights, rows."""
    rng = np.random.default_rng(seed)
    groups = ["a", "a", "a", "b", "b", "c", "c", "c"]
    x = rng.normal(size=(256, 8)).astype(np.float32)
    y = ((x[:, 0] * x[:, 3] > 0) ^ (x[:, 5] > 0)).astype(np.float32)
    mask = recipe.embedding_mask(groups, 8, 4)
    plan = EnsemblePlan(n_features=8, hidden=(8,), members=3, batch_size=64, epochs=3, dropout=0.2, embed=12)
    rows = dense_rows(x, y, np.ones(256), 256)
    start = initial_params(plan, np.zeros(8), 0.0, seed, first_mask=mask)
    trained = train_ensemble(plan, start, rows, None, seed, 1e-2, 1e-2, masks=Masks(first=mask))
    return plan, mask, trained.params, x


def test_column_groups_follow_the_preprocessors_feature_names():
    df, y = _frame(300, 0)
    clf = _fit(df, y, hidden_layer_sizes=())
    names = list(clf.preprocessor_.feature_names_out_)
    groups = recipe.column_groups(names, clf.preprocessor_.required_columns_)
    assert set(groups) == {"a", "b", "kind"}
    assert {n for n, g in zip(names, groups) if g == "kind"} == {"kind=x", "kind=y", "kind=z"}
    assert all(n == "b" or n.startswith("b:bin") for n, g in zip(names, groups) if g == "b")


def test_the_rule_takes_large_dense_tables_with_the_default_network_settings_only():
    settings = TwoClassClassifier()
    assert recipe.large_table(settings, recipe.LARGE_ROWS, sparse=False) == recipe.LARGE
    assert recipe.large_table(settings, recipe.LARGE_ROWS - 1, sparse=False) is None
    assert recipe.large_table(settings, recipe.LARGE_ROWS, sparse=True) is None
    for changed in ({"hidden_layer_sizes": (32,)}, {"learning_rate": 0.01}, {"dropout": 0.1}, {"l2": 0.0}):
        assert recipe.large_table(TwoClassClassifier(**changed), recipe.LARGE_ROWS, sparse=False) is None


def test_the_masked_kernel_reads_only_its_columns_features():
    plan, mask, params, x = _trained()
    kernel = folded(params, plan, mask)["first"]["kernel"]  # (8 features, 3 members x 12 units)
    moved = x.copy()
    moved[:, 0:3] += 5.0  # column 'a' only
    units = (x @ kernel).reshape(len(x), 3, 3, 4)  # rows, members, columns, units per column
    units_moved = (moved @ kernel).reshape(len(x), 3, 3, 4)
    np.testing.assert_array_equal(units_moved[:, :, 1:], units[:, :, 1:])  # 'b' and 'c' do not move
    assert np.abs(units_moved[:, :, 0] - units[:, :, 0]).min() > 0  # 'a' does: every unit reads it
    # the trained kernel itself moved outside the blocks too (weight decay, no gradient): the mask matters
    assert np.abs(np.asarray(params["first"]["kernel"]) * (1 - np.tile(mask, (1, 3)))).max() > 0


def test_the_folded_kernel_gives_the_programs_log_odds():
    plan, mask, params, x = _trained()
    expected = np.asarray(member_logits(params, plan, jnp.asarray(x), jnp.zeros((len(x), 0), jnp.int32), None, mask))
    ones = np.ones_like(mask)  # the mask already folded in: multiplying by ones leaves it
    got = np.asarray(member_logits(folded(params, plan, mask), plan, x, np.zeros((len(x), 0), np.int32), None, ones))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    numpy = recipe.member_logits(folded(params, plan, mask), layer_widths(plan), x)
    np.testing.assert_allclose(numpy, expected, rtol=1e-4, atol=1e-4)


def test_the_merged_dense_network_gives_the_members_mean_log_odds():
    plan, mask, params, x = _trained()
    params = folded(params, plan, mask)
    rng = np.random.default_rng(1)
    # a head away from zero, so that the networks' part is not nothing
    params["head"] = {"kernel": rng.normal(size=(3, 8)).astype(np.float32), "bias": np.float32([0.1, -0.2, 0.3])}
    widths = layer_widths(plan)
    expected = recipe.member_logits(params, widths, x).mean(axis=1)
    model = recipe.merged_network(params, widths, 8, 1.0, (np.zeros(8), 0.0))
    assert [w.shape for w in model.get_weights()] == [(8, 3 * 12 + 2), (38,), (38, 3 * 8 + 2), (26,), (26, 1), (1,)]
    p = np.clip(np.asarray(model.predict(x, verbose=0), np.float64)[:, 0], 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(np.log(p / (1 - p)), expected, atol=2e-4)
    mlp, linear = recipe.member_parts(params, widths, x)
    np.testing.assert_allclose(mlp + linear, expected, atol=1e-9)


def test_same_seed_same_weights_and_the_network_is_the_embedding(forced):
    df, y = _frame(2400, 0)  # above recipe.BAGGING_ROWS: bagged tables keep the small-table network
    first, again = _fit(df, y), _fit(df, y)
    for a, b in zip(first.model_.get_weights(), again.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert first.recipe_["embedding"] == {"units_per_column": 4, "columns": 3, "min_rows": 0}
    assert first.recipe_["hidden_layer_sizes"] == [16]
    assert "per-column embeddings" in first.recipe_["note"]
    if first.recipe_["kept"] != "logistic regression":
        kernel = first.model_.get_weights()[0]  # features x (2 networks x 3 columns x 4 units + the linear pair)
        assert kernel.shape[1] == 2 * 3 * 4 + 2
        groups = recipe.column_groups(list(first.preprocessor_.feature_names_out_), ["a", "b", "kind"])
        block = recipe.embedding_mask(groups, kernel.shape[0], 4)
        assert np.all(kernel[:, :-2] * (1 - np.tile(block, (1, 2))) == 0)


def test_small_tables_keep_the_bagged_recipe():
    df, y = _frame(600, 0)
    clf = _fit(df, y)
    assert "embedding" not in clf.recipe_ and clf.recipe_["bagging_folds"] == 4


def test_an_embedding_model_saves_loads_and_exports(forced, tmp_path):
    df, y = _frame(2400, 1)
    clf = _fit(df, y, threshold=0.5)
    clf.save(tmp_path / "model")
    expected = clf.predict_proba(df)[:, 1]
    np.testing.assert_allclose(inference.load(tmp_path / "model").predict_proba(df)[:, 1], expected, atol=1e-5)
    loaded = TwoClassClassifier.load(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(df)[:, 1], expected, atol=1e-6)
    assert loaded.recipe_ == clf.recipe_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_onnx(clf, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    _, probability = session.run(None, frame_to_feeds(df, session))
    np.testing.assert_allclose(probability, expected, atol=1e-5)
