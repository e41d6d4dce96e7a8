"""`twoclass train`: a table read (or streamed) and a TwoClassClassifier fitted on it and saved.

The libraries load inside the command, with the garbage collector off (cli/startup.py), so that `twoclass --help`
never imports pandas or JAX.

Example:
    >>> CliRunner().invoke(app, ["train", "titanic.csv", "--target", "Survived", "--out", "m/"])  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from twoclass.cli import edge, startup
from twoclass.cli.args import check_target as _check_target
from twoclass.cli.args import column_types as _column_types
from twoclass.cli.args import library_errors as _library_errors
from twoclass.cli.args import note as _note
from twoclass.cli.args import read_options as _read_options
from twoclass.cli.figures import _print_validation
from twoclass.cli.options import estimator_options
from twoclass.cli.stream import Stream
from twoclass.cli.table_options import Encoding, Separator


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
    arguments = dict(locals())  # the command's arguments, before any other name is bound
    edge.check_model_out(out, data)  # a bad --out is said before any library loads
    with startup.imports_uncollected():  # JAX first: the programs of an earlier run load while the rest imports
        from twoclass.engine.cache import COMMAND_DIR, PROGRAM_DIR
        from twoclass.engine.stored import WarmStart

    with WarmStart(_warm_key(arguments), notes=COMMAND_DIR, programs=PROGRAM_DIR):
        _train(**arguments)


def _warm_key(arguments: dict[str, Any]) -> str:
    """What decides the programs a training run compiles: the data file (wherever it was named from) and every
    option but where the model goes and how much is printed."""
    shown = {name: value for name, value in arguments.items() if name not in ("out", "quiet")}
    shown["data"] = str(Path(arguments["data"]).resolve())
    return f"train {shown!r}"


def _train(
    data: Path,
    target: str,
    out: Path,
    positive: str | None,
    text: list[str] | None,
    categorical: list[str] | None,
    numeric: list[str] | None,
    drop: list[str] | None,
    quiet: bool,
    encoding: str | None,
    sep: str | None,
    stream: str | None,
    estimator_params: dict[str, Any] | None,
) -> None:
    with startup.imports_uncollected():  # the libraries, loaded with the garbage collector off (cli/startup.py)
        from twoclass.cli.stream import stream_choice, train_streamed
        from twoclass.data import infer_labels, read_table

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
