"""The recipe's networks in NumPy (`twoclass.estimator.recipe`): the members' log-odds in float64, the folds of
cross-validation bagging, the guard's blend of networks and logistic regression, and the one network of Dense
layers that the estimator keeps.

Example:
    >>> best_share(np.zeros(4), np.zeros(4), np.zeros(4), np.array([0.0, 1, 0, 1]), np.ones(4))[0]
    1.0
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from twoclass.estimator.recipe_features import _times

BLEND_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)


# ------------------------------------------------------------------------------------------------ the networks


def _mean_linear(params: dict, d: int) -> tuple[np.ndarray, float]:
    """The members' mean linear path (kernel over the first ``d`` features, bias): their mean log-odds hold it."""
    kernel = np.asarray(params["linear"]["kernel"], np.float64).reshape(-1, np.shape(params["linear"]["kernel"])[-1])
    return kernel.mean(axis=0)[:d], float(np.mean(params["linear"]["bias"]))


def _last_hidden(params: dict, hidden: tuple[int, ...], x) -> np.ndarray:
    """In NumPy (float64): every member's last hidden layer (rows, members, units) for rows x (unpadded width)."""
    d = x.shape[1]
    k = params["head"]["kernel"].shape[0]
    h = np.maximum(_times(x, params["first"]["kernel"][:d].astype(np.float64)) + params["first"]["bias"], 0.0)
    h = h.reshape(len(h), k, hidden[0]).transpose(1, 0, 2)  # members first: one matrix product per member
    for layer in params["hidden"]:
        bias = np.asarray(layer["bias"], np.float64)[:, None, :]
        h = np.maximum(np.matmul(h, layer["kernel"].astype(np.float64)) + bias, 0.0)  # BLAS: 10x einsum's time
    return h.transpose(1, 0, 2)


def member_parts(params: dict, hidden: tuple[int, ...], x) -> tuple[np.ndarray, np.ndarray]:
    """In NumPy (float64): the members' mean MLP output and the linear path, for rows x (unpadded width)."""
    kernel, bias = _mean_linear(params, x.shape[1])
    linear = _times(x, kernel) + bias
    if not hidden:
        return np.zeros(len(linear)), linear
    h = _last_hidden(params, hidden, x)
    out = np.einsum("bkw,kw->bk", h, params["head"]["kernel"].astype(np.float64)) + params["head"]["bias"]
    return out.mean(axis=1), linear


def member_logits(params: dict, hidden: tuple[int, ...], x) -> np.ndarray:
    """In NumPy (float64): every member's log-odds (rows, members) for rows x (unpadded width)."""
    kernels = np.asarray(params["linear"]["kernel"], np.float64)[:, : x.shape[1]]
    z = _times(x, kernels.T) + np.asarray(params["linear"]["bias"], np.float64)
    if not hidden:
        return z
    h = _last_hidden(params, hidden, x)
    return z + np.einsum("bkw,kw->bk", h, params["head"]["kernel"].astype(np.float64)) + params["head"]["bias"]


