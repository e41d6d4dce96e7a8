"""How `twoclass train` and `twoclass evaluate` print a model's figures: one line of them (`_figure_line`), and what
train prints after fitting (`_print_validation`: the validation figures, the logistic-regression baseline, the
threshold and the notes).

Example:
    >>> _figure_line({"roc_auc": 0.875, "accuracy": 0.8})  # doctest: +SKIP
    'ROC AUC 0.8750, accuracy 0.8000'
"""

from __future__ import annotations

from typing import Any

import typer

from twoclass.cli.args import note as _note
from twoclass.cli.show import SHOWN_FIGURES as _SHOWN_FIGURES


def _figure_line(figures: dict[str, Any]) -> str:
    parts = [f"{name} {figures[key]:.4f}" for key, name in _SHOWN_FIGURES if figures.get(key) is not None]
    return ", ".join(parts)


def _print_validation(model) -> None:
    figures = model.validation_figures_
    typer.echo(f"Validation ({figures['n']:,} rows, best epoch {model.best_epoch_}): {_figure_line(figures)}")
    baseline = (getattr(model, "recipe_", None) or {}).get("baseline_figures")
    if baseline:  # what the networks add over the logistic regression they start from
        typer.echo(f"Logistic regression on the same rows: {_figure_line(baseline)}")
        typer.echo(model.recipe_["note"])
    choice = model.threshold_
    typer.echo(f"Decision threshold {choice.value:.4f} ({choice.objective}). {choice.note}")
    for note in figures.get("notes", []):
        _note(f"Note: {note}")
