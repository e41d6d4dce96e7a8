"""Keras's update rules as optax gradient transformations, keyed by an optimizer structure.

Every number (learning rate, momentum, betas, epsilon, weight decay) is injected into the optimizer state with
`optax.inject_hyperparams`, so it is an input of the compiled training step: changing it compiles nothing. The
learning rate is part of each rule, as in Keras, so momentum follows a changing rate exactly.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax


class OptimizerStructure(NamedTuple):
    """What an optimizer's compiled update depends on: its rule, the options that change the code, the clipping kinds
    and the learning-rate schedule's structure (None for a plain rate). Numbers are not here: they are inputs."""

    kind: str  # 'sgd', 'adam', 'rmsprop', 'adagrad'
    static: tuple  # ((name, value), ...): options that select code paths (nesterov, amsgrad, centered, ...)
    clip: tuple[str, ...]  # of 'clipnorm', 'clipvalue', 'global_clipnorm'
    schedule: tuple | None


class SlotState(NamedTuple):
    """A rule's state: the step count and its slots (one NamedTuple per rule, fields named as Keras names them)."""

    count: jax.Array
    slots: NamedTuple


# Each rule's slots, one tree like the parameters per field. Fields hold () where an option leaves a slot unused.
class SGDSlots(NamedTuple):
    momentum: Any  # () without momentum: like Keras, plain SGD keeps no velocity


class AdamSlots(NamedTuple):
    momentum: Any
    velocity: Any
    velocity_hat: Any  # () unless amsgrad


class RMSpropSlots(NamedTuple):
    velocity: Any
    average_gradient: Any
    momentum: Any


class AdagradSlots(NamedTuple):
    accumulator: Any


SLOTS_BY_KIND = {"sgd": SGDSlots, "adam": AdamSlots, "rmsprop": RMSpropSlots, "adagrad": AdagradSlots}


def _zeros_like(params):
    return jax.tree_util.tree_map(jnp.zeros_like, params)


def _sgd(learning_rate, momentum, nesterov, uses_momentum):
    # Like Keras, plain SGD keeps no velocity: on a tiny net the extra arrays are a third of a step's time.
    def init(params):
        return SlotState(jnp.zeros([], jnp.int32), SGDSlots(_zeros_like(params) if uses_momentum else ()))

    def update(grads, state, params=None):
        if not uses_momentum:
            return jax.tree_util.tree_map(lambda g: -learning_rate * g, grads), SlotState(state.count + 1, SGDSlots(()))
        velocity = state.slots.momentum
        velocity = jax.tree_util.tree_map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        if nesterov:
            updates = jax.tree_util.tree_map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        else:
            updates = velocity
        return updates, SlotState(state.count + 1, SGDSlots(velocity))

    return optax.GradientTransformation(init, update)


def _adam(learning_rate, beta_1, beta_2, epsilon, weight_decay, amsgrad):
    def init(params):
        slots = AdamSlots(_zeros_like(params), _zeros_like(params), _zeros_like(params) if amsgrad else ())
        return SlotState(jnp.zeros([], jnp.int32), slots)

    def update(grads, state, params=None):
        count = state.count + 1
        step = count.astype(jnp.float32)
        alpha = learning_rate * jnp.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
        m = jax.tree_util.tree_map(lambda m, g: m + (g - m) * (1.0 - beta_1), state.slots.momentum, grads)
        v = jax.tree_util.tree_map(lambda v, g: v + (jnp.square(g) - v) * (1.0 - beta_2), state.slots.velocity, grads)
        slots = AdamSlots(m, v, ())
        if amsgrad:
            v = jax.tree_util.tree_map(jnp.maximum, state.slots.velocity_hat, v)
            slots = slots._replace(velocity_hat=v)
        updates = jax.tree_util.tree_map(lambda m, v: -alpha * m / (jnp.sqrt(v) + epsilon), m, v)
        if params is not None:  # decoupled weight decay (AdamW); zero for Adam
            updates = jax.tree_util.tree_map(lambda u, w: u - learning_rate * weight_decay * w, updates, params)
        return updates, SlotState(count, slots)

    return optax.GradientTransformation(init, update)


def _rmsprop(learning_rate, rho, momentum, epsilon, centered):
    def init(params):
        zeros = _zeros_like(params)
        return SlotState(jnp.zeros([], jnp.int32), RMSpropSlots(zeros, zeros, zeros))

    def update(grads, state, params=None):
        velocity, average, moment = state.slots.velocity, state.slots.average_gradient, state.slots.momentum
        velocity = jax.tree_util.tree_map(lambda v, g: rho * v + (1.0 - rho) * jnp.square(g), velocity, grads)
        if centered:
            average = jax.tree_util.tree_map(lambda a, g: rho * a + (1.0 - rho) * g, average, grads)
            denominator = jax.tree_util.tree_map(lambda v, a: v - jnp.square(a) + epsilon, velocity, average)
        else:
            denominator = jax.tree_util.tree_map(lambda v: v + epsilon, velocity)
        increment = jax.tree_util.tree_map(lambda g, d: learning_rate * g / jnp.sqrt(d), grads, denominator)
        moment = jax.tree_util.tree_map(lambda m, i: momentum * m + i, moment, increment)
        updates = jax.tree_util.tree_map(lambda m, i: -jnp.where(momentum > 0, m, i), moment, increment)
        return updates, SlotState(state.count + 1, RMSpropSlots(velocity, average, moment))

    return optax.GradientTransformation(init, update)


