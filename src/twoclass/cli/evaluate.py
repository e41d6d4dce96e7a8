"""`twoclass evaluate`: a saved model on labelled data, its figures at the stored threshold and an HTML report
(the true labels' column found, the decision boundary drawn for two numeric columns, the model summarized).

A table over `--stream`'s threshold (as for `train` and `predict`) is read and scored chunk by chunk: only the labels
and probabilities of all its rows are kept, and for the picture a sample of at most `BOUNDARY_POINTS` of its points.

Example:
    >>> CliRunner().invoke(app, ["evaluate", "titanic_model/", "test.csv"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from twoclass.cli import edge
from twoclass.cli.args import check_target as _check_target
from twoclass.cli.args import fail
from twoclass.cli.args import library_errors as _library_errors
from twoclass.cli.args import note as _note
from twoclass.cli.args import read_options as _read_options
from twoclass.cli.figures import _figure_line
from twoclass.cli.stream import Stream
from twoclass.cli.table_options import Encoding, Separator

CHUNK_ROWS = 50_000  # rows read and scored at a time when the table is streamed
BOUNDARY_POINTS = 20_000  # at most this many of a streamed table's points drawn on the decision-boundary picture


def _load_classifier(model_dir: Path):
    from twoclass.estimator.classifier import TwoClassClassifier
    from twoclass.io import load

    model = load(model_dir)
    if not isinstance(model, TwoClassClassifier):
        fail(
            f"'{model_dir}' holds a bare Keras-style network without preprocessing or labels; this command needs "
            "a model saved by `twoclass train` or TwoClassClassifier.save."
        )
    return model


def _target_of(model, frame, given: str | None, path: Path) -> str:
    """--target, else the name stored at training, else the one extra column holding only the model's labels."""
    if given is not None:
        _check_target(frame, given, path)
        return given
    stored = getattr(model.preprocessor_, "target_", None)
    if stored is not None:
        if stored not in frame.columns:
            fail(
                f"The target column {stored!r} the model was trained on is not in '{path}'. "
                "Pass --target with the column that holds the true labels."
            )
        return stored
    from twoclass.data.labels import label_key

    known = {label_key(c) for c in model.classes_.tolist()}
    extra = [
        c
        for c in frame.columns
        if c not in set(model.input_columns_)
        and frame[c].dropna().map(label_key).isin(known).all()
        and frame[c].notna().any()
    ]
    if len(extra) != 1:
        fail(f"Cannot tell which column of '{path}' holds the true labels. Pass --target COLUMN.")
    return extra[0]


class Scored(NamedTuple):
    """A table's true labels (0/1) and the model's probabilities, and the points of the decision-boundary picture
    (its two numeric columns, for a model that reads exactly those; else None) with their labels."""

    y01: Any
    proba: Any
    points: Any | None
    point_labels: Any | None
    columns: list[str] | None = None  # the picture's two columns, where it has points


def _boundary_columns(model) -> list[str] | None:
    kinds = model.preprocessor_.column_types_
    used = [c for c, k in kinds.items() if k in ("numeric", "categorical", "text")]
    if len(used) != 2 or any(kinds[c] != "numeric" for c in used):
        return None
    return used


def _points(frame, columns: list[str], y01) -> tuple[Any, Any]:
    """The rows' values of the picture's two columns where both are numbers, and those rows' labels."""
    import numpy as np
    import pandas as pd

    points = frame[columns].apply(pd.to_numeric, errors="coerce")
    keep = points.notna().all(axis=1).to_numpy()
    return points.to_numpy(dtype=np.float64)[keep], np.asarray(y01)[keep]


def _score(model, chunks: Iterable, target: str | None, path: Path) -> Scored:
    """Every chunk's labels and probabilities (one chunk: the whole table); the target column is found in the
    first. For the picture, every `stride`-th point is kept, the stride doubling whenever more than
    `BOUNDARY_POINTS` are held: a sample spread evenly over the whole file, the same on every run."""
    import numpy as np

    columns = _boundary_columns(model)
    labels, probas, points, point_labels = [], [], [], []
    column, stride, seen = None, 1, 0
    for chunk in chunks:
        if column is None:
            column = _target_of(model, chunk, target, path)
        y01 = model.label_encoding_.encode(chunk[column])
        labels.append(y01)
        probas.append(model.predict_proba(chunk.drop(columns=[column]))[:, 1])
        if columns is not None:
            xy, xy_labels = _points(chunk, columns, y01)
            every = (np.arange(seen, seen + len(xy)) % stride) == 0
            seen += len(xy)
            points.append(xy[every])
            point_labels.append(xy_labels[every])
            while sum(len(p) for p in points) > BOUNDARY_POINTS:
                stride *= 2
                held, held_labels = np.concatenate(points), np.concatenate(point_labels)
                points, point_labels = [held[::2]], [held_labels[::2]]
    if column is None:
        fail(f"The file '{path}' has a header but no data rows. Add rows or check the path.")
    if columns is None or sum(len(p) for p in points) < 2:
        return Scored(np.concatenate(labels), np.concatenate(probas), None, None)
    return Scored(
        np.concatenate(labels),
        np.concatenate(probas),
        np.concatenate(points),
        np.concatenate(point_labels),
        columns,
    )


