"""Weight initialisers with Keras's names and semantics.

They draw from a NumPy generator: building a model is then a few microseconds of host work, reproducible from the
model's seed, instead of a string of small device computations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twoclass.core import registry
from twoclass.core.registry import resolve


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    return float(np.prod(shape[:-1])), float(shape[-1])


def _truncated_normal(rng: np.random.Generator, shape, stddev: float) -> np.ndarray:
    """Normal draws re-drawn until within two standard deviations, as Keras's truncated normal."""
    out = rng.standard_normal(shape)
    outside = np.abs(out) > 2.0
    while outside.any():
        out[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(out) > 2.0
    return out * stddev


class Initializer:
    """Base class: `init(rng, shape) -> float32 array`. Subclasses hold only numbers, so they serialise as Keras
    configs."""

    def __call__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class VarianceScaling(Initializer):
    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"The 'mode' parameter of VarianceScaling must be 'fan_in', 'fan_out' or 'fan_avg'. "
                f"Got {mode!r} instead."
            )
        if distribution not in ("truncated_normal", "untruncated_normal", "normal", "uniform"):
            raise ValueError(
                "The 'distribution' parameter of VarianceScaling must be 'truncated_normal', "
                f"'untruncated_normal' or 'uniform'. Got {distribution!r} instead."
            )
        self.scale, self.mode, self.distribution, self.seed = float(scale), mode, distribution, seed

    def __call__(self, rng, shape):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            out = rng.uniform(-limit, limit, shape)
        elif self.distribution == "truncated_normal":
            out = _truncated_normal(rng, shape, np.sqrt(variance) / 0.87962566103423978)
        else:
            out = rng.standard_normal(shape) * np.sqrt(variance)
        return out.astype(np.float32)

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

    def __call__(self, rng, shape):
        return (self.mean + self.stddev * rng.standard_normal(shape)).astype(np.float32)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    def __call__(self, rng, shape):
        return (self.mean + _truncated_normal(rng, shape, self.stddev)).astype(np.float32)


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        self.minval, self.maxval, self.seed = float(minval), float(maxval), seed

    def __call__(self, rng, shape):
        return rng.uniform(self.minval, self.maxval, shape).astype(np.float32)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class Constant(Initializer):
    """A fixed value: a number, or an array broadcast to the weight's shape (one element, or the weight's shape), as
    Keras takes `Constant(np.log([pos / neg]))` for an output bias.

    >>> Constant(np.log([0.25]))(None, (1,))
    array([-1.3862944], dtype=float32)
    """

    def __init__(self, value=0.0):
        array = np.asarray(_numpy_config(value), dtype=np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"The 'value' parameter of Constant must be finite. Got {value!r} instead.")
        self.value = float(array) if array.ndim == 0 else array

    def __call__(self, rng, shape):
        value = np.asarray(self.value, np.float32)
        if value.size != 1 and value.shape != tuple(shape):
            raise ValueError(
                f"Constant holds an array of shape {value.shape}, which does not fit a weight of shape {tuple(shape)}: "
                "give one number, a one-element array, or an array of the weight's shape."
            )
        return np.broadcast_to(value.reshape(shape) if value.size > 1 else value.reshape(()), shape).astype(np.float32)

    def get_config(self):
        if isinstance(self.value, float):
            return {"value": self.value}
        # Keras 3 writes an array value as its NumPy serialisation
        return {"value": {"class_name": "__numpy__", "config": {"value": self.value.tolist(), "dtype": "float64"}}}


def _numpy_config(value):
    """A Keras config may hold an array as {'class_name': '__numpy__', 'config': {'value': [...], 'dtype': ...}}."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.asarray(value["config"]["value"], dtype=value["config"].get("dtype", "float32"))
    return value


class Zeros(Initializer):
    def __call__(self, rng, shape):
        return np.zeros(shape, np.float32)


class Ones(Initializer):
    def __call__(self, rng, shape):
        return np.ones(shape, np.float32)


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0, seed=None):
        self.gain, self.seed = float(gain), seed

    def __call__(self, rng, shape):
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return (self.gain * q[:rows, :cols].reshape(shape)).astype(np.float32)

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
# Keras 3's aliases (keras.initializers.get('uniform') is RandomUniform), kept from Keras 1 and 2 programs
BY_NAME.update({"uniform": RandomUniform, "normal": RandomNormal, "zero": Zeros, "one": Ones})
BY_CLASS_NAME.update({"OrthogonalInitializer": Orthogonal})


def get(identifier) -> Initializer:
    """An initializer from a Keras name ('he_normal'), a class name, a config dict or an Initializer.

    None gives GlorotUniform, as Keras 3 does: `Dense(bias_initializer=None)` leaves the choice to `add_weight`,
    whose default for float weights is 'glorot_uniform' (so such a bias is drawn, not zero).
    """
    if identifier is None:
        return GlorotUniform()
    return resolve(identifier, "initializer", Initializer, BY_NAME, BY_CLASS_NAME)


def serialize(initializer: Initializer) -> dict[str, Any]:
    return registry.serialize(initializer, "keras.initializers")
