"""The commands that show rather than fit the user's data: `twoclass inspect` (a saved model described) and
`twoclass demo` (a seed lesson's network trained with per-epoch output, and pictures of what it learned).

Example:
    >>> CliRunner().invoke(app, ["inspect", "titanic_model/"])  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from twoclass.cli import edge
from twoclass.cli.args import fail
from twoclass.cli.args import library_errors as _library_errors


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
