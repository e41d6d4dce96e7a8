"""`twoclass sweep DATA --target COL --grid "learning_rate=1e-3,3e-3 l2=0,1e-4 seeds=8" --out DIR`.

The estimator of `twoclass train` with every grid member trained in one compiled program; writes into DIR the
members' table (sweep.csv, sweep.json), the learning curves of the best few (curves.png) and the best member, or
the top k averaged, as an ordinary model directory (DIR/model) that `twoclass predict`, `serve` and
`twoclass.inference.load` read. The lead registers `sweep` below on the main app (`app.command()(sweep)`).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated

import typer

from twoclass.cli.args import check_target, column_types, fail, hidden_sizes, library_errors, threshold_objective

_SHOWN = 10  # table rows printed; the CSV has them all


def sweep(
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Training data: CSV (.csv, .csv.gz, .tsv) or Parquet.")],
    target: Annotated[str, typer.Option(metavar="COL", help="The column to predict (two classes).")],
    grid: Annotated[
        str,
        typer.Option(
            metavar="GRID",
            help="Values to sweep, space-separated key=v1,v2: learning_rate, l2, dropout, hidden_layer_sizes "
            "(64-32,16), seed (list) or seeds (a count).",
        ),
    ],
    out: Annotated[Path, typer.Option(metavar="DIR", help="Folder for sweep.csv, sweep.json, curves.png, model/.")],
    positive: Annotated[str | None, typer.Option(metavar="LABEL", help="The positive label (unless obvious).")] = None,
    text: Annotated[list[str] | None, typer.Option(metavar="COL", help="A free-text column (repeatable).")] = None,
    categorical: Annotated[list[str] | None, typer.Option(metavar="COL", help="A categorical column.")] = None,
    numeric: Annotated[list[str] | None, typer.Option(metavar="COL", help="A numeric column.")] = None,
    drop: Annotated[list[str] | None, typer.Option(metavar="COL", help="Leave this column out.")] = None,
    epochs: Annotated[int | None, typer.Option(min=1, metavar="N", help="Most epochs per member.")] = None,
    hidden: Annotated[str, typer.Option(metavar="SIZES", help="Hidden sizes unless the grid sweeps them.")] = "64,32",
    threshold: Annotated[str, typer.Option(metavar="OBJECTIVE", help="f1, youden, recall>=0.9, 0.5, none.")] = "f1",
    class_weight: Annotated[str | None, typer.Option(metavar="balanced", help="'balanced' or left out.")] = None,
    seed: Annotated[
        int, typer.Option(min=0, metavar="N", help="Seed of the validation split (and seeds=N's first).")
    ] = 0,
    top_k: Annotated[int, typer.Option(min=1, metavar="K", help="Save the top K members averaged as one model.")] = 1,
    curves: Annotated[int, typer.Option(min=1, metavar="N", help="Members drawn in curves.png.")] = 5,
) -> None:
    """Train a grid of models as one compiled program and keep the best.

    Example:  twoclass sweep titanic.csv --target Survived --grid "learning_rate=1e-3,3e-3,1e-2 l2=0,1e-4 seeds=4"
    --out titanic-sweep/
    """
    from twoclass.data import infer_labels, read_table
    from twoclass.estimator.classifier import TwoClassClassifier
    from twoclass.plots import save_figure
    from twoclass.sweeps.api import sweep as run_sweep
    from twoclass.sweeps.grid import check_grid, expand, parse_grid

    objective = threshold_objective(threshold)
    if class_weight not in (None, "balanced"):
        fail(f"--class-weight must be 'balanced' (or left out). Got {class_weight!r} instead.")
    if out.exists() and not out.is_dir():
        fail(f"--out must be a folder. Got the file '{out}' instead.")
    if (out / "model").exists():
        fail(f"'{out / 'model'}' already exists; choose another --out or remove it.")
    with library_errors():
        parsed = parse_grid(grid)
        members = expand(check_grid(parsed, base_seed=seed), default_seed=seed)
        if top_k > len(members):
            fail(f"--top-k must be at most the number of members ({len(members)}). Got {top_k} instead.")
        frame = read_table(data)
        check_target(frame, target, data)
        kinds = column_types(
            frame, target, text=text or [], categorical=categorical or [], numeric=numeric or [], drop=drop or []
        )
        encoding = infer_labels(frame[target], positive, name=target)
        estimator = TwoClassClassifier(
            hidden_layer_sizes=hidden_sizes(hidden),
            threshold=objective,
            class_weight=class_weight,
            random_state=seed,
            column_types=kinds,
            positive=encoding.positive,
            n_networks=1,
            **({} if epochs is None else {"epochs": epochs}),
        )
        typer.echo(
            f"Sweeping {len(members)} members on {len(frame):,} rows of '{data}': predicting {target!r}, "
            f"positive class {encoding.positive!r}."
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = run_sweep(estimator, frame.drop(columns=[target]), frame[target], parsed)
        out.mkdir(parents=True, exist_ok=True)
        result.to_csv(out / "sweep.csv")
        result.to_json(out / "sweep.json")
        save_figure(result.plot_curves(best=curves), out / "curves.png")
        best = result.best_model(top_k)
        saved = best.save(out / "model")
    _print_table(result)
    figures = best.validation_figures_
    shown = ", ".join(
        f"{name} {figures[key]:.4f}"
        for key, name in (("roc_auc", "ROC AUC"), ("f1", "F1"), ("accuracy", "accuracy"))
        if isinstance(figures.get(key), float) and math.isfinite(figures[key])
    )
    what = "best member" if top_k == 1 else f"top {top_k} members averaged"
    typer.echo(f"Trained {len(members)} members in {result.seconds:.1f} s (one compiled program per network size).")
    typer.echo(f"Saved the {what} to {saved}" + (f" (validation: {shown})." if shown else "."))
    typer.echo(f"Table: {out / 'sweep.csv'}, {out / 'sweep.json'}; learning curves: {out / 'curves.png'}")


def _print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Members ranked by {result.monitor} (best epoch)")
    ranked = result.table.sort_values("rank").head(_SHOWN)
    skip = {"member", "diverged", "rank"}
    columns = ["rank"] + [c for c in ranked.columns if c not in skip]
    short = {"learning_rate": "lr", "hidden_layer_sizes": "hidden", "best_epoch": "best", "epochs_run": "ran"}
    for column in columns:
        table.add_column(short.get(column, column), justify="left" if column == "hidden_layer_sizes" else "right")
    for _, row in ranked.iterrows():
        table.add_row(*[_cell(row[c]) for c in columns])
    Console().print(table)
    if len(result.table) > _SHOWN:
        typer.echo(f"({len(result.table) - _SHOWN} more members in the CSV.)")


def _cell(value) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return f"{value:.0e}" if abs(value) < 1e-2 and value != 0 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
