"""PyTorch: the idiomatic DataLoader-free loop on tensors (randperm per epoch, slicing, BCEWithLogitsLoss, step)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from benchmarks.speed import config
from benchmarks.speed.peers import common

torch.set_num_threads(int(os.environ.get(config.THREADS_ENV, config.THREADS)))
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


def build(spec, n_features: int) -> nn.Sequential:
    """The same net as Keras's, Glorot-uniform kernels and zero biases; the sigmoid lives in the loss."""
    modules, fan_in = [], n_features
    for units, activation in spec["layers"]:
        linear = nn.Linear(fan_in, units)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        modules.append(linear)
        if activation != "sigmoid":
            modules.append(ACTIVATIONS[activation]())
        fan_in = units
    return nn.Sequential(*modules)


def train(spec, split, seed):
    torch.manual_seed(seed)
    model = build(spec, split.x.shape[1])
    if spec["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["learning_rate"], eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    x, y = torch.from_numpy(split.x), torch.from_numpy(split.y).unsqueeze(1)
    x_val, y_val = torch.from_numpy(split.x_val), torch.from_numpy(split.y_val).unsqueeze(1)
    n, batch = len(x), spec["batch_size"]
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for _ in range(spec["epochs"]):
        model.train()
        perm = torch.randperm(n)
        total_loss, correct = torch.zeros(()), torch.zeros(())
        for start in range(0, n, batch):
            index = perm[start : start + batch]
            xb, yb = x[index], y[index]
            optimizer.zero_grad()
            z = model(xb)
            loss = loss_fn(z, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                total_loss += loss * len(index)
                correct += ((z > 0) == (yb > 0.5)).sum()
        history["loss"].append(total_loss.item() / n)
        history["accuracy"].append(correct.item() / n)
        if spec["validation"]:
            model.eval()
            with torch.no_grad():
                z = model(x_val)
                history["val_loss"].append(loss_fn(z, y_val).item())
                history["val_accuracy"].append(((z > 0) == (y_val > 0.5)).float().mean().item())
    return model, history


def _proba(model, x: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return torch.sigmoid(model(torch.from_numpy(x))).numpy().reshape(-1)


def check(trained, spec, split):
    model, history = trained
    return common.fit_figures(history, spec, split, lambda: _proba(model, split.x_val))


def train_seeds(spec, split, seeds):
    return common.histories_over_seeds(train, spec, split, seeds)


def check_seeds(trained, spec, split):
    return common.final_train_accuracies(trained)


def predict_bench(spec, split, predict_x, workdir: Path):
    model, _ = train(spec, split, 0)
    model.eval()
    path = workdir / "torch_model.safetensors"
    save_file(model.state_dict(), str(path))
    start = time.perf_counter()
    loaded = build(spec, split.x.shape[1])
    loaded.load_state_dict(load_file(str(path)))
    loaded.eval()
    load_s = time.perf_counter() - start
    return common.predict_figures(lambda x: _proba(loaded, x), _proba(model, split.x_val), split, predict_x, load_s)
