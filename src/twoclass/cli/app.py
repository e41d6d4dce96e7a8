"""The `twoclass` command. Commands are thin: they parse, call the library and print.

Errors from the library (ValueError, FileNotFoundError, KeyError, TypeError) are caught here, at the command
boundary, and printed as one line `Error: ...` on stderr with exit code 2; nothing below catches them for us.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from twoclass.cli import edge, startup
from twoclass.cli.args import check_target as _check_target
from twoclass.cli.args import column_types as _column_types
from twoclass.cli.args import fail
from twoclass.cli.args import library_errors as _library_errors
from twoclass.cli.args import note as _note
from twoclass.cli.args import read_options as _read_options
from twoclass.cli.options import estimator_options
from twoclass.cli.show import SHOWN_FIGURES as _SHOWN_FIGURES
from twoclass.cli.stream import Stream
from twoclass.core.files import atomic_output

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Neural-network binary classification: train, evaluate, predict, inspect, demo, sweep, serve, playground.",
)

_OUTPUT_COLUMNS = ("probability", "prediction")
_ENCODING_HELP = "Text encoding of the data file (default utf-8), e.g. latin-1 or cp1252."
_SEP_HELP = "Column separator of a CSV file (default: ',' or what the header shows, e.g. ';')."
Encoding = Annotated[str | None, typer.Option(metavar="NAME", help=_ENCODING_HELP)]
Separator = Annotated[str | None, typer.Option(metavar="CHAR", help=_SEP_HELP)]


@app.callback()
def _group() -> None:
    """twoclass: neural-network binary classification."""


# ------------------------------------------------------------------------------------------------ train


@app.command()
@estimator_options
def train(
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Training data: CSV (.csv, .csv.gz, .tsv) or Parquet.")],
    target: Annotated[str, typer.Option(metavar="COL", help="The column to predict (two classes).")],
    out: Annotated[Path, typer.Option(metavar="DIR", help="Model directory to write.")],
    positive: Annotated[
        str | None, typer.Option(metavar="LABEL", help="The positive label (needed unless obvious: 1/0, yes/no...).")
    ] = None,
    text: Annotated[
        list[str] | None, typer.Option(metavar="COL", help="Treat this column as free text (repeatable).")
    ] = None,
    categorical: Annotated[
        list[str] | None, typer.Option(metavar="COL", help="Treat this column as categorical (repeatable).")
    ] = None,
    numeric: Annotated[
        list[str] | None, typer.Option(metavar="COL", help="Treat this column as numeric (repeatable).")
    ] = None,
    drop: Annotated[list[str] | None, typer.Option(metavar="COL", help="Leave this column out (repeatable).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress output; only the final figures.")] = False,
    encoding: Encoding = None,
    sep: Separator = None,
    stream: Stream = None,
    estimator_params: dict[str, Any] | None = None,
) -> None:
    """Train a model on a CSV or Parquet file and save it to a directory.

    The estimator's options (--epochs, --hidden, --learning-rate, --threshold, ...) come from its parameter table.

    Example:  twoclass train titanic.csv --target Survived --out titanic_model/

    Example:  twoclass train sms.csv --target label --positive spam --text text --threshold "recall>=0.9"
    --out spam_model/
    """
    with startup.imports_uncollected():  # the libraries, loaded with the garbage collector off (cli/startup.py)
        from twoclass.cli.stream import stream_choice, train_streamed
        from twoclass.data import infer_labels, read_table

    edge.check_model_out(out, data)
    choice = stream_choice(data, stream)
    if choice.on:  # larger than memory should hold (or asked for): read, preprocess and train chunk by chunk
        kinds = {"text": text or [], "categorical": categorical or [], "numeric": numeric or [], "drop": drop or []}
        with _library_errors(edge.unchanged_model(out)), edge.warnings_as_notices():
            model = train_streamed(
                data,
                choice,
                target=target,
                positive=positive,
                kinds=kinds,
                quiet=quiet,
                read_options=_read_options(encoding, sep),
                estimator_params=estimator_params,
            )
            saved = model.save(out)
        _print_validation(model)
        typer.echo(f"Saved the model to {saved}")
        return
    with startup.imports_uncollected():  # and what the fit will use (JAX, optax), before any work
        from twoclass.estimator.classifier import TwoClassClassifier
        from twoclass.estimator.training import import_fit_modules

        import_fit_modules()
    with _library_errors(edge.unchanged_model(out)), edge.warnings_as_notices():
        frame = read_table(data, **_read_options(encoding, sep))
        _check_target(frame, target, data)
        column_types = _column_types(
            frame, target, text=text or [], categorical=categorical or [], numeric=numeric or [], drop=drop or []
        )
        encoding = infer_labels(frame[target], positive, name=target)
        model = TwoClassClassifier(
            **estimator_params, column_types=column_types, positive=encoding.positive, verbose=0 if quiet else 1
        )
        typer.echo(
            f"Training on {len(frame):,} rows of '{data}': predicting {target!r}, positive class "
            f"{encoding.positive!r}, negative class {encoding.negative!r}."
        )
        model.fit(frame.drop(columns=[target]), frame[target])
        saved = model.save(out)
        if quiet:  # without --quiet the estimator printed them before training
            for notice in model.preprocessor_.notices_:
                _note(notice)
    _print_validation(model)
    typer.echo(f"Saved the model to {saved}")


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


# ------------------------------------------------------------------------------------------------ evaluate


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


def _boundary(model, frame, y01):
    """(predict_proba, x, y) for the report when the model reads exactly two numeric columns."""
    import numpy as np
    import pandas as pd

    kinds = model.preprocessor_.column_types_
    used = [c for c, k in kinds.items() if k in ("numeric", "categorical", "text")]
    if len(used) != 2 or any(kinds[c] != "numeric" for c in used):
        return None
    points = frame[used].apply(pd.to_numeric, errors="coerce")
    keep = points.notna().all(axis=1).to_numpy()
    if keep.sum() < 2:
        return None

    def proba(grid: np.ndarray) -> np.ndarray:
        return model.predict_proba(pd.DataFrame(grid, columns=used))[:, 1]

    return proba, points.to_numpy(dtype=np.float64)[keep], np.asarray(y01)[keep]


@app.command()
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
) -> None:
    """Evaluate a model on labelled data: figures at the stored threshold and an HTML report.

    Example:  twoclass evaluate titanic_model/ test.csv --out report.html --json figures.json
    """
    from twoclass.data import read_table
    from twoclass.report import write_report

    edge.check_output_file(out, "--out")
    if json_out is not None:
        edge.check_output_file(json_out, "--json")
    edge.check_no_clash({"--out": out, "--json": json_out}, {"data file": data}, model_dir)
    unchanged = edge.unchanged_file(out) + ("" if json_out is None else f"; {edge.unchanged_file(json_out)}")
    with _library_errors(unchanged), edge.warnings_as_notices():
        model = _load_classifier(model_dir)
        frame = read_table(data, **_read_options(encoding, sep))
        column = _target_of(model, frame, target, data)
        y01 = model.label_encoding_.encode(frame[column])
        proba = model.predict_proba(frame.drop(columns=[column]))[:, 1]
        labels = tuple(str(c) for c in model.classes_.tolist())
        figures = write_report(
            out,
            y_true=y01,
            proba=proba,
            threshold=model.threshold_,
            labels=labels,
            history=model.history_,
            boundary=_boundary(model, frame, y01),
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


# ------------------------------------------------------------------------------------------------ predict


@app.command()
def predict(
    model_dir: Annotated[Path, typer.Argument(metavar="MODEL", help="Model directory from `twoclass train`.")],
    data: Annotated[
        Path, typer.Argument(metavar="DATA", help="Rows to score (CSV or Parquet); may be larger than memory.")
    ],
    out: Annotated[
        Path, typer.Option(metavar="FILE", help="CSV file to write: the input columns plus probability and prediction.")
    ] = Path("predictions.csv"),
    chunksize: Annotated[int, typer.Option(min=1, metavar="N", help="Rows read and scored at a time.")] = 50_000,
    encoding: Encoding = None,
    sep: Separator = None,
    stream: Stream = None,
) -> None:
    """Score a file chunk by chunk with the NumPy inference path (no JAX); writes the CSV atomically.

    Example:  twoclass predict titanic_model/ new_passengers.csv --out predictions.csv
    """
    from twoclass.data import read_table_chunks
    from twoclass.inference import load

    edge.check_output_file(out, "--out")
    if out.suffix.lower() != ".csv":
        fail(f"--out must be a .csv file. Got '{out}' instead.")
    edge.check_no_clash({"--out": out}, {"data file": data}, model_dir)
    with _library_errors(edge.unchanged_file(out)), edge.warnings_as_notices():
        predictor = load(model_dir)
        if predictor.preprocessor is None:
            fail(
                f"'{model_dir}' holds a bare Keras-style network without column names; this command needs a model "
                "saved by `twoclass train` or TwoClassClassifier.save."
            )
        from twoclass.cli.stream import stream_choice

        choice = stream_choice(data, stream)
        if choice.on:  # Parquet one row group at a time: memory stays flat however large the file
            from twoclass.data.stream import frame_chunks

            typer.echo(f"Scoring '{data}' in chunks of {chunksize:,} rows ({choice.reason}).")
            chunks = frame_chunks(data, chunksize, **_read_options(encoding, sep))
        else:
            chunks = read_table_chunks(data, chunksize=chunksize, **_read_options(encoding, sep))
        rows, positives, unseen, words = _write_predictions(predictor, chunks, out)
    for column, count in unseen.items():
        _note(
            f"Warning: column {column!r} had {count:,} row(s) with categories not seen in training "
            "(encoded as all zeros)."
        )
    for column, (count, examples) in words.items():
        _note(
            f"Warning: column {column!r} had {count:,} row(s) with values that are not numbers (e.g. "
            f"{', '.join(map(repr, examples))}), read as missing."
        )
    typer.echo(
        f"Wrote {rows:,} predictions to {out} ({positives:,} predicted {predictor.classes_.tolist()[1]!r}, "
        f"threshold {predictor.threshold:.4f})."
    )


def _write_predictions(predictor, chunks, out: Path) -> tuple[int, int, dict[str, int], dict[str, tuple]]:
    """Stream the scored chunks into a temporary file next to ``out``, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = positives = 0
    unseen: dict[str, int] = {}
    words: dict[str, tuple[int, list]] = {}
    with atomic_output(out, "w", encoding="utf-8") as handle:
        for chunk in chunks:
            clash = [c for c in _OUTPUT_COLUMNS if c in chunk.columns]
            if clash:
                raise ValueError(
                    f"The data already has a column named {clash[0]!r}; rename it, since the "
                    "predictions are written under that name."
                )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # counted below, reported once
                p = predictor.predict_proba(chunk)[:, 1]
            for column, count in predictor.preprocessor.last_unseen_counts_.items():
                unseen[column] = unseen.get(column, 0) + count
            for column, found in predictor.preprocessor.last_non_numbers_.items():
                count, examples = words.get(column, (0, []))
                examples = list(dict.fromkeys(examples + [str(v) for v in found.tolist()]))[:3]
                words[column] = (count + len(found), examples)
            positive = p >= predictor.threshold
            chunk = chunk.assign(probability=p, prediction=predictor.classes_[positive.astype(int)])
            chunk.to_csv(handle, header=rows == 0, index=False)
            rows += len(chunk)
            positives += int(positive.sum())
    return rows, positives, unseen, words


