"""Metrics as pure (init, update, result) triples over small state arrays, so they accumulate on the device.

A Keras-style metric object (`twoclass.keras.metrics`) gives the engine its `structure()`; the engine never sees
the object. Definitions follow Keras: a prediction is positive when the output is strictly above the threshold;
sample weights weigh every count.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _divide(a, b):
    return jnp.where(b > 0, a / jnp.where(b > 0, b, 1.0), 0.0)


def auc_thresholds(num_thresholds: int) -> np.ndarray:
    epsilon = 1e-7
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return np.array([0.0 - epsilon] + inner + [1.0 + epsilon], dtype=np.float32)


def weighted(structure: tuple) -> tuple:
    """The structure of a metric listed in compile's `weighted_metrics`: it counts rows by their sample weight."""
    return ("weighted", structure)


def row_weight(structure: tuple, weight, mask):
    """Keras weighs only `weighted_metrics` by sample (and class) weight; plain `metrics` count every real row."""
    return weight if structure[0] == "weighted" else mask.astype(jnp.float32)


def init_state(structure: tuple):
    kind = structure[0]
    if kind == "weighted":
        return init_state(structure[1])
    if kind in ("accuracy", "mean"):
        return jnp.zeros(2)
    if kind == "confusion":
        return jnp.zeros(4)  # tp, fp, tn, fn
    if kind == "auc":
        return jnp.zeros((2, structure[2] + 1))  # weighted histograms of positives and negatives by bucket
    raise ValueError(f"Unknown metric kind {kind!r}.")


def update_state(structure: tuple, state, y, out, weight):
    """Add one batch: y in {0, 1}, out = the model's output, weight = row weight (0 for padding rows)."""
    kind = structure[0]
    if kind == "weighted":
        return update_state(structure[1], state, y, out, weight)
    if kind == "accuracy":
        predicted = (out > structure[1]).astype(jnp.float32)
        return state + jnp.stack([jnp.sum(weight * (predicted == y)), jnp.sum(weight)])
    if kind == "confusion":
        predicted = (out > structure[1]).astype(jnp.float32)
        tp = jnp.sum(weight * y * predicted)
        fp = jnp.sum(weight * (1 - y) * predicted)
        tn = jnp.sum(weight * (1 - y) * (1 - predicted))
        fn = jnp.sum(weight * y * (1 - predicted))
        return state + jnp.stack([tp, fp, tn, fn])
    if kind == "auc":
        _, _, num_thresholds, from_logits = structure
        p = jax.nn.sigmoid(out) if from_logits else out
        bucket = jnp.searchsorted(jnp.asarray(auc_thresholds(num_thresholds)), p, side="left")
        positives = jax.ops.segment_sum(weight * y, bucket, num_segments=num_thresholds + 1)
        negatives = jax.ops.segment_sum(weight * (1 - y), bucket, num_segments=num_thresholds + 1)
        return state + jnp.stack([positives, negatives])
    if kind == "mean":
        from twoclass.engine.losses import PER_ROW

        # ("mean", kind[, from_logits, label_smoothing]): metrics.BinaryCrossentropy(from_logits=True) reads the
        # model's output as a logit, as its loss counterpart does
        from_logits, smoothing = (structure[2], structure[3]) if len(structure) > 2 else (False, 0.0)
        values = PER_ROW[structure[1]]((structure[1], False), {"label_smoothing": smoothing}, y, out, from_logits)
        return state + jnp.stack([jnp.sum(weight * values), jnp.sum(weight)])
    raise ValueError(f"Unknown metric kind {kind!r}.")


def result(structure: tuple, state):
    kind = structure[0]
    if kind == "weighted":
        return result(structure[1], state)
    if kind in ("accuracy", "mean"):
        return _divide(state[0], state[1])
    if kind == "confusion":
        tp, fp, tn, fn = state[0], state[1], state[2], state[3]
        which = structure[2]
        if which in ("tp", "fp", "tn", "fn"):
            return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}[which]
        precision, recall = _divide(tp, tp + fp), _divide(tp, tp + fn)
        if which == "precision":
            return precision
        if which == "recall":
            return recall
        return _divide(2 * precision * recall, precision + recall)
    if kind == "auc":
        return _auc_result(structure, state)
    raise ValueError(f"Unknown metric kind {kind!r}.")


def _auc_result(structure, state):
    curve, num = structure[1], structure[2]
    # counts above threshold i = sum of buckets > i (bucket b holds samples with exactly b thresholds below them)
    positives, negatives = state[0], state[1]
    tp = jnp.cumsum(positives[::-1])[::-1][1:]
    fp = jnp.cumsum(negatives[::-1])[::-1][1:]
    fn = positives.sum() - tp
    tn = negatives.sum() - fp
    if curve == "PR":
        dtp = tp[: num - 1] - tp[1:]
        p = tp + fp
        dp = p[: num - 1] - p[1:]
        slope = _divide(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = jnp.logical_and(p[: num - 1] > 0, p[1:] > 0)
        ratio = jnp.where(both, _divide(p[: num - 1], jnp.maximum(p[1:], 0)), 1.0)
        increments = _divide(slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0))
        return jnp.sum(increments)
    recall = _divide(tp, tp + fn)
    fp_rate = _divide(fp, fp + tn)
    return jnp.sum((fp_rate[: num - 1] - fp_rate[1:]) * (recall[: num - 1] + recall[1:]) / 2.0)
