"""Learning-rate schedules with Keras's names. Their numbers are inputs of the compiled step, like the rate itself."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from twoclass.core.validation import check_float, check_int
from twoclass.engine.schedules import evaluate


class LearningRateSchedule:
    """A function of the optimizer step. `structure()` keys compiled code; `hyper()` holds its numbers."""

    kind = ""

    def structure(self) -> tuple:
        return (self.kind,)

    def hyper(self) -> dict[str, Any]:
        return {}

    def __call__(self, step):
        return evaluate(
            self.structure(),
            {k: jnp.asarray(v, jnp.float32) for k, v in self.hyper().items()},
            jnp.asarray(step, jnp.float32),
        )

    def get_config(self) -> dict[str, Any]:
        return dict(self.hyper())

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    kind = "exponential"

    def __init__(
        self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False, name=None
    ):
        self.initial_learning_rate = check_float(
            initial_learning_rate, "initial_learning_rate", "ExponentialDecay", minimum=0.0
        )
        self.decay_steps = check_int(decay_steps, "decay_steps", "ExponentialDecay", minimum=1)
        self.decay_rate = check_float(decay_rate, "decay_rate", "ExponentialDecay", minimum=0.0)
        self.staircase = bool(staircase)

    def structure(self):
        return (self.kind, self.staircase)

    def hyper(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": float(self.decay_steps),
            "decay_rate": self.decay_rate,
        }

    def get_config(self):
        return {**super().get_config(), "decay_steps": self.decay_steps, "staircase": self.staircase}


class InverseTimeDecay(ExponentialDecay):
    kind = "inverse_time"


class PolynomialDecay(LearningRateSchedule):
    kind = "polynomial"

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 1e-4,
        power: float = 1.0,
        cycle: bool = False,
        name=None,
    ):
        self.initial_learning_rate = check_float(
            initial_learning_rate, "initial_learning_rate", "PolynomialDecay", minimum=0.0
        )
        self.decay_steps = check_int(decay_steps, "decay_steps", "PolynomialDecay", minimum=1)
        self.end_learning_rate = check_float(end_learning_rate, "end_learning_rate", "PolynomialDecay", minimum=0.0)
        self.power = check_float(power, "power", "PolynomialDecay")
        self.cycle = bool(cycle)

    def structure(self):
        return (self.kind, self.cycle)

    def hyper(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": float(self.decay_steps),
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
        }

    def get_config(self):
        return {**super().get_config(), "decay_steps": self.decay_steps, "cycle": self.cycle}


class CosineDecay(LearningRateSchedule):
    kind = "cosine"

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name=None,
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        self.initial_learning_rate = check_float(
            initial_learning_rate, "initial_learning_rate", "CosineDecay", minimum=0.0
        )
        self.decay_steps = check_int(decay_steps, "decay_steps", "CosineDecay", minimum=1)
        self.alpha = check_float(alpha, "alpha", "CosineDecay", minimum=0.0, maximum=1.0)
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = check_int(warmup_steps, "warmup_steps", "CosineDecay", minimum=0)

    def hyper(self):
        # as Keras: without a warmup_target, warmup_steps is ignored; the decay starts at step 0 from the initial rate
        warm = self.warmup_target is not None
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": float(self.decay_steps),
            "alpha": self.alpha,
            "warmup_target": self.warmup_target if warm else self.initial_learning_rate,
            "warmup_steps": float(self.warmup_steps) if warm else 0.0,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "decay_steps": self.decay_steps,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    kind = "piecewise"

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "The 'values' parameter of PiecewiseConstantDecay must have one more element than 'boundaries'. "
                f"Got {len(values)} values for {len(boundaries)} boundaries instead."
            )
        self.boundaries = [float(b) for b in boundaries]
        self.values = [float(v) for v in values]

    def structure(self):
        return (self.kind, len(self.boundaries))

    def hyper(self):
        return {"boundaries": self.boundaries, "values": self.values}


BY_CLASS_NAME = {
    cls.__name__: cls
    for cls in (ExponentialDecay, InverseTimeDecay, PolynomialDecay, CosineDecay, PiecewiseConstantDecay)
}