# ------------------------------------------------------------------------------------------------ inspect


@app.command()
def inspect(
    model_dir: Annotated[Path, typer.Argument(metavar="MODEL", help="Model directory to describe.")],
) -> None:
    """Describe a saved model: network, columns and their kinds, labels, threshold, validation figures, versions.

    Example:  twoclass inspect titanic_model/
    """
    from twoclass.cli.show import print_model
    from twoclass.saving.model_dir import read_model_dir

    with _library_errors(), edge.warnings_as_notices():
        meta = read_model_dir(model_dir).meta
        print_model(model_dir, meta)


# ------------------------------------------------------------------------------------------------ demo


@app.command()
def demo(
    lesson: Annotated[str, typer.Argument(help="Which lesson: 'circles' (the slides) or 'mean' (the Keras lesson).")],
    out: Annotated[Path, typer.Option(help="Folder for the pictures.")] = Path("demo-output"),
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs (default: the lesson's 20 or 100).")] = None,
    quiet: Annotated[bool, typer.Option(help="No per-epoch lines.")] = False,
) -> None:
    """Train a seed lesson's network with per-epoch output and draw what it learned.

    Examples:  twoclass demo circles    twoclass demo mean --out pictures/
    """
    from twoclass.cli import demo as lessons

    if lesson not in lessons.DEMOS:
        fail(f"Unknown lesson {lesson!r}. Choose one of: {', '.join(lessons.DEMOS)}.")
    kwargs = {"verbose": 0 if quiet else 1}
    if epochs is not None:
        kwargs["epochs"] = epochs
    result = lessons.DEMOS[lesson](out, **kwargs)
    typer.echo(f"Test accuracy: {result.test_accuracy:.3f}")
    for picture in result.pictures:
        typer.echo(f"Wrote {picture}")


def main() -> None:
    """The console script: the app (typer turns a Ctrl-C outside a command's work into exit 130; it is said here),
    and Ctrl-C ignored once the command is done, so exit hooks never print a KeyboardInterrupt traceback."""
    startup.console_script()
    try:
        app()
    except SystemExit as done:
        if done.code == 130 and not edge.interrupt_reported():
            edge.ignore_further_interrupts()
            typer.secho("Interrupted.", err=True, fg=typer.colors.RED)
        if done.code is None or isinstance(done.code, int):  # (a message as the code: Python's own exit prints it)
            edge.ignore_further_interrupts()
            startup.exit_without_teardown(done.code or 0)  # skips Python's teardown (0.1-0.5 s)
        raise
    finally:
        edge.ignore_further_interrupts()


if __name__ == "__main__":
    main()
