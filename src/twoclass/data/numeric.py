"""How the estimator's recipe encodes numeric columns: robust scaling with smooth clipping, and piecewise-linear
encoding on bins chosen by a small decision tree per column.

Both come from published tabular recipes and were measured here (BENCHMARKS.md, accuracy section):

- robust scaling (RealMLP, Holzmueller et al. 2024): ``z = (x - median) / IQR`` (half the range where the IQR is 0,
  nothing where the column is constant), then ``z / sqrt(1 + (z / 3)^2)``, which leaves ``|z| < 1`` almost as it is
  and bends outliers smoothly towards +-3, so one extreme value at prediction time cannot swing the log-odds;
- piecewise-linear encoding (rtdl_num_embeddings' ``PiecewiseLinearEncoding``, Gorishniy et al. 2022) on bins
  whose edges a decision tree chooses from the labels (their "tree-based bins"): a value becomes one number per bin,
  1 for the bins below it, its position inside its own bin, 0 above. A linear model on it is a piecewise-linear
  function of the column (a GAM), and a network's first layer reads sharp, axis-aligned steps without learning them.
  On Adult the tree bins lifted logistic regression's ROC AUC from 0.906 to 0.918 and the network's with it.

The tree may split where a split removes at least ``SPLIT_ROWS / n`` of the impurity (as much as ``SPLIT_ROWS`` rows
explain), with at least ``MIN_BIN_ROWS`` rows per bin and at most ``MAX_BINS`` bins: many bins on 30,000 rows, a few
on 500 (with a fixed impurity threshold, 500-row tables got 40 bins a column and logistic regression on them lost
0.035 ROC AUC on Pima). Unlike rtdl's encoding, the first and last bins are clipped to [0, 1] too: a value outside
the training range reads as the range's end, and the smooth-clipped ``z`` beside it carries the rest.

Example:
    >>> x = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    >>> encoding = NumericEncoding.fit(x, kind="robust")
    >>> encoding.transform(x).round(2).ravel().tolist()
    [-0.95, -0.49, 0.0, 0.49, 2.99]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from twoclass.core.validation import invalid
from twoclass.data import stored

KINDS = ("robust", "binned")
CLIP = 3.0  # smooth clipping bends |z| past about this many IQRs
MAX_BINS = 64
MIN_BIN_ROWS = 8
SPLIT_ROWS = 3.0
TREE_ROWS = 20_000  # bins are chosen on at most this many rows (a stratified-free random subset): seconds saved


def smooth_clip(z: np.ndarray) -> np.ndarray:
    """``z / sqrt(1 + (z / 3)^2)``: the identity near 0, bounded by +-3."""
    return z / np.sqrt(1.0 + (z / CLIP) ** 2)


def robust_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the median and 1 / IQR (1 / half the range where the IQR is 0; 0 for a constant column)."""
    center = np.median(x, axis=0)
    spread = np.quantile(x, 0.75, axis=0) - np.quantile(x, 0.25, axis=0)
    half_range = 0.5 * (x.max(axis=0) - x.min(axis=0))
    spread = np.where(spread > 0, spread, half_range)
    scale = np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1.0), 0.0)
    return center, scale


def tree_edges(column: np.ndarray, y: np.ndarray | None, seed: int = 0) -> list[float]:
    """Bin edges for one column: [min, thresholds of a small classification tree..., max]; [] when the column has
    two values or fewer (its scaled value says everything) or the tree finds no split worth keeping. Without labels,
    up to 16 quantile bins."""
    if len(np.unique(column)) <= 2:
        return []
    if y is None:
        edges = np.unique(np.quantile(column, np.linspace(0.0, 1.0, 17)))
    else:
        from sklearn.tree import DecisionTreeClassifier

        if len(column) > TREE_ROWS:
            rows = np.random.default_rng(seed).choice(len(column), TREE_ROWS, replace=False)
            column, y = column[rows], y[rows]
        tree = DecisionTreeClassifier(
            max_leaf_nodes=MAX_BINS,
            min_samples_leaf=MIN_BIN_ROWS,
            min_impurity_decrease=SPLIT_ROWS / len(column),
            random_state=seed,
        )
        tree.fit(column[:, None], y)
        inner = tree.tree_.threshold[tree.tree_.feature >= 0]
        edges = np.unique(np.concatenate([[column.min(), column.max()], inner]))
    return [float(e) for e in edges] if len(edges) >= 3 else []


