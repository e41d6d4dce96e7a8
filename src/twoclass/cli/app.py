"""The `twoclass` command. Commands are thin: they parse, call the library and print.

Errors from the library (ValueError, FileNotFoundError, KeyError, TypeError) are caught in each command, at the
command boundary, and printed as one line `Error: ...` on stderr with exit code 2; nothing below catches them for us.

The commands live one group to a module and are registered on `app` here, in the order `twoclass --help` lists them:
`train` (train.py), `evaluate` (evaluate.py), `predict` (predict.py), `inspect` and `demo` (describe.py); the
wings' commands (sweep, serve, playground, export) are added by `twoclass.cli`. Each module imports at start only
what `twoclass --help` needs; the libraries load inside the commands (cli/startup.py).

Example:
    >>> CliRunner().invoke(app, ["--help"]).exit_code  # doctest: +SKIP
    0
"""

from __future__ import annotations

import typer

from twoclass.cli import edge, startup
from twoclass.cli.describe import demo, inspect
from twoclass.cli.evaluate import evaluate
from twoclass.cli.predict import predict
from twoclass.cli.train import train

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Neural-network binary classification: train, evaluate, predict, inspect, demo, sweep, serve, playground.",
)


@app.callback()
def _group() -> None:
    """twoclass: neural-network binary classification."""


app.command()(train)
app.command()(evaluate)
app.command()(predict)
app.command()(inspect)
app.command()(demo)


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
