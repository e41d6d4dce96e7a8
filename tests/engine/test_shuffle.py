"""Epoch orders: exact uniformity for small tables (sort), statistical checks for the Feistel bijection."""

import itertools
import math

import jax
import numpy as np
import pytest
from scipy.stats import chisquare, spearmanr

from twoclass.engine.programs import prng_key
from twoclass.engine.shuffle import SORT_MAX_ROWS, shuffled_order


def draw_orders(rows, n, draws, over="epochs"):
    """Orders of `draws` epochs of one seed (what one fit sees), or of epoch 0 under `draws` keys (fit_seeds)."""
    if over == "epochs":
        draw = jax.vmap(lambda epoch: shuffled_order(prng_key(0), epoch, rows, n))
        return np.asarray(jax.jit(draw)(np.arange(draws, dtype=np.int32)))
    draw = jax.vmap(lambda key: shuffled_order(key, 0, rows, n))
    return np.asarray(jax.jit(draw)(jax.random.split(jax.random.key(0), draws)))


def assert_permutations_with_padding_last(orders, rows, n):
    np.testing.assert_array_equal(orders[:, n:], np.broadcast_to(np.arange(n, rows), (len(orders), rows - n)))
    np.testing.assert_array_equal(np.sort(orders[:, :n], axis=1), np.broadcast_to(np.arange(n), (len(orders), n)))


@pytest.mark.parametrize("over", ["epochs", "keys"])
@pytest.mark.parametrize("rows, n", [(8, 6), (9, 9)])
def test_small_tables_draw_every_order_equally_often(rows, n, over):
    draws = 40 * math.factorial(6)
    orders = draw_orders(rows, n, draws, over)
    assert_permutations_with_padding_last(orders, rows, n)
    if n <= 6:  # every one of the n! orders, equally often
        counts = {p: 0 for p in itertools.permutations(range(n))}
        for order in map(tuple, orders[:, :n]):
            counts[order] += 1
        assert chisquare(list(counts.values())).pvalue > 1e-3
    table = np.zeros((n, n))  # each row at each position equally often
    np.add.at(table, (orders[:, :n], np.arange(n)[None].repeat(draws, 0)), 1)
    assert chisquare(table.ravel()).pvalue > 1e-3


@pytest.mark.parametrize("rows, n", [(SORT_MAX_ROWS + 1, SORT_MAX_ROWS + 1), (1024, 1000), (1025, 1025), (4096, 2049)])
def test_large_tables_get_permutations_with_padding_last(rows, n):
    # 1025 and 2049 live rows in a 2048 and 4096 domain: the longest cycle walks
    assert_permutations_with_padding_last(draw_orders(rows, n, 64), rows, n)


def positions_of(orders):
    positions = np.empty_like(orders)
    np.put_along_axis(positions, orders, np.arange(orders.shape[1])[None].repeat(len(orders), 0), axis=1)
    return positions


@pytest.mark.parametrize("over", ["epochs", "keys"])
def test_feistel_orders_pass_the_statistics_of_uniform_permutations(over):
    rows, n, draws = 1024, 1000, 4000
    orders = draw_orders(rows, n, draws, over)[:, :n]
    positions = positions_of(orders)

    # where a row lands: 20 equal bins, for 10 rows (expected 200 per cell)
    bins = positions[:, :10] * 20 // n
    table = np.stack([np.bincount(bins[:, row], minlength=20) for row in range(10)])
    assert chisquare(table.ravel()).pvalue > 1e-3

    # neighbouring rows: which comes first is a fair coin, and they end up ~n/3 apart (uniform: (n+1)/3)
    first = (positions[:, :-1] < positions[:, 1:]).mean(axis=0)
    assert abs(first.mean() - 0.5) < 0.01 and np.abs(first - 0.5).max() < 5 * 0.5 / math.sqrt(draws)
    assert abs(np.abs(np.diff(positions, axis=1)).mean() - (n + 1) / 3) < 3

    # fixed points average 1 and cycles average H_n, as for a uniform permutation (standard errors 0.016, 0.04)
    fixed = (orders == np.arange(n)).sum(axis=1)
    assert abs(fixed.mean() - 1.0) < 0.08
    harmonic = sum(1.0 / k for k in range(1, n + 1))
    assert abs(np.mean([count_cycles(order) for order in orders[:1000]]) - harmonic) < 0.25


def count_cycles(order):
    seen = np.zeros(len(order), bool)
    cycles = 0
    for start in range(len(order)):
        if not seen[start]:
            cycles += 1
            i = start
            while not seen[i]:
                seen[i] = True
                i = order[i]
    return cycles


@pytest.mark.parametrize("rows, n", [(64, 60), (1024, 1000)])
def test_orders_of_neighbouring_epochs_and_seeds_are_unrelated(rows, n):
    # the engine's keys are prng_key(seed) = [0, seed]: seeds 0..3 differ in their last bits only
    orders = [np.asarray(shuffled_order(prng_key(seed), epoch, rows, n))[:n] for seed in range(3) for epoch in range(3)]
    for a, b in itertools.combinations(orders, 2):
        assert abs(spearmanr(a, b).statistic) < 5 / math.sqrt(n)  # unrelated orders: ~N(0, 1/sqrt(n))
        assert (a == b).sum() < 10


def test_a_million_rows_are_permuted_with_neighbours_far_apart():
    rows = 1 << 20
    order = np.asarray(jax.jit(lambda key: shuffled_order(key, 0, rows, rows - 5))(jax.random.key(3)))[None]
    assert_permutations_with_padding_last(order, rows, rows - 5)
    gaps = np.abs(np.diff(positions_of(order)[0, : rows - 5]))
    assert np.median(gaps) > rows / 4  # median |gap| of a uniform shuffle: 0.29 of the rows
