"""twoclass.datasets: shapes, determinism and each label rule re-derived from the returned points."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from twoclass import datasets

GENERATORS = {
    "circles": datasets.circles,
    "mean": datasets.mean_of_four,
    "circle": datasets.circle,
    "xor": datasets.xor,
    "gauss": datasets.gauss,
    "spiral": datasets.spiral,
}
WIDTH = {"mean": 4}
BALANCED = ["circles", "circle", "gauss", "spiral"]  # exactly half per class at their default noise


@pytest.mark.parametrize("name", list(GENERATORS))
@pytest.mark.parametrize("n", [2, 101, 400])
def test_shapes_and_dtypes(name, n):
    x, y = GENERATORS[name](n=n, seed=1)
    assert x.shape == (n, WIDTH.get(name, 2)) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int32
    assert set(np.unique(y)) <= {0, 1}
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", BALANCED)
def test_half_per_class_and_odd_extra_goes_to_class_0(name):
    _, y = GENERATORS[name](n=400, seed=2)
    assert y.sum() == 200
    _, y = GENERATORS[name](n=401, seed=2)
    assert (y == 0).sum() == 201 and (y == 1).sum() == 200


@pytest.mark.parametrize("name", ["xor", "mean"])
def test_rule_based_sets_are_roughly_balanced(name):
    _, y = GENERATORS[name](n=4000, seed=3)
    assert 0.45 < y.mean() < 0.55


@pytest.mark.parametrize("name", list(GENERATORS))
def test_deterministic_per_seed(name):
    x1, y1 = datasets.load(name, n=300, seed=7)
    x2, y2 = GENERATORS[name](n=300, seed=7)
    x3, _ = GENERATORS[name](n=300, seed=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", BALANCED + ["xor"])
def test_rows_are_shuffled(name):
    # A tail slice (Keras validation_split) must see both classes.
    _, y = GENERATORS[name](n=400, seed=0)
    assert 0 < y[-40:].sum() < 40


def test_circles_rings_and_colours():
    x, y = datasets.circles(n=1000, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)  # inner ring = red = 1
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-6)  # outer ring = blue = 0
    x, y = datasets.circles(n=4000, noise=0.08, seed=0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert abs(r[y == 1].mean() - 0.5) < 0.02 and abs(r[y == 0].mean() - 1.0) < 0.02


def test_mean_of_four_rule_and_range():
    x, y = datasets.mean_of_four(n=5000, seed=4)
    assert x.min() >= 0 and x.max() < 100
    expected = (x.astype(np.float64).sum(axis=1) / 4 >= 50).astype(np.int32)
    np.testing.assert_array_equal(y, expected)


def test_mean_of_four_lesson():
    x_train, y_train, x_val, y_val = datasets.mean_of_four_lesson()
    assert x_train.shape == (6, 4) and x_val.shape == (4, 4)
    assert x_train.dtype == x_val.dtype == np.float32 and y_train.dtype == y_val.dtype == np.int32
    assert y_train.tolist() == [0, 0, 0, 1, 1, 1] and y_val.tolist() == [0, 0, 1, 1]
    for x, y in ((x_train, y_train), (x_val, y_val)):
        means = x.mean(axis=1)
        assert ((means >= 50) == (y == 1)).all()
        assert np.abs(means - 50).min() > 20  # far from the boundary: a tiny network separates them
        assert x.min() >= 0 and x.max() <= 100


def test_circle_noise_free_is_separable_by_radius():
    x, y = datasets.circle(n=1000, noise=0.0, seed=5)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(y, (r < 2.5).astype(np.int32))
    assert r[y == 1].max() < 2.5 and r[y == 0].min() >= 3.5 - 1e-5 and r.max() <= 5 + 1e-5


def test_circle_noise_flips_labels_only_within_reach():
    noise = 0.2
    x, y = datasets.circle(n=4000, noise=noise, seed=6)
    r = np.hypot(x[:, 0], x[:, 1])
    clean = (r < 2.5).astype(np.int32)
    reach = 5 * noise * np.sqrt(2)  # largest possible displacement of the labelled (noisy) point
    far = np.abs(r - 2.5) > reach
    np.testing.assert_array_equal(y[far], clean[far])
    assert (y != clean).sum() > 10  # Playground semantics: noise does flip some labels


def test_xor_rule_padding_and_noise():
    x, y = datasets.xor(n=2000, noise=0.0, seed=7)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(np.int32))
    assert np.abs(x).min() >= 0.3 - 1e-6 and np.abs(x).max() <= 5.3 + 1e-5
    x, y = datasets.xor(n=4000, noise=0.1, seed=7)
    clean = (x[:, 0] * x[:, 1] >= 0).astype(np.int32)
    far = (np.abs(x) > 5 * 0.1).all(axis=1)  # noise per axis is at most 0.5: signs cannot change
    np.testing.assert_array_equal(y[far], clean[far])
    assert (y != clean).sum() > 10


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_gauss_centres_and_variance(noise):
    x, y = datasets.gauss(n=20_000, noise=noise, seed=8)
    std = np.sqrt(0.5 + 7 * noise)
    for label, centre in ((1, 2.0), (0, -2.0)):
        part = x[y == label].astype(np.float64)
        np.testing.assert_allclose(part.mean(axis=0), centre, atol=0.06 * std + 0.02)
        np.testing.assert_allclose(part.std(axis=0), std, rtol=0.04)


def test_spiral_matches_playground_formula():
    n = 200
    x, y = datasets.spiral(n=n, noise=0.0, seed=9)
    m = n // 2
    i = np.arange(m)
    for label, delta in ((1, 0.0), (0, np.pi)):
        r, t = 5 * i / m, 1.75 * 2 * np.pi * i / m + delta
        expected = np.column_stack([r * np.sin(t), r * np.cos(t)])
        got = x[y == label].astype(np.float64)
        got = got[np.lexsort(got.T)]
        expected = expected[np.lexsort(expected.T)]
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_spiral_noise_is_bounded():
    x0, _ = datasets.spiral(n=300, noise=0.0, seed=1)
    x1, _ = datasets.spiral(n=300, noise=0.5, seed=1)
    assert np.hypot(*x1.T).max() <= 5 + 0.5 * np.sqrt(2) + 1e-5
    assert not np.allclose(np.sort(x0[:, 0]), np.sort(x1[:, 0]))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: datasets.circle(n=0), "'n'"),
        (lambda: datasets.xor(n=1), "'n'"),
        (lambda: datasets.gauss(noise=0.6), "'noise'"),
        (lambda: datasets.spiral(noise=-0.1), "'noise'"),
        (lambda: datasets.circles(factor=1.0), "'factor'"),
        (lambda: datasets.circles(noise=0.9), "'noise'"),
        (lambda: datasets.mean_of_four(n=0), "'n'"),
        (lambda: datasets.circle(seed=-1), "'seed'"),
    ],
)
def test_bad_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_error_message_template():
    with pytest.raises(ValueError) as info:
        datasets.circle(n=0)
    assert str(info.value) == "The 'n' parameter of circle must be an int >= 2. Got 0 instead."


@pytest.mark.parametrize("bad", [2.5, "10", True])
def test_non_int_n_is_a_type_error(bad):
    with pytest.raises(TypeError, match="'n'"):
        datasets.xor(n=bad)


def test_load_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        datasets.load("moons")
    for name in GENERATORS:
        assert repr(name) in str(info.value) or name in str(info.value)


def test_does_not_import_jax():
    code = "import sys, twoclass.datasets; assert 'jax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
