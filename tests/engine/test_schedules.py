"""Learning-rate schedules (`twoclass.engine.schedules.evaluate`) against the real `keras.optimizers.schedules`.

Each schedule is evaluated as the compiled training step does: its structure static, its numbers float32 inputs, the
step (the number of updates already applied, Keras's `optimizer.iterations`) a float32 scalar.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from twoclass.engine.schedules import evaluate
from twoclass.optimizers import schedules

# every step up to 260 (boundaries, multiples of decay_steps, the end of warmup and decay), then far beyond
STEPS = np.r_[np.arange(261), [299, 300, 301, 1000, 12345, 10**6]].astype(np.float32)

CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.8)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.8, staircase=True)),
    ("ExponentialDecay", dict(initial_learning_rate=0.5, decay_steps=100, decay_rate=0.96, staircase=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5, staircase=True)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=50)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=50, end_learning_rate=0.01, power=2.0)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=50, end_learning_rate=0.01, power=0.5, cycle=True)),
    ("PolynomialDecay", dict(initial_learning_rate=0.2, decay_steps=30, cycle=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=100, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=100, warmup_target=0.2, warmup_steps=20)),
    ("CosineDecay", dict(initial_learning_rate=0.01, decay_steps=80, alpha=0.05, warmup_target=0.1, warmup_steps=15)),
    ("CosineDecay", dict(initial_learning_rate=0.3, decay_steps=60, warmup_target=0.05, warmup_steps=1)),
    ("CosineDecay", dict(initial_learning_rate=0.3, decay_steps=60, warmup_target=0.05)),  # decays from the target
    ("PiecewiseConstantDecay", dict(boundaries=[10, 50, 120], values=[0.1, 0.05, 0.01, 0.001])),
    ("PiecewiseConstantDecay", dict(boundaries=[0], values=[1.0, 0.5])),
]


def _ours(schedule) -> np.ndarray:
    structure = schedule.structure()
    hyper = {k: np.asarray(v, np.float32) for k, v in schedule.hyper().items()}  # as engine.float32_tree makes them
    one = jax.jit(lambda step: evaluate(structure, hyper, step))
    return np.asarray(jax.vmap(one)(jnp.asarray(STEPS)))


def _keras(keras, name, kwargs) -> np.ndarray:
    reference = getattr(keras.optimizers.schedules, name)(**kwargs)
    # Keras's schedules are functions of JAX arrays under the JAX backend: mapped over the steps in one compiled call
    return np.asarray(jax.jit(jax.vmap(reference))(jnp.asarray(STEPS)))


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_schedule_matches_keras_at_every_step(keras, name, kwargs):
    ours = _ours(getattr(schedules, name)(**kwargs))
    expected = _keras(keras, name, kwargs)
    np.testing.assert_allclose(ours, expected, rtol=2e-6, atol=1e-9)
    assert len(np.unique(expected)) > 1  # the steps reach past the first change


def test_schedules_with_keras_step_semantics_at_the_edges(keras):
    # spelled out where an off-by-one would hide: the rate for the update after `step` updates
    piecewise = schedules.PiecewiseConstantDecay([10, 50], [0.3, 0.2, 0.1])
    got = dict(zip(STEPS.tolist(), _ours(piecewise).tolist()))
    assert [got[s] for s in (0.0, 10.0, 11.0, 50.0, 51.0)] == pytest.approx([0.3, 0.3, 0.2, 0.2, 0.1])
    stairs = dict(zip(STEPS.tolist(), _ours(schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True)).tolist()))
    assert [stairs[s] for s in (0.0, 9.0, 10.0, 19.0, 20.0)] == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25])
    # the same through the schedule object's own __call__, which the optimizer's current_learning_rate uses
    assert float(schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=20)(10)) == pytest.approx(
        float(keras.optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=20)(10))
    )


def test_cosine_decay_ignores_warmup_steps_without_a_warmup_target_as_keras_does(keras):
    kwargs = dict(initial_learning_rate=0.1, decay_steps=100, warmup_steps=10)
    np.testing.assert_allclose(
        _ours(schedules.CosineDecay(**kwargs)), _keras(keras, "CosineDecay", kwargs), rtol=2e-6, atol=1e-9
    )
