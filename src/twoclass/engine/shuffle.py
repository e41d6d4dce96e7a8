"""The order in which an epoch visits a table's rows, drawn on the device from a key.

Two ways, by table size (the size is static, so the choice is made once, at trace time):

- up to `SORT_MAX_ROWS` rows, a sort of hashed random bits: every order equally likely (tested over all 720
  orders of 6 rows), and cheap at that size;
- above, a keyed bijection (a Feistel network) applied to each position: no sort at all, only elementwise
  integer arithmetic. Measured on the project machine (2 cores): 20 epoch orders of 1,000 rows in one compiled
  loop 1.34 ms by sort -> 0.43 ms; the same for 32 seeds under vmap 25.8 -> 9.7 ms; one order of 1M rows 184 -> 21
  ms. XLA's CPU sort calls a comparator per comparison.

The bijection is built as in format-preserving encryption (NIST's FF1): an alternating Feistel network on
the bits of a position, with a 32-bit integer hash keyed by a random word per round as round function, and
"cycle walking" (apply it again until the result is a live row) to go from the power-of-two domain down to the `n`
live rows. With random round functions every round mixes half the bits; 12 rounds (FF1 uses 10) leave no
structure that the tests (position, pair order, cycles, fixed points, related keys) can find; they find it with
3 rounds or fewer. It is a pseudo-random permutation, not an exact draw from all n! orders: what matters for
minibatch SGD is that every epoch's order is new and unrelated to the last, which it is.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

SORT_MAX_ROWS = 512
FEISTEL_ROUNDS = 12

# The integer arithmetic below is written with jax.lax, not jnp operators: each jnp operator is a jitted function
# whose tracing costs about a millisecond, and a Feistel order has hundreds of them, traced in every first fit.


def _u32(value: int) -> np.uint32:
    return np.uint32(value)


def shuffled_order(key: jax.Array, epoch, rows: int, n) -> jax.Array:
    """A random order of the first `n` of `rows` positions (int32) for `epoch`, the padding positions last.

    >>> order = shuffled_order(jax.random.key(0), 3, 8, 6)
    >>> sorted(order[:6].tolist()), order[6:].tolist()
    ([0, 1, 2, 3, 4, 5], [6, 7])
    """
    if rows <= SORT_MAX_ROWS:
        return _sorted_order(_epoch_words(key, epoch, 2), rows, n)
    return _feistel_order(_epoch_words(key, epoch, FEISTEL_ROUNDS), rows, n)


def _epoch_words(key: jax.Array, epoch, count: int) -> list[jax.Array]:
    """`count` random words (scalars) for one epoch, hashed from the key's words and the epoch number.

    Hashing, not `jax.random.fold_in`/`bits`: on the CPU each threefry call costs ~20 µs an epoch, and ~30 ms of
    tracing and lowering in the first fit of a process.
    """
    salt = _hash32(lax.bitwise_xor(lax.convert_element_type(epoch, jnp.uint32), _u32(0x632BE5AB)))
    words = _hash32(lax.bitwise_xor(lax.mul(lax.iota(jnp.uint32, count), _u32(0x9E3779B9)), salt))
    seed_words = jax.random.key_data(key).reshape(-1)
    for index in range(seed_words.shape[0]):
        words = _hash32(lax.bitwise_xor(words, lax.index_in_dim(seed_words, index, keepdims=False)))
    return [lax.index_in_dim(words, index, keepdims=False) for index in range(count)]


def _sorted_order(words: list[jax.Array], rows: int, n) -> jax.Array:
    """Sort random bits packed above each position's bits (one uint32 array: XLA's CPU sort is ~8x faster on that
    than on the (key, index) pairs `argsort` sorts). With at most 512 rows, 9 position bits leave 23 random bits,
    more than 2 * log2(rows): fewer than one pair of rows is expected to tie (a tie leaves two rows in position
    order)."""
    position_bits = max(1, (rows - 1).bit_length())
    positions = lax.iota(jnp.uint32, rows)
    live = lax.lt(positions, lax.convert_element_type(n, jnp.uint32))
    # padding positions get the largest random bits and the largest positions: they sort last
    draw = lax.select(
        live,
        _hash32(lax.bitwise_xor(_hash32(lax.bitwise_xor(positions, words[0])), words[1])),
        lax.full((rows,), _u32(0xFFFFFFFF)),
    )
    packed = lax.bitwise_or(
        lax.shift_left(lax.shift_right_logical(draw, _u32(position_bits)), _u32(position_bits)), positions
    )
    ranked = lax.bitwise_and(lax.sort(packed), _u32((1 << position_bits) - 1))
    return lax.convert_element_type(ranked, jnp.int32)


def _hash32(x: jax.Array) -> jax.Array:
    # "lowbias32" (C. Wellons): every input bit flips each output bit with probability ~1/2
    x = lax.bitwise_xor(x, lax.shift_right_logical(x, _u32(16)))
    x = lax.mul(x, _u32(0x7FEB352D))
    x = lax.bitwise_xor(x, lax.shift_right_logical(x, _u32(15)))
    x = lax.mul(x, _u32(0x846CA68B))
    return lax.bitwise_xor(x, lax.shift_right_logical(x, _u32(16)))


def _permute_bits(round_keys: list[jax.Array], x: jax.Array, bits: int) -> jax.Array:
    """A keyed bijection of [0, 2**bits): alternating Feistel rounds on the high `u` and low `v` bits of `x`."""
    u, v = bits // 2, bits - bits // 2
    high, low = lax.shift_right_logical(x, _u32(v)), lax.bitwise_and(x, _u32((1 << v) - 1))
    for round_key in round_keys:
        # (high, low) -> (low, high + F(low) mod 2**u): invertible whatever F is; the halves swap widths
        mixed = lax.bitwise_and(lax.add(high, _hash32(lax.bitwise_xor(low, round_key))), _u32((1 << u) - 1))
        high, low, u, v = low, mixed, v, u
    return lax.bitwise_or(lax.shift_left(high, _u32(v)), low)


def _feistel_order(round_keys: list[jax.Array], rows: int, n) -> jax.Array:
    bits = max(2, (rows - 1).bit_length())
    positions = lax.iota(jnp.uint32, rows)
    n = lax.convert_element_type(n, jnp.uint32)
    live = lax.lt(positions, n)

    # Cycle walking: a live position whose image is not a live row is mapped again; since the bijection's cycles
    # through [0, 2**bits) pass through the live rows, this is a bijection of the live rows (2**bits < 2 * rows,
    # so the walks are short).
    def walking(image):
        return lax.bitwise_and(live, lax.ge(image, n))

    image = lax.while_loop(
        lambda image: lax.reduce_or(walking(image), axes=(0,)),
        lambda image: lax.select(walking(image), _permute_bits(round_keys, image, bits), image),
        _permute_bits(round_keys, positions, bits),
    )
    return lax.convert_element_type(lax.select(live, image, positions), jnp.int32)