def _adagrad(learning_rate, initial_accumulator_value, epsilon):
    def init(params):
        accumulator = jax.tree_util.tree_map(lambda p: jnp.full_like(p, initial_accumulator_value), params)
        return SlotState(jnp.zeros([], jnp.int32), AdagradSlots(accumulator))

    def update(grads, state, params=None):
        accumulator = state.slots.accumulator
        accumulator = jax.tree_util.tree_map(lambda a, g: a + jnp.square(g), accumulator, grads)
        updates = jax.tree_util.tree_map(lambda g, a: -learning_rate * g / jnp.sqrt(a + epsilon), grads, accumulator)
        return updates, SlotState(state.count + 1, AdagradSlots(accumulator))

    return optax.GradientTransformation(init, update)


def _clip_each_by_norm(max_norm):
    def update(grads, state, params=None):
        def clip(g):
            norm = jnp.sqrt(jnp.sum(jnp.square(g)))
            return jnp.where(norm > max_norm, g * max_norm / jnp.maximum(norm, 1e-12), g)

        return jax.tree_util.tree_map(clip, grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


_RULES = {"sgd": _sgd, "adam": _adam, "rmsprop": _rmsprop, "adagrad": _adagrad}


def _with_clipping(rule, clip_kinds: tuple[str, ...]):
    def factory(**hyper):
        parts = []
        if "clipvalue" in clip_kinds:
            parts.append(optax.clip(hyper.pop("clipvalue")))
        if "clipnorm" in clip_kinds:
            parts.append(_clip_each_by_norm(hyper.pop("clipnorm")))
        if "global_clipnorm" in clip_kinds:
            parts.append(optax.clip_by_global_norm(hyper.pop("global_clipnorm")))
        return optax.chain(*parts, rule(**hyper))

    # inject_hyperparams reads the factory's signature to know which arguments become injected state
    names = [*inspect.signature(rule).parameters, *clip_kinds]
    factory.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in names]
    )
    return factory


def build_transform(structure: OptimizerStructure, hyper: dict[str, float]) -> optax.GradientTransformation:
    """The optax transformation for an optimizer structure, with every number injected as state."""
    static_values = dict(structure.static)
    factory = _with_clipping(_RULES[structure.kind], structure.clip)
    return optax.inject_hyperparams(factory, static_args=tuple(static_values))(**static_values, **hyper)


def set_hyperparams(opt_state, hyper: dict[str, Any]):
    """Replace the injected numbers in an optimizer state (between compiled chunks, or with a scheduled rate)."""
    merged = dict(opt_state.hyperparams)
    for key, value in hyper.items():
        merged[key] = (
            value.astype(merged[key].dtype)
            if isinstance(value, jax.Array)
            else np.asarray(value, dtype=merged[key].dtype)
        )
    return opt_state._replace(hyperparams=merged)


def initial_state(structure: OptimizerStructure, hyper: dict[str, Any], params) -> Any:
    """`build_transform(structure, hyper).init(params)`, made on the host with NumPy.

    The same tree, but nothing is compiled: a compiled (or even eager) init costs a fresh process 0.1-0.2 s before
    its first fit. Counts and slots start at zero (Adagrad's accumulators at their initial value); the injected
    numbers are `hyper`'s.
    """
    leaves, treedef = jax.tree_util.tree_flatten(params)
    shapes = _state_shapes(
        structure, tuple(sorted(hyper)), treedef, tuple((np.shape(leaf), np.dtype(leaf.dtype)) for leaf in leaves)
    )
    fill = float(hyper.get("initial_accumulator_value", 0.0)) if structure.kind == "adagrad" else 0.0

    def leaf(path, spec):
        keys = [getattr(part, "key", getattr(part, "name", None)) for part in path]
        if "hyperparams" in keys:
            return np.asarray(hyper[keys[-1]], spec.dtype)
        return np.full(spec.shape, fill if "slots" in keys else 0, spec.dtype)

    return jax.tree_util.tree_map_with_path(leaf, shapes)


@functools.lru_cache(maxsize=256)
def _state_shapes(structure: OptimizerStructure, hyper_names: tuple[str, ...], treedef, leaf_specs: tuple) -> Any:
    # Tracing the init costs ~5 ms, half of a small fit: done once per optimizer kind and parameter shapes. The
    # numbers do not change the tree, so placeholders stand in for them.
    params = jax.tree_util.tree_unflatten(treedef, [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in leaf_specs])
    placeholders = {name: np.zeros((), np.float32) for name in hyper_names}
    return jax.eval_shape(build_transform(structure, placeholders).init, params)