def _boundary(model, scored: Scored):
    """(predict_proba, x, y) for the report when the model reads exactly two numeric columns."""
    import pandas as pd

    if scored.points is None:
        return None

    def proba(grid):
        return model.predict_proba(pd.DataFrame(grid, columns=scored.columns))[:, 1]

    return proba, scored.points, scored.point_labels


def evaluate(
    model_dir: Annotated[Path, typer.Argument(metavar="MODEL", help="Model directory from `twoclass train`.")],
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Test data with the true labels (CSV or Parquet).")],
    out: Annotated[Path, typer.Option(metavar="FILE", help="HTML report to write (one self-contained file).")] = Path(
        "report.html"
    ),
    json_out: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Also write the figures as JSON.")
    ] = None,
    target: Annotated[
        str | None, typer.Option(metavar="COL", help="Column with the true labels (default: the training one).")
    ] = None,
    encoding: Encoding = None,
    sep: Separator = None,
    stream: Stream = None,
) -> None:
    """Evaluate a model on labelled data: figures at the stored threshold and an HTML report.

    Example:  twoclass evaluate titanic_model/ test.csv --out report.html --json figures.json
    """
    from twoclass.cli.stream import stream_choice
    from twoclass.data import read_table
    from twoclass.report import write_report

    edge.check_output_file(out, "--out")
    if json_out is not None:
        edge.check_output_file(json_out, "--json")
    edge.check_no_clash({"--out": out, "--json": json_out}, {"data file": data}, model_dir)
    unchanged = edge.unchanged_file(out) + ("" if json_out is None else f"; {edge.unchanged_file(json_out)}")
    with _library_errors(unchanged), edge.warnings_as_notices():
        model = _load_classifier(model_dir)
        choice = stream_choice(data, stream)
        if choice.on:  # one chunk in memory at a time, however large the file
            from twoclass.data.stream import frame_chunks

            typer.echo(f"Scoring '{data}' in chunks of {CHUNK_ROWS:,} rows ({choice.reason}).")
            chunks = frame_chunks(data, CHUNK_ROWS, **_read_options(encoding, sep))
        else:
            chunks = [read_table(data, **_read_options(encoding, sep))]
        scored = _score(model, chunks, target, data)
        labels = tuple(str(c) for c in model.classes_.tolist())
        figures = write_report(
            out,
            y_true=scored.y01,
            proba=scored.proba,
            threshold=model.threshold_,
            labels=labels,
            history=model.history_,
            boundary=_boundary(model, scored),
            title=f"twoclass evaluation: {model_dir.name} on {data.name}",
            model_summary=_summary(model),
            json_path=json_out,
        )
    typer.echo(
        f"Evaluated {figures['n']:,} rows of '{data}' at threshold {figures['threshold']:.4f}: {_figure_line(figures)}"
    )
    typer.echo(f"Confusion matrix: TP {figures['tp']}, FP {figures['fp']}, TN {figures['tn']}, FN {figures['fn']}")
    for note in figures.get("notes", []):
        _note(f"Note: {note}")
    typer.echo(f"Wrote {out}" + (f" and {json_out}" if json_out else ""))


def _summary(model) -> dict[str, Any]:
    kinds = model.preprocessor_.column_types_
    layers = ", ".join(
        f"Dense({layer.units}, {layer.activation})" if hasattr(layer, "units") else type(layer).__name__
        for layer in model.model_.layers
    )
    return {
        "Network": layers,
        "Input columns": ", ".join(f"{c} ({k})" for c, k in kinds.items() if k in ("numeric", "categorical", "text")),
        "Features after preprocessing": model.preprocessor_.n_features_out_,
        "Classes (negative, positive)": f"{model.classes_[0]!r}, {model.classes_[1]!r}",
        "Best epoch": model.best_epoch_,
        **_recipe_summary(getattr(model, "recipe_", None)),
    }


def _recipe_summary(recipe: dict[str, Any] | None) -> dict[str, Any]:
    """The report's rows on recipe='auto': what was kept, and the logistic regression's validation figures beside
    the model's."""
    if not recipe:
        return {}
    baseline = recipe.get("baseline_figures") or {}
    return {
        "Recipe": f"{recipe['networks']} network(s) on a logistic regression; kept: {recipe['kept']}",
        "Guard": recipe.get("note", ""),
        "Logistic regression, validation": _figure_line(baseline) if baseline else "n/a",
    }
