"""Learning-rate schedules as one pure function of (structure, hyper, step), evaluated inside the compiled step."""

from __future__ import annotations

import jax.numpy as jnp


def evaluate(structure: tuple, hyper: dict, step):
    """The learning rate at `step` (the number of updates already applied), as Keras computes it."""
    kind = structure[0]
    if kind in ("exponential", "inverse_time"):
        progress = step / hyper["decay_steps"]
        if structure[1]:
            progress = jnp.floor(progress)
        if kind == "exponential":
            return hyper["initial_learning_rate"] * jnp.power(hyper["decay_rate"], progress)
        return hyper["initial_learning_rate"] / (1.0 + hyper["decay_rate"] * progress)
    if kind == "polynomial":
        decay_steps = hyper["decay_steps"]
        if structure[1]:
            decay_steps = decay_steps * jnp.maximum(jnp.ceil(step / decay_steps), 1.0)
            progress = step / decay_steps
        else:
            progress = jnp.minimum(step, decay_steps) / decay_steps
        span = hyper["initial_learning_rate"] - hyper["end_learning_rate"]
        return span * jnp.power(1.0 - progress, hyper["power"]) + hyper["end_learning_rate"]
    if kind == "cosine":
        warmup = hyper["warmup_steps"]
        decay_step = jnp.minimum(jnp.maximum(step - warmup, 0.0), hyper["decay_steps"])
        cosine = 0.5 * (1.0 + jnp.cos(jnp.pi * decay_step / hyper["decay_steps"]))
        decayed = (1.0 - hyper["alpha"]) * cosine + hyper["alpha"]
        warm_rate = hyper["initial_learning_rate"] + (hyper["warmup_target"] - hyper["initial_learning_rate"]) * (
            step / jnp.maximum(warmup, 1.0)
        )
        # Keras decays from warmup_target, even with warmup_steps 0 (the schedule sets it to the initial rate if unset)
        return jnp.where(step < warmup, warm_rate, hyper["warmup_target"] * decayed)
    if kind == "piecewise":
        boundaries = jnp.asarray(hyper["boundaries"])
        values = jnp.asarray(hyper["values"])
        return values[jnp.sum(step > boundaries)]
    raise ValueError(f"Unknown learning-rate schedule kind {kind!r}.")