def piecewise_linear(column: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """One column per bin: 1 below the value's bin, its relative position inside it, 0 above (clipped to [0, 1])."""
    width = np.diff(edges)
    return np.clip((column[:, None] - edges[None, :-1]) / width[None, :], 0.0, 1.0)


@dataclass
class NumericEncoding:
    """Fitted encoding of imputed numeric columns: a smooth-clipped robust ``z`` per column, then (kind 'binned')
    its piecewise-linear bins."""

    kind: str
    center: np.ndarray
    scale: np.ndarray
    edges: list[list[float]]  # per column; [] where the column has no bins

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray | None = None, *, kind: str = "binned", seed: int = 0) -> NumericEncoding:
        """Learn medians, spreads and (kind 'binned') tree bins from imputed training rows ``x`` and labels ``y``."""
        x = np.asarray(x, dtype=np.float64)
        center, scale = robust_scale(x)
        y01 = None if y is None else np.asarray(y)
        edges = [tree_edges(x[:, j], y01, seed) if kind == "binned" else [] for j in range(x.shape[1])]
        return cls(kind, center, scale, edges)

    @property
    def widths(self) -> list[int]:
        """Output columns per input column: its z, then one per bin."""
        return [1 + max(len(e) - 1, 0) for e in self.edges]

    def feature_names(self, columns: list[str]) -> list[str]:
        names: list[str] = []
        for name, edges in zip(columns, self.edges):
            names.append(name)
            names += [f"{name}:bin{i}" for i in range(1, len(edges))]
        return names

    def transform(self, x: np.ndarray) -> np.ndarray:
        """The encoded block (n, sum(widths)) for imputed rows ``x``, float64."""
        x = np.asarray(x, dtype=np.float64)
        z = smooth_clip((x - self.center) * self.scale)
        parts: list[np.ndarray] = []
        for j, edges in enumerate(self.edges):
            parts.append(z[:, j : j + 1])
            if edges:
                parts.append(piecewise_linear(x[:, j], np.asarray(edges)))
        return np.hstack(parts) if parts else np.zeros((len(x), 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "center": [float(v) for v in self.center],
            "scale": [float(v) for v in self.scale],
            "edges": [list(map(float, e)) for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Any, n_columns: int, owner: str = "preprocessing.numeric.encoding") -> NumericEncoding:
        kind = stored.get(data, "kind", owner)
        if kind not in KINDS:
            raise invalid("kind", owner, f"one of {KINDS}", kind, kind="entry")
        center = stored.floats(data, "center", owner, n_columns)
        scale = stored.floats(data, "scale", owner, n_columns, minimum=0.0)
        edges = stored.get(data, "edges", owner)
        ok = isinstance(edges, list) and len(edges) == n_columns
        for item in edges if ok else []:
            values = np.asarray(item, dtype=np.float64) if isinstance(item, list) else None
            ok = (
                ok
                and values is not None
                and (
                    len(values) == 0
                    or (len(values) >= 3 and np.isfinite(values).all() and bool(np.all(np.diff(values) > 0)))
                )
            )
        if not ok:
            raise invalid(
                "edges",
                owner,
                f"a list of {n_columns} lists of increasing finite floats (3 or more, or none)",
                edges,
                kind="entry",
            )
        return cls(kind, center, scale, [list(map(float, e)) for e in edges])