def bagging_folds(y01: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold number per row, stratified: each class's rows in a random order, dealt out in turn.

    Example:
        >>> np.bincount(bagging_folds(np.array([0] * 8 + [1] * 4), 4, seed=0)).tolist()
        [3, 3, 3, 3]
    """
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y01), np.int64)
    start = 0
    for label in (0, 1):
        rows = rng.permutation(np.flatnonzero(y01 == label))
        fold[rows] = (start + np.arange(len(rows))) % folds
        start += len(rows)  # the next class continues the deal, so fold sizes differ by one at most
    return fold


class JudgedRows(NamedTuple):
    """The engine's inputs when judges choose for the kept networks (`judged_rows`)."""

    linear_weights: np.ndarray  # (2, rows): the row weights of logistic regression 0 (training rows) and 1 (all)
    member_fit: np.ndarray  # (members,): the logistic regression each member's linear path starts from
    train_mask: np.ndarray  # (rows, members): 1 where a member trains on a row
    judges: np.ndarray  # (members,): 1 for the judges, the members whose validation loss chooses


def judged_rows(weight: np.ndarray, n_train: int, judges: int, members: int) -> JudgedRows:
    """Rows that are the training rows (the first ``n_train``), then the validation rows, then padding (``weight``
    0): the first ``judges`` members train on the training rows alone and judge on the validation rows; the others
    (the networks kept) train on all of them. Each member's linear path starts from the logistic regression of its
    own rows.

    Example:
        >>> judged = judged_rows(np.array([1.0, 1.0, 1.0, 0.0]), 2, 1, 3)
        >>> judged.train_mask[:, 0].tolist(), judged.member_fit.tolist(), judged.judges.tolist()
        ([1.0, 1.0, 0.0, 0.0], [0, 1, 1], [1.0, 0.0, 0.0])
    """
    weight = np.asarray(weight, np.float32)
    in_train = (np.arange(len(weight)) < n_train).astype(np.float32)
    judge = (np.arange(members) < judges).astype(np.float32)
    return JudgedRows(
        np.stack([weight * in_train, weight]),
        (1 - judge).astype(np.int32),
        np.where(judge[None, :] > 0, in_train[:, None], 1.0).astype(np.float32),
        judge,
    )


def members_of(params: dict, width: int, chosen: np.ndarray) -> dict:
    """The parameters of the members where ``chosen`` (one bool per member) holds; ``width``: the first layer's
    units per member.

    Example:
        >>> params = {"linear": {"kernel": np.zeros((3, 5)), "bias": np.zeros(3)},
        ...           "first": {"kernel": np.zeros((5, 3 * 4)), "bias": np.zeros(3 * 4)}, "hidden": [],
        ...           "head": {"kernel": np.zeros((3, 4)), "bias": np.zeros(3)}}
        >>> members_of(params, 4, np.array([False, True, True]))["first"]["kernel"].shape
        (5, 8)
    """
    chosen = np.asarray(chosen, bool)
    k, first = len(chosen), params["first"]
    n = np.shape(first["kernel"])[0]
    return {
        "linear": {key: np.asarray(v)[chosen] for key, v in params["linear"].items()},
        "first": {
            "kernel": np.asarray(first["kernel"]).reshape(n, k, width)[:, chosen].reshape(n, -1),
            "bias": np.asarray(first["bias"]).reshape(k, width)[chosen].ravel(),
        },
        "hidden": [{key: np.asarray(v)[chosen] for key, v in layer.items()} for layer in params["hidden"]],
        "head": {key: np.asarray(v)[chosen] for key, v in params["head"].items()},
    }


class ViewPart(NamedTuple):
    """One view's part of the merged network (`merged_views`): its members' weights (first layer and linear paths
    over the merged network's input features), the networks' share in its blend, its logistic regression (kernel
    over the same features, bias) and its weight in the average of the views' log-odds."""

    params: dict
    share: float
    baseline: tuple[np.ndarray, float]
    weight: float = 1.0


def placed_columns(values: Any, columns: list[int], n_features: int) -> np.ndarray:
    """``values`` over a view's features (the last axis: their own first ``len(columns)`` inputs, the rest padding)
    moved to the places ``columns`` among ``n_features`` features, zero elsewhere.

    Example:
        >>> placed_columns(np.array([1.0, 2.0, 0.0]), [2, 0], 3).tolist()
        [2.0, 0.0, 1.0]
    """
    values = np.asarray(values, np.float64)
    out = np.zeros((*values.shape[:-1], n_features))
    out[..., columns] = values[..., : len(columns)]
    return out


def in_columns(params: dict, columns: list[int], n_features: int) -> dict:
    """The members' weights with the first layer and the linear paths moved to ``columns`` of ``n_features`` input
    features (`placed_columns`): a view of some of the features, placed in the network that reads all of them."""
    placed = {"linear": {**params["linear"], "kernel": placed_columns(params["linear"]["kernel"], columns, n_features)}}
    if "first" in params:
        kernel = placed_columns(np.asarray(params["first"]["kernel"]).T, columns, n_features).T
        placed["first"] = {**params["first"], "kernel": kernel}
    return {**params, **placed}


def merged_network(
    params: dict, hidden: tuple[int, ...], n_features: int, share: float, baseline: tuple[np.ndarray, float]
) -> Any:
    """One Sequential of Dense layers computing ``share * (mean MLP + linear path) + (1 - share) * baseline``.

    The members sit side by side in the first layer and block-diagonally below it; the linear part z rides along as
    two more ReLU units, relu(z) and relu(-z), which the output layer adds back as +1 and -1 (exact, as
    relu(z) - relu(-z) = z). With share 0, or no hidden layer, it is one Dense(1) layer: the logistic regression.
    """
    return merged_views([ViewPart(params, share, baseline)], hidden, n_features)


def merged_views(views: list[ViewPart], hidden: tuple[int, ...], n_features: int) -> Any:
    """`merged_network` for the weighted sum of several views' blends: the members of every view whose networks
    have a share side by side, each view's MLP weighted by its weight x share / its members, and one linear part,
    the views' linear paths and logistic regressions summed with the same weights."""
    from scipy.linalg import block_diag

    from twoclass.keras.layers import Dense, Input
    from twoclass.keras.model import Sequential

    d = n_features
    linear, linear_bias = np.zeros(d), 0.0
    for view in views:
        kernel, bias = _mean_linear(view.params, d)
        share, weight = view.share, view.weight
        linear = linear + weight * (share * kernel + (1 - share) * view.baseline[0][:d])
        linear_bias += weight * (share * bias + (1 - share) * view.baseline[1])
    kept = [view for view in views if view.share > 0.0] if hidden else []
    layers: list[Any] = [Input(shape=(d,))]
    if not kept:
        layers.append(Dense(1, activation="sigmoid"))
        weights = [linear[:, None], np.array([linear_bias])]
    else:
        members = [view.params["head"]["kernel"].shape[0] for view in kept]
        k = sum(members)
        layers.append(Dense(k * hidden[0] + 2, activation="relu"))
        weights = [
            np.hstack([view.params["first"]["kernel"][:d] for view in kept] + [linear[:, None], -linear[:, None]]),
            np.concatenate([view.params["first"]["bias"] for view in kept] + [[linear_bias, -linear_bias]]),
        ]
        for i, width in enumerate(hidden[1:]):
            layer = [view.params["hidden"][i] for view in kept]
            layers.append(Dense(k * width + 2, activation="relu"))
            weights += [
                block_diag(*[kernel for part in layer for kernel in part["kernel"]], np.eye(2)),
                np.concatenate([part["bias"].ravel() for part in layer] + [[0.0, 0.0]]),
            ]
        layers.append(Dense(1, activation="sigmoid"))
        scaled = [
            view.weight * view.share * view.params["head"]["kernel"].ravel() / size for view, size in zip(kept, members)
        ]
        head_bias = sum(view.weight * view.share * float(np.mean(view.params["head"]["bias"])) for view in kept)
        weights += [np.concatenate([*scaled, [1.0, -1.0]])[:, None], np.array([head_bias])]
    model = Sequential(layers, name="twoclass_classifier")
    model.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def _loss(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * (np.logaddexp(0.0, z) - y * z)) / max(float(np.sum(w)), 1e-12))


def best_share(
    mlp: np.ndarray, linear: np.ndarray, baseline: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[float, dict[float, float]]:
    """The share of the networks in the blend with the lowest validation loss (ties keep the larger share), and the
    loss of every share tried."""
    losses = {a: _loss(a * (mlp + linear) + (1 - a) * baseline, y, w) for a in BLEND_SHARES}
    best = min(losses.values())
    return max(a for a, v in losses.items() if v <= best + 1e-12), losses
