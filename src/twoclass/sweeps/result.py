"""What a sweep returns: every member's figures as a table, its learning curves, and the best member(s) as a model.

Example:
    >>> result = twoclass.sweep(model, x, y, grid={"learning_rate": [1e-3, 1e-2], "seed": 4}, epochs=20,
    ...                         validation_split=0.2)  # doctest: +SKIP
    >>> result.table.head()  # doctest: +SKIP
    >>> result.save("best-model/", top_k=3)  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from twoclass.core.files import atomic_output
from twoclass.core.validation import check_int
from twoclass.sweeps.grid import Member
from twoclass.sweeps.train import MemberRuns, monitor_sign


class SweepResult:
    """Members, their histories and chosen weights; `table` ranks them by `monitor` (rank 1 is best).

    Attributes: members (list of Member), histories (Keras-style dicts), monitor, table (a DataFrame, one row per
    member in grid order), seconds (training time, compilation included), kind ('model' or 'estimator').
    """

    def __init__(
        self,
        members: Sequence[Member],
        runs: MemberRuns,
        monitor: str,
        kind: str,
        build: Callable[[Sequence[int]], Any],
    ) -> None:
        self.members = list(members)
        self.histories = runs.histories
        self.monitor = monitor
        self.kind = kind
        self.seconds = runs.seconds
        self._runs = runs
        self._build = build
        self.table = self._make_table()

    # ------------------------------------------------------------------------------------------------ figures
    def _make_table(self) -> pd.DataFrame:
        rows = []
        for index, (member, history) in enumerate(zip(self.members, self.histories)):
            row: dict[str, Any] = {"member": index}
            for key in ("learning_rate", "l2", "dropout"):
                if any(getattr(m, key) is not None for m in self.members):
                    row[key] = getattr(member, key)
            if any(m.hidden_layer_sizes is not None for m in self.members):
                row["hidden_layer_sizes"] = "-".join(map(str, member.hidden_layer_sizes or ())) or "none"
            row["seed"] = member.seed
            best = self._runs.best_epochs[index]
            row["best_epoch"] = best + 1 if best >= 0 else None
            row["epochs_run"] = len(history["loss"])
            for name, values in history.items():
                row[name] = values[best] if 0 <= best < len(values) else float("nan")
            row["diverged"] = self._runs.diverged[index]
            rows.append(row)
        table = pd.DataFrame(rows)
        score = monitor_sign(self.monitor) * table[self.monitor].astype(float)
        table["rank"] = score.rank(method="first", na_option="bottom").astype(int)
        return table

    def ranking(self) -> list[int]:
        """Member indices from best to worst by `monitor` (ties keep grid order; NaN last)."""
        return self.table.sort_values("rank")["member"].tolist()

    # ------------------------------------------------------------------------------------------------ models
    def best_model(self, top_k: int = 1) -> Any:
        """The best member as a model of the kind swept (a Sequential, or a fitted TwoClassClassifier); with
        top_k > 1, the top k of the best member's layer sizes averaged in log-odds, merged into one network.

        Example:
            >>> result.best_model(top_k=3).predict(x_new)  # doctest: +SKIP
        """
        top_k = check_int(top_k, "top_k", "SweepResult.best_model", minimum=1, maximum=len(self.members))
        ranking = self.ranking()
        # networks average into one only with the same layer sizes: the top k of the best member's size
        size = self.members[ranking[0]].hidden_layer_sizes
        same = [i for i in ranking if self.members[i].hidden_layer_sizes == size]
        if len(same) < top_k:
            raise ValueError(
                f"The 'top_k' parameter of SweepResult.best_model must be at most {len(same)}, the members of the "
                f"best member's hidden-layer sizes (only those average into one network). Got {top_k} instead."
            )
        return self._build(same[:top_k])

    def model(self, member: int) -> Any:
        """Member number `member` (the table's 'member' column) as a model of the kind swept.

        Example:
            >>> result.model(3).predict(x_new)  # doctest: +SKIP
        """
        member = check_int(member, "member", "SweepResult.model", minimum=0, maximum=len(self.members) - 1)
        return self._build([member])

    def save(self, path: str | os.PathLike[str], top_k: int = 1) -> str:
        """Write `best_model(top_k)` as an ordinary model directory (twoclass.json + weights.safetensors)."""
        from twoclass.io import save_model_dir

        return save_model_dir(self.best_model(top_k), path)

    def to_csv(self, path: str | os.PathLike[str]) -> str:
        """The table as CSV, best first, written atomically."""
        with atomic_output(path, "w", encoding="utf-8") as handle:
            self.table.sort_values("rank").to_csv(handle, index=False)
        return os.fspath(path)

    def to_json(self, path: str | os.PathLike[str]) -> str:
        """The table and every member's history as JSON (NaN written as null), written atomically."""

        def clean(value: Any) -> Any:
            if isinstance(value, (float, np.floating)):
                return float(value) if math.isfinite(value) else None
            if isinstance(value, (np.integer, np.bool_)):
                return value.item()
            return value

        records = [{k: clean(v) for k, v in row.items()} for row in self.table.to_dict(orient="records")]
        histories = [{k: [clean(v) for v in values] for k, values in h.items()} for h in self.histories]
        document = {"monitor": self.monitor, "seconds": self.seconds, "members": records, "histories": histories}
        with atomic_output(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, allow_nan=False)
        return os.fspath(path)

    def plot_curves(self, best: int = 5, title: str | None = None) -> Any:
        """Learning curves of the `best` top members in one picture: the monitored figure (solid) and the training
        loss (dashed) per epoch, a marker at each member's best epoch. Returns a matplotlib Figure.

        Example:
            >>> twoclass.plots.save_figure(result.plot_curves(best=5), "curves.png")  # doctest: +SKIP
        """
        from matplotlib.figure import Figure

        best = check_int(best, "best", "SweepResult.plot_curves", minimum=1)
        fig = Figure(figsize=(8, 4.8))
        ax = fig.add_subplot()
        colors = [f"C{i % 10}" for i in range(best)]
        for color, index in zip(colors, self.ranking()[:best]):
            history = self.histories[index]
            epochs = np.arange(1, len(history["loss"]) + 1)
            label = self.members[index].label()
            ax.plot(epochs, history[self.monitor], color=color, label=label)
            if self.monitor != "loss":
                ax.plot(epochs, history["loss"], color=color, linestyle="--", alpha=0.6)
            at = self._runs.best_epochs[index]
            if 0 <= at < len(epochs):
                ax.plot([at + 1], [history[self.monitor][at]], marker="o", color=color)
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.monitor + ("  (dashed: training loss)" if self.monitor != "loss" else ""))
        ax.set_title(title or f"The best {min(best, len(self.members))} of {len(self.members)} members")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        return fig

    def __repr__(self) -> str:
        first = self.ranking()[0]
        value = self.table.loc[self.table["member"] == first, self.monitor].iloc[0]
        return (
            f"SweepResult({len(self.members)} members of a {self.kind}, best {self.members[first].label()} "
            f"with {self.monitor}={value:.4f})"
        )


def model_builder(template: Any, weights: list[list[np.ndarray]]) -> Callable[[Sequence[int]], Any]:
    """Builds models of a Keras-style template with chosen members' weights (several merged into one network)."""

    def build(chosen: Sequence[int]) -> Any:
        models = []
        for index in chosen:
            model = copy.deepcopy(template)
            model.set_weights(weights[index])
            models.append(model)
        if len(models) == 1:
            return models[0]
        from twoclass.estimator.training import merge_networks
        from twoclass.keras.layers import Dense, Dropout, InputLayer

        if not all(isinstance(layer, (Dense, Dropout, InputLayer)) for layer in template.layers):
            raise ValueError(
                "top_k > 1 averages members into one network of Dense layers; this model has other layers "
                f"({', '.join(type(layer).__name__ for layer in template.layers)}). Use top_k=1."
            )
        merged = merge_networks(models)
        if template.optimizer is not None:
            merged.compile(optimizer=copy.deepcopy(template.optimizer), loss=template.loss, metrics=None)
        return merged

    return build
