"""The NumPy reference: forward, backward, SGD and Adam written out by hand (float32, minibatches, masked nothing).

``selftest()`` checks the backward pass against central finite differences and one Adam step against its formula.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.speed.peers import common


def init_params(rng: np.random.Generator, sizes, dtype=np.float32):
    """Glorot-uniform kernels, zero biases (as Keras's Dense)."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params.append([rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype), np.zeros(fan_out, dtype)])
    return params


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    return np.tanh(z) if name == "tanh" else np.maximum(z, 0)


def _activation_grad(name: str, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    return 1 - h * h if name == "tanh" else (z > 0).astype(z.dtype)


def forward(params, x, activations):
    """Logits and the cache the backward pass needs."""
    hs, zs = [x], []
    for (w, b), name in zip(params[:-1], activations):
        z = hs[-1] @ w + b
        zs.append(z)
        hs.append(_activate(name, z))
    w, b = params[-1]
    return (hs[-1] @ w + b)[:, 0], (hs, zs)


def bce_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row binary cross-entropy of sigmoid(z), stable for any z."""
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))


def loss_and_grads(params, x, y, activations):
    """Mean BCE over the batch and its gradient for every parameter."""
    z, (hs, zs) = forward(params, x, activations)
    delta = ((sigmoid(z) - y) / len(y))[:, None].astype(x.dtype)
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        grads[i] = [hs[i].T @ delta, delta.sum(axis=0)]
        if i:
            delta = (delta @ params[i][0].T) * _activation_grad(activations[i - 1], zs[i - 1], hs[i])
    return float(bce_from_logits(z, y).mean()), grads, z


class Adam:
    """Keras's Adam: bias correction folded into the step size, epsilon outside the square root."""

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps, self.t = learning_rate, beta_1, beta_2, epsilon, 0
        self.m = [[np.zeros_like(p) for p in layer] for layer in params]
        self.v = [[np.zeros_like(p) for p in layer] for layer in params]

    def step(self, params, grads):
        self.t += 1
        lr_t = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        for layer, g_layer, m_layer, v_layer in zip(params, grads, self.m, self.v):
            for p, g, m, v in zip(layer, g_layer, m_layer, v_layer):
                m *= self.b1
                m += (1 - self.b1) * g
                v *= self.b2
                v += (1 - self.b2) * g * g
                p -= (lr_t * m / (np.sqrt(v) + self.eps)).astype(p.dtype)


class SGD:
    def __init__(self, params, learning_rate):
        self.lr = learning_rate

    def step(self, params, grads):
        for layer, g_layer in zip(params, grads):
            for p, g in zip(layer, g_layer):
                p -= self.lr * g


def train(spec, split, seed):
    rng = np.random.default_rng(seed)
    activations = [a for _, a in spec["layers"][:-1]]
    params = init_params(rng, [split.x.shape[1]] + [u for u, _ in spec["layers"]])
    optimizer = (SGD if spec["optimizer"] == "sgd" else Adam)(params, spec["learning_rate"])
    n, batch = len(split.y), spec["batch_size"]
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for _ in range(spec["epochs"]):
        perm = rng.permutation(n)
        total_loss = correct = 0.0
        for start in range(0, n, batch):
            index = perm[start : start + batch]
            xb, yb = split.x[index], split.y[index]
            loss, grads, z = loss_and_grads(params, xb, yb, activations)
            optimizer.step(params, grads)
            total_loss += loss * len(index)
            correct += np.count_nonzero((z > 0) == (yb > 0.5))
        history["loss"].append(total_loss / n)
        history["accuracy"].append(correct / n)
        if spec["validation"]:
            z, _ = forward(params, split.x_val, activations)
            history["val_loss"].append(float(bce_from_logits(z, split.y_val).mean()))
            history["val_accuracy"].append(float(np.mean((z > 0) == (split.y_val > 0.5))))
    return (params, activations), history


def _proba(params, activations, x):
    return sigmoid(forward(params, x, activations)[0])


def check(trained, spec, split):
    (params, activations), history = trained
    return common.fit_figures(history, spec, split, lambda: _proba(params, activations, split.x_val))


def train_seeds(spec, split, seeds):
    return common.histories_over_seeds(train, spec, split, seeds)


def check_seeds(trained, spec, split):
    return common.final_train_accuracies(trained)


def predict_bench(spec, split, predict_x, workdir: Path):
    (params, activations), _ = train(spec, split, 0)
    path = workdir / "numpy_params.npz"
    np.savez(path, *[a for layer in params for a in layer])
    start = time.perf_counter()
    arrays = np.load(path)
    flat = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    loaded = [list(pair) for pair in zip(flat[::2], flat[1::2])]
    load_s = time.perf_counter() - start
    return common.predict_figures(
        lambda x: _proba(loaded, activations, x), _proba(params, activations, split.x_val), split, predict_x, load_s
    )


def selftest() -> list[str]:
    """Gradient vs central finite differences (float64) for tanh and relu nets; one Adam step vs its formula."""
    rng = np.random.default_rng(0)
    lines = []
    for activations in (["tanh"], ["relu", "relu"]):
        sizes = [3] + [5] * len(activations) + [1]
        params = init_params(rng, sizes, np.float64)
        for layer in params:
            layer[1] += rng.normal(0, 0.1, layer[1].shape)  # non-zero biases so their gradient is exercised
        x, y = rng.normal(size=(7, 3)), (rng.uniform(size=7) > 0.5).astype(np.float64)
        _, grads, _ = loss_and_grads(params, x, y, activations)
        worst, h = 0.0, 1e-6
        for layer, g_layer in zip(params, grads):
            for p, g in zip(layer, g_layer):
                for index in np.ndindex(p.shape):
                    saved = p[index]
                    p[index] = saved + h
                    up = loss_and_grads(params, x, y, activations)[0]
                    p[index] = saved - h
                    down = loss_and_grads(params, x, y, activations)[0]
                    p[index] = saved
                    numeric = (up - down) / (2 * h)
                    worst = max(worst, abs(numeric - g[index]) / max(1e-8, abs(numeric) + abs(g[index])))
        if worst > 1e-6:
            raise AssertionError(f"gradient of the {activations} net differs from finite differences: {worst:.2e}")
        lines.append(f"gradient, {'-'.join(activations)} net: max relative error vs finite differences {worst:.1e}")
    p, g = [[np.array([1.0])]], [[np.array([0.5])]]
    Adam(p, 0.1).step(p, g)
    m_hat, v_hat = 0.1 * 0.5 / 0.1, 0.001 * 0.25 / 0.001  # bias-corrected moments after one step
    expected = 1.0 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-7 / np.sqrt(0.001))
    if abs(p[0][0][0] - expected) > 1e-12:
        raise AssertionError(f"Adam step gives {p[0][0][0]!r}, expected {expected!r}")
    lines.append("Adam: one step equals the bias-corrected formula")
    z = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    naive = -np.log(sigmoid(z[1:4]))
    if not np.allclose(bce_from_logits(z[1:4], np.ones(3)), naive) or not np.all(np.isfinite(bce_from_logits(z, 1.0))):
        raise AssertionError("bce_from_logits is wrong or not finite for large logits")
    lines.append("binary cross-entropy from logits: matches -log(sigmoid) and stays finite at |z| = 800")
    return lines
