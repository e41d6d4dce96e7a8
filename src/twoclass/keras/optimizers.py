"""Optimizers with Keras's names, defaults and update rules, as optax gradient transformations.

Every number (learning rate, momentum, betas, epsilon, weight decay) is injected into the optimizer state with
`optax.inject_hyperparams`, so it is an input of the compiled training step: changing it compiles nothing.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _schedules as schedules
from ._registry import resolve
from ._validation import check_bool, check_float


# --------------------------------------------------------------------------------------------------------------------
# Update rules (the learning rate is part of each rule, as in Keras, so momentum follows a changing rate exactly).


class _CountState(NamedTuple):
    count: jax.Array
    slots: tuple


def _zeros_like(params):
    return jax.tree_util.tree_map(jnp.zeros_like, params)


def _sgd(learning_rate, momentum, nesterov, uses_momentum):
    # Like Keras, plain SGD keeps no velocity: on a tiny net the extra arrays are a third of a step's time.
    def init(params):
        return _CountState(jnp.zeros([], jnp.int32), (_zeros_like(params),) if uses_momentum else ())

    def update(grads, state, params=None):
        if not uses_momentum:
            return jax.tree_util.tree_map(lambda g: -learning_rate * g, grads), _CountState(state.count + 1, ())
        (velocity,) = state.slots
        velocity = jax.tree_util.tree_map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        if nesterov:
            updates = jax.tree_util.tree_map(lambda v, g: momentum * v - learning_rate * g, velocity, grads)
        else:
            updates = velocity
        return updates, _CountState(state.count + 1, (velocity,))

    return optax.GradientTransformation(init, update)


def _adam(learning_rate, beta_1, beta_2, epsilon, weight_decay, amsgrad):
    def init(params):
        slots = (_zeros_like(params), _zeros_like(params)) + ((_zeros_like(params),) if amsgrad else ())
        return _CountState(jnp.zeros([], jnp.int32), slots)

    def update(grads, state, params=None):
        count = state.count + 1
        step = count.astype(jnp.float32)
        alpha = learning_rate * jnp.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
        m = jax.tree_util.tree_map(lambda m, g: m + (g - m) * (1.0 - beta_1), state.slots[0], grads)
        v = jax.tree_util.tree_map(lambda v, g: v + (jnp.square(g) - v) * (1.0 - beta_2), state.slots[1], grads)
        slots = (m, v)
        if amsgrad:
            v = jax.tree_util.tree_map(jnp.maximum, state.slots[2], v)
            slots = (m, slots[1], v)
        updates = jax.tree_util.tree_map(lambda m, v: -alpha * m / (jnp.sqrt(v) + epsilon), m, v)
        if params is not None:  # decoupled weight decay (AdamW); zero for Adam
            updates = jax.tree_util.tree_map(lambda u, w: u - learning_rate * weight_decay * w, updates, params)
        return updates, _CountState(count, slots)

    return optax.GradientTransformation(init, update)


def _rmsprop(learning_rate, rho, momentum, epsilon, centered):
    def init(params):
        return _CountState(jnp.zeros([], jnp.int32), (_zeros_like(params), _zeros_like(params), _zeros_like(params)))

    def update(grads, state, params=None):
        velocity, average, moment = state.slots
        velocity = jax.tree_util.tree_map(lambda v, g: rho * v + (1.0 - rho) * jnp.square(g), velocity, grads)
        if centered:
            average = jax.tree_util.tree_map(lambda a, g: rho * a + (1.0 - rho) * g, average, grads)
            denominator = jax.tree_util.tree_map(lambda v, a: v - jnp.square(a) + epsilon, velocity, average)
        else:
            denominator = jax.tree_util.tree_map(lambda v: v + epsilon, velocity)
        increment = jax.tree_util.tree_map(lambda g, d: learning_rate * g / jnp.sqrt(d), grads, denominator)
        moment = jax.tree_util.tree_map(lambda m, i: momentum * m + i, moment, increment)
        updates = jax.tree_util.tree_map(lambda m, i: -jnp.where(momentum > 0, m, i), moment, increment)
        return updates, _CountState(state.count + 1, (velocity, average, moment))

    return optax.GradientTransformation(init, update)


def _adagrad(learning_rate, initial_accumulator_value, epsilon):
    def init(params):
        accumulator = jax.tree_util.tree_map(lambda p: jnp.full_like(p, initial_accumulator_value), params)
        return _CountState(jnp.zeros([], jnp.int32), (accumulator,))

    def update(grads, state, params=None):
        (accumulator,) = state.slots
        accumulator = jax.tree_util.tree_map(lambda a, g: a + jnp.square(g), accumulator, grads)
        updates = jax.tree_util.tree_map(lambda g, a: -learning_rate * g / jnp.sqrt(a + epsilon), grads, accumulator)
        return updates, _CountState(state.count + 1, (accumulator,))

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
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in names])
    return factory


def build_transform(structure: tuple, hyper: dict[str, float]) -> optax.GradientTransformation:
    """The optax transformation for an optimizer structure, with every number injected as state."""
    kind, static, clip_kinds, _schedule = structure
    static_values = dict(static)
    factory = _with_clipping(_RULES[kind], clip_kinds)
    return optax.inject_hyperparams(factory, static_args=tuple(static_values))(**static_values, **hyper)


def set_hyperparams(opt_state, hyper: dict[str, Any]):
    """Replace the injected numbers in an optimizer state (between compiled chunks, or with a scheduled rate)."""
    merged = dict(opt_state.hyperparams)
    for key, value in hyper.items():
        merged[key] = (value.astype(merged[key].dtype) if isinstance(value, jax.Array)
                       else np.asarray(value, dtype=merged[key].dtype))
    return opt_state._replace(hyperparams=merged)


# --------------------------------------------------------------------------------------------------------------------
# The user's objects.


class Optimizer:
    """Base class. `lr=` (old Keras spelling, used by many lessons) is accepted as an alias of `learning_rate`."""

    kind = ""
    _static: tuple[str, ...] = ()

    def __init__(self, learning_rate, *, lr=None, name=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 weight_decay=None, **ignored):
        owner = type(self).__name__
        if lr is not None and learning_rate is not None and not _is_default(learning_rate):
            raise ValueError(
                f"{owner} got both 'lr' and 'learning_rate'. Pass one of them (they mean the same; 'lr' is the old "
                f"Keras name). Received: lr={lr!r}, learning_rate={learning_rate!r}."
            )
        learning_rate = lr if lr is not None else getattr(learning_rate, "value", learning_rate)
        self.name = name or owner.lower()
        self._learning_rate = self._check_rate(learning_rate)
        self.clipnorm = None if clipnorm is None else check_float(clipnorm, "clipnorm", owner, minimum=0.0)
        self.clipvalue = None if clipvalue is None else check_float(clipvalue, "clipvalue", owner, minimum=0.0)
        self.global_clipnorm = (None if global_clipnorm is None
                                else check_float(global_clipnorm, "global_clipnorm", owner, minimum=0.0))
        if sum(v is not None for v in (self.clipnorm, self.clipvalue, self.global_clipnorm)) > 1:
            raise ValueError(f"{owner} takes at most one of clipnorm, clipvalue and global_clipnorm.")
        self.iterations = 0

    def _check_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            return value
        return check_float(value, "learning_rate", type(self).__name__, minimum=0.0, include_minimum=False)

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = self._check_rate(float(value) if hasattr(value, "__float__") else value)

    lr = learning_rate

    def _rule_hyper(self) -> dict[str, float]:
        raise NotImplementedError

    def current_learning_rate(self) -> float:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return float(self._learning_rate(self.iterations))
        return float(self._learning_rate)

    # -- what the engine asks
    def structure(self) -> tuple:
        clip = tuple(k for k in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, k) is not None)
        static = tuple((k, getattr(self, k)) for k in self._static)
        schedule = self._learning_rate.structure() if isinstance(
            self._learning_rate, schedules.LearningRateSchedule) else None
        return (self.kind, static, clip, schedule)

    def hyper(self) -> dict[str, float]:
        rate = self._learning_rate
        values = {"learning_rate": 0.0 if isinstance(rate, schedules.LearningRateSchedule) else float(rate)}
        values.update(self._rule_hyper())
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                values[key] = getattr(self, key)
        return values

    def schedule_hyper(self) -> dict[str, Any]:
        rate = self._learning_rate
        return rate.hyper() if isinstance(rate, schedules.LearningRateSchedule) else {}

    def get_config(self) -> dict[str, Any]:
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = {"module": "keras.optimizers.schedules", "class_name": type(rate).__name__,
                    "config": rate.get_config(), "registered_name": None}
        config = {"name": self.name, "learning_rate": rate, "weight_decay": None, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue, "use_ema": False,
                  "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    _config_keys: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r})"


def _is_default(value) -> bool:
    return getattr(value, "_is_default", False)


class _Default(float):
    """A default learning rate that `lr=` may replace without counting as 'both given'."""

    _is_default = True


class SGD(Optimizer):
    """Stochastic gradient descent, with Keras's momentum and Nesterov rules.

    >>> SGD(lr=0.5).learning_rate    # the slides' spelling
    0.5
    """

    kind = "sgd"
    _static = ("nesterov", "uses_momentum")
    _config_keys = ("momentum", "nesterov")

    def __init__(self, learning_rate=_Default(0.01), momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_float(momentum, "momentum", "SGD", minimum=0.0, maximum=1.0)
        self.nesterov = check_bool(nesterov, "nesterov", "SGD")

    @property
    def uses_momentum(self) -> bool:
        return self.momentum > 0

    def _rule_hyper(self):
        return {"momentum": self.momentum}


class Adam(Optimizer):
    kind = "adam"
    _static = ("amsgrad",)
    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")
    _default_weight_decay = 0.0

    def __init__(self, learning_rate=_Default(0.001), beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        weight_decay = kwargs.pop("weight_decay", None)
        super().__init__(learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_float(beta_1, "beta_1", owner, minimum=0.0, maximum=1.0, include_maximum=False)
        self.beta_2 = check_float(beta_2, "beta_2", owner, minimum=0.0, maximum=1.0, include_maximum=False)
        self.epsilon = check_float(epsilon, "epsilon", owner, minimum=0.0)
        self.amsgrad = check_bool(amsgrad, "amsgrad", owner)
        decay = self._default_weight_decay if weight_decay is None else weight_decay
        self.weight_decay = check_float(decay, "weight_decay", owner, minimum=0.0)

    def _rule_hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "weight_decay": self.weight_decay}

    def get_config(self):
        config = super().get_config()
        config["weight_decay"] = self.weight_decay or None
        return config


class AdamW(Adam):
    _default_weight_decay = 0.004

    def __init__(self, learning_rate=_Default(0.001), weight_decay: float = 0.004, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    kind = "rmsprop"
    _static = ("centered",)
    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=_Default(0.001), rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_float(rho, "rho", "RMSprop", minimum=0.0, maximum=1.0)
        self.momentum = check_float(momentum, "momentum", "RMSprop", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", "RMSprop", minimum=0.0)
        self.centered = check_bool(centered, "centered", "RMSprop")

    def _rule_hyper(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    kind = "adagrad"
    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=_Default(0.001), initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_float(initial_accumulator_value, "initial_accumulator_value",
                                                     "Adagrad", minimum=0.0)
        self.epsilon = check_float(epsilon, "epsilon", "Adagrad", minimum=0.0)

    def _rule_hyper(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}
BY_CLASS_NAME = {cls.__name__: cls for cls in BY_NAME.values()}


def get(identifier) -> Optimizer:
    return resolve(identifier, "optimizer", Optimizer, BY_NAME, BY_CLASS_NAME, from_config=_from_config)


def _from_config(cls: type, config: dict[str, Any]) -> Optimizer:
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        config["learning_rate"] = schedules.BY_CLASS_NAME[rate["class_name"]].from_config(rate["config"])
    keep = {"learning_rate", "name", "clipnorm", "clipvalue", "global_clipnorm", *cls._config_keys}
    if cls is AdamW or cls is Adam:
        keep.add("weight_decay")
    return cls(**{k: v for k, v in config.items() if k in keep and v is not None})


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def initial_state(structure: tuple, hyper: dict[str, Any], params) -> Any:
    """`build_transform(structure, hyper).init(params)`, made on the host with NumPy.

    The same tree, but nothing is compiled: a compiled (or even eager) init costs a fresh process 0.1-0.2 s before
    its first fit. Counts and slots start at zero (Adagrad's accumulators at their initial value); the injected
    numbers are `hyper`'s.
    """
    leaves, treedef = jax.tree_util.tree_flatten(params)
    shapes = _state_shapes(structure, tuple(sorted(hyper)), treedef,
                           tuple((np.shape(leaf), np.dtype(leaf.dtype)) for leaf in leaves))
    fill = float(hyper.get("initial_accumulator_value", 0.0)) if structure[0] == "adagrad" else 0.0

    def leaf(path, spec):
        keys = [getattr(part, "key", getattr(part, "name", None)) for part in path]
        if "hyperparams" in keys:
            return np.asarray(hyper[keys[-1]], spec.dtype)
        return np.full(spec.shape, fill if "slots" in keys else 0, spec.dtype)

    return jax.tree_util.tree_map_with_path(leaf, shapes)


@functools.lru_cache(maxsize=256)
def _state_shapes(structure: tuple, hyper_names: tuple[str, ...], treedef, leaf_specs: tuple) -> Any:
    # Tracing the init costs ~5 ms, half of a small fit: done once per optimizer kind and parameter shapes. The
    # numbers do not change the tree, so placeholders stand in for them.
    params = jax.tree_util.tree_unflatten(treedef, [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype in leaf_specs])
    placeholders = {name: np.zeros((), np.float32) for name in hyper_names}
    return jax.eval_shape(build_transform(structure, placeholders).init, params)
