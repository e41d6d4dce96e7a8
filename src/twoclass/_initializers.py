"""Weight initialisers with Keras's names and semantics, drawing from jax.random."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from ._validation import unknown_name


class Initializer:
    """Base class: `init(key, shape) -> array`. Subclasses hold only numbers, so they serialise as Keras configs."""

    def __call__(self, key: jax.Array, shape: tuple[int, ...], dtype=jnp.float32) -> jax.Array:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Initializer":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


_JAX_DISTRIBUTION = {"truncated_normal": "truncated_normal", "untruncated_normal": "normal", "normal": "normal",
                     "uniform": "uniform"}


class VarianceScaling(Initializer):
    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed=None):
        self.scale, self.mode, self.distribution, self.seed = float(scale), mode, distribution, seed

    def __call__(self, key, shape, dtype=jnp.float32):
        distribution = _JAX_DISTRIBUTION[self.distribution]
        return jax.nn.initializers.variance_scaling(self.scale, self.mode, distribution)(key, shape, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _scaling(name: str, scale: float, mode: str, distribution: str):
    class _Named(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self.seed}

    _Named.__name__ = _Named.__qualname__ = name
    return _Named


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean, self.stddev, self.seed = float(mean), float(stddev), seed

    def __call__(self, key, shape, dtype=jnp.float32):
        return self.mean + self.stddev * jax.random.normal(key, shape, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    def __call__(self, key, shape, dtype=jnp.float32):
        return self.mean + self.stddev * jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype)


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval, self.maxval, self.seed = float(minval), float(maxval), seed

    def __call__(self, key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class Constant(Initializer):
    def __init__(self, value: float = 0.0):
        self.value = float(value)

    def __call__(self, key, shape, dtype=jnp.float32):
        return jnp.full(shape, self.value, dtype)

    def get_config(self):
        return {"value": self.value}


class Zeros(Initializer):
    def __call__(self, key, shape, dtype=jnp.float32):
        return jnp.zeros(shape, dtype)


class Ones(Initializer):
    def __call__(self, key, shape, dtype=jnp.float32):
        return jnp.ones(shape, dtype)


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0, seed=None):
        self.gain, self.seed = float(gain), seed

    def __call__(self, key, shape, dtype=jnp.float32):
        return jax.nn.initializers.orthogonal(self.gain)(key, shape, dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


BY_NAME = {
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "orthogonal": Orthogonal,
    "variance_scaling": VarianceScaling,
}
BY_CLASS_NAME = {cls.__name__: cls for cls in BY_NAME.values()}


def get(identifier) -> Initializer:
    """An initializer from a Keras name ('he_normal'), a class name, a config dict or an Initializer."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = BY_CLASS_NAME.get(identifier["class_name"])
        if cls is None:
            raise unknown_name("initializer", identifier["class_name"], BY_CLASS_NAME)
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = BY_NAME.get(identifier.lower()) or BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise unknown_name("initializer", identifier, BY_NAME)
        return cls()
    raise unknown_name("initializer", identifier, BY_NAME)


def serialize(initializer: Initializer) -> dict[str, Any]:
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}
