"""Keras-style loss objects (`BinaryCrossentropy`, `BinaryFocalCrossentropy`, ...): each names a per-row loss of
`twoclass.engine.losses` (its structure) and its numbers (hyper), which the engine averages."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from twoclass.core import registry
from twoclass.core.registry import resolve
from twoclass.core.validation import check_float
from twoclass.engine.losses import PER_ROW


class Loss:
    """Base class of loss objects. `structure()` keys compiled code; `hyper()` feeds numbers in as inputs."""

    kind = ""
    default_name = ""

    def __init__(
        self, name: str | None = None, reduction: str = "sum_over_batch_size", from_logits: bool = False, dtype=None
    ):
        if dtype not in (None, "float32"):
            raise ValueError(
                f"The 'dtype' parameter of {type(self).__name__} must be 'float32' (or None). Got {dtype!r} instead."
            )
        if reduction not in ("sum_over_batch_size", "auto", None):
            raise ValueError(
                f"The 'reduction' parameter of {type(self).__name__} must be 'sum_over_batch_size'. "
                f"Got {reduction!r} instead."
            )
        self.name = name or self.default_name
        self.from_logits = bool(from_logits)

    def structure(self) -> tuple:
        return (self.kind, self.from_logits)

    def hyper(self) -> dict[str, float]:
        return {}

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": "sum_over_batch_size"}

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Eager evaluation, as `keras.losses.X()(y_true, y_pred)`; mean over rows."""
        y = jnp.asarray(y_true, jnp.float32).reshape(-1)
        out = jnp.asarray(y_pred, jnp.float32).reshape(-1)
        per_row = PER_ROW[self.kind](self.structure(), self.hyper(), y, out, self.from_logits)
        weight = (
            jnp.ones_like(per_row) if sample_weight is None else jnp.asarray(sample_weight, jnp.float32).reshape(-1)
        )
        return float(jnp.sum(per_row * weight) / per_row.shape[0])


def _check_axis(axis, owner: str) -> None:
    """One output unit: the class axis is the last (-1, or 1 for outputs of shape (n, 1)); any other is refused."""
    if axis not in (-1, 1):
        raise ValueError(f"The 'axis' parameter of {owner} must be -1 (the output unit). Got {axis!r} instead.")


class BinaryCrossentropy(Loss):
    kind = "bce"
    default_name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)
        self.label_smoothing = check_float(
            label_smoothing, "label_smoothing", "BinaryCrossentropy", minimum=0.0, maximum=1.0
        )
        _check_axis(axis, "BinaryCrossentropy")

    def hyper(self):
        return {"label_smoothing": self.label_smoothing}

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": -1,
        }


class BinaryFocalCrossentropy(Loss):
    kind = "focal"
    default_name = "binary_focal_crossentropy"

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        **kwargs,
    ):
        super().__init__(from_logits=from_logits, **kwargs)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha = check_float(alpha, "alpha", "BinaryFocalCrossentropy", minimum=0.0, maximum=1.0)
        self.gamma = check_float(gamma, "gamma", "BinaryFocalCrossentropy", minimum=0.0)
        self.label_smoothing = check_float(
            label_smoothing, "label_smoothing", "BinaryFocalCrossentropy", minimum=0.0, maximum=1.0
        )
        _check_axis(axis, "BinaryFocalCrossentropy")

    def structure(self):
        return (self.kind, self.from_logits, self.apply_class_balancing)

    def hyper(self):
        return {"alpha": self.alpha, "gamma": self.gamma, "label_smoothing": self.label_smoothing}

    def get_config(self):
        return {
            **super().get_config(),
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": -1,
        }


class MeanSquaredError(Loss):
    kind = "mse"
    default_name = "mean_squared_error"


class MeanAbsoluteError(Loss):
    kind = "mae"
    default_name = "mean_absolute_error"


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0):
    return BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    return MeanSquaredError()(y_true, y_pred)


BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
}
BY_CLASS_NAME = {cls.__name__: cls for cls in BY_NAME.values()}
_FUNCTIONS = {binary_crossentropy: BinaryCrossentropy, mean_squared_error: MeanSquaredError}


def get(identifier) -> Loss:
    if callable(identifier) and not isinstance(identifier, type) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    name = getattr(identifier, "__name__", None)
    if not isinstance(identifier, type) and isinstance(name, str) and name in BY_NAME:
        return BY_NAME[name]()  # keras.losses.binary_crossentropy passed as a function
    return resolve(identifier, "loss", Loss, BY_NAME, BY_CLASS_NAME, from_config=_from_config)


def _from_config(cls: type, config: dict[str, Any]) -> Loss:
    return cls(**{k: v for k, v in config.items() if k not in ("reduction", "axis", "dtype")})


def serialize(loss: Loss) -> dict[str, Any]:
    return registry.serialize(loss, "keras.losses")
