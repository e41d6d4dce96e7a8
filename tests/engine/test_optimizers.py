"""The optimizer state made on the host is the one optax's own init makes."""

import jax
import numpy as np
import pytest

from twoclass.engine import optimizers as _optimizers
from twoclass.engine import programs as engine
from twoclass.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from twoclass.optimizers.schedules import ExponentialDecay


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(0.5),
        SGD(0.1, momentum=0.9, nesterov=True),
        Adam(clipnorm=1.0),
        AdamW(amsgrad=True, clipvalue=0.5),
        RMSprop(momentum=0.5, centered=True, global_clipnorm=2.0),
        Adagrad(initial_accumulator_value=0.25),
        Adam(learning_rate=ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)),
    ],
    ids=lambda o: type(o).__name__,
)
def test_host_made_state_equals_optax_init(optimizer):
    params = [
        {"kernel": np.full((3, 4), 0.5, np.float32), "bias": np.zeros(4, np.float32)},
        {"kernel": np.ones((4, 1), np.float32), "bias": np.zeros(1, np.float32)},
    ]
    hyper = engine.float32_tree(optimizer.hyper())
    reference = jax.jit(lambda p, h: _optimizers.build_transform(optimizer.structure(), h).init(p))(params, hyper)
    made = _optimizers.initial_state(optimizer.structure(), hyper, params)
    assert jax.tree_util.tree_structure(made) == jax.tree_util.tree_structure(reference)
    for ours, theirs in zip(jax.tree_util.tree_leaves(made), jax.tree_util.tree_leaves(reference)):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, np.asarray(theirs))


def test_plain_sgd_keeps_no_velocity_and_momentum_sgd_does():
    params = [{"kernel": np.ones((2, 2), np.float32)}]
    plain = _optimizers.initial_state(SGD(0.5).structure(), engine.float32_tree(SGD(0.5).hyper()), params)
    heavy = SGD(0.5, momentum=0.9)
    with_momentum = _optimizers.initial_state(heavy.structure(), engine.float32_tree(heavy.hyper()), params)
    assert len(jax.tree_util.tree_leaves(with_momentum)) == len(jax.tree_util.tree_leaves(plain)) + 1
