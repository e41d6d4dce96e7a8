"""What `twoclass inspect` prints: a saved model's network, columns, labels, threshold, figures and versions.

It reads the model directory's JSON record only (no weights, no JAX), and prints with rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOWN_FIGURES = (
    ("roc_auc", "ROC AUC"),
    ("pr_auc", "PR AUC"),
    ("accuracy", "accuracy"),
    ("balanced_accuracy", "balanced accuracy"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("f1", "F1"),
    ("log_loss", "log loss"),
    ("brier_score", "Brier score"),
)


def print_model(model_dir: Path, meta: dict[str, Any]) -> None:
    """Print the description of the model directory ``model_dir`` whose twoclass.json is ``meta``.

    Example:
        >>> print_model(Path("model"), read_model_dir("model").meta)  # doctest: +SKIP
    """
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]{model_dir}[/bold]: twoclass {meta['kind']}, model format {meta['format_version']}")
    network = Table(title="Network", show_lines=False)
    for column in ("layer", "details"):
        network.add_column(column)
    for layer in meta["architecture"]["config"]["layers"]:
        config = layer.get("config", {})
        details = ", ".join(f"{k}={config[k]}" for k in ("units", "activation", "rate", "batch_shape") if k in config)
        network.add_row(layer.get("class_name", "?"), details)
    console.print(network)
    if meta["kind"] != "classifier":
        console.print("A bare Keras-style network: no preprocessing, labels or threshold stored.")
        return
    _print_classifier(console, Table, meta)


def _print_classifier(console, Table, meta: dict[str, Any]) -> None:
    prep = meta["preprocessing"]
    columns = Table(title="Input columns")
    for column in ("column", "kind", "note"):
        columns.add_column(column)
    for name, kind in prep["column_types"].items():
        columns.add_row(str(name), kind, prep.get("reasons", {}).get(name, ""))
    console.print(columns)
    console.print(f"Features after preprocessing: {len(prep['feature_names_out'])}")
    labels = meta["labels"]
    target = prep.get("target")
    console.print(f"Target: {target!r}; " if target else "", end="")
    console.print(f"positive class {labels['positive']!r}, negative class {labels['negative']!r}")
    choice = meta["threshold"]
    console.print(f"Decision threshold {choice['value']:.4f} ({choice['objective']}). {choice.get('note', '')}")
    if meta.get("calibration"):
        console.print(f"Calibration: {meta['calibration'].get('kind', meta['calibration'])}")
    figures = meta.get("validation_figures") or {}
    recipe = meta.get("recipe") if isinstance(meta.get("recipe"), dict) else None
    baseline = (recipe or {}).get("baseline_figures") or {}
    if figures:
        table = Table(title=f"Validation figures ({figures.get('n', '?')} rows)")
        table.add_column("figure")
        table.add_column("value", justify="right")
        if baseline:  # what the networks add: the logistic regression they started from, on the same rows
            table.add_column("logistic regression", justify="right")
        for key, name in SHOWN_FIGURES:
            if figures.get(key) is not None:
                extra = [f"{baseline[key]:.4f}" if baseline.get(key) is not None else ""] if baseline else []
                table.add_row(name, f"{figures[key]:.4f}", *extra)
        console.print(table)
    if recipe:
        console.print(_recipe_line(recipe))
        console.print(str(recipe.get("note", "")))
    history = meta.get("history") or {}
    epochs = len(next(iter(history.values()), []))
    console.print(f"Trained {epochs} epochs (best {meta.get('best_epoch', '?')}), seed {meta.get('seed')}")
    params = meta.get("estimator", {}).get("params", {})
    if params:
        from twoclass.estimator.state import decode_param

        shown = {k: decode_param(v) for k, v in params.items() if k not in ("verbose", "column_types")}
        console.print("Parameters: " + ", ".join(f"{k}={v!r}" for k, v in shown.items()))
    versions = meta.get("versions", {})
    console.print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))


def _recipe_line(recipe: dict[str, Any]) -> str:
    """One line on what recipe='auto' trained: networks, layers, epochs, bins, what it kept."""
    hidden = "-".join(str(w) for w in recipe.get("hidden_layer_sizes", [])) or "none"
    kept = recipe.get("kept", "?")
    share = recipe.get("network_share")
    if kept == "blend" and share is not None:
        kept = f"a blend ({_share(share)})"
    views = recipe.get("two_views")
    if isinstance(views, dict) and views.get("kept") == "mean":
        each = "; ".join(f"{v['numeric_encoding']}: {_share(v['network_share'])}" for v in views["views"])
        kept = f"the mean of two views of the numeric columns ({each})"
    elif isinstance(views, dict):
        kept += " (the binned view's; the standardised view is not averaged in: the note says why)"
    return (
        f"Recipe auto: {recipe.get('networks', '?')} network(s) of {hidden} relu units on a logistic "
        f"regression, {recipe.get('epochs', '?')} epochs (best {recipe.get('best_epoch', '?')}), batch "
        f"{recipe.get('batch_size', '?')}, {recipe.get('bins', 0)} bin features"
        f"{', sparse text input' if recipe.get('sparse_input') else ''}; kept: {kept}."
    )


def _share(share: float) -> str:
    """What a view kept, from the networks' share in its blend."""
    if share == 1.0:
        return "networks"
    return "logistic regression" if share == 0.0 else f"{share:.2f} x networks + {1 - share:.2f} x logistic regression"
