"""The `twoclass` command. Commands are thin: they parse, call the library and print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Neural-network binary classification: train, evaluate, predict, inspect, demo.")


@app.callback()
def _group() -> None:
    """twoclass: neural-network binary classification."""


def fail(message: str) -> None:
    """One clear line on stderr and a non-zero exit, never a traceback."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


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
    from . import _demo

    if lesson not in _demo.DEMOS:
        fail(f"Unknown lesson {lesson!r}. Choose one of: {', '.join(_demo.DEMOS)}.")
    kwargs = {"verbose": 0 if quiet else 1}
    if epochs is not None:
        kwargs["epochs"] = epochs
    result = _demo.DEMOS[lesson](out, **kwargs)
    typer.echo(f"Test accuracy: {result.test_accuracy:.3f}")
    for picture in result.pictures:
        typer.echo(f"Wrote {picture}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
