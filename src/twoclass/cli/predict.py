"""`twoclass predict`: a file scored chunk by chunk with the NumPy inference path (no JAX), the input columns plus
probability and prediction written atomically to a CSV file.

Example:
    >>> CliRunner().invoke(app, ["predict", "titanic_model/", "new.csv", "--out", "p.csv"])  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

from twoclass.cli import edge
from twoclass.cli.args import fail
from twoclass.cli.args import library_errors as _library_errors
from twoclass.cli.args import note as _note
from twoclass.cli.args import read_options as _read_options
from twoclass.cli.stream import Stream
from twoclass.cli.table_options import Encoding, Separator
from twoclass.core.files import atomic_output

_OUTPUT_COLUMNS = ("probability", "prediction")


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
