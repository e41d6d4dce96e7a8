"""The command's edge, where everything the library raises becomes one line and an exit code.

- ValueError, TypeError, KeyError, LookupError: `Error: <first line>`, exit 2.
- OSError (a read-only folder, a full disk, a name too long, a directory where a file goes): `Error: Cannot write
  'out.csv': No space left on device.`, exit 2. The writers write beside their target and move it into place, so the
  old file is unchanged.
- Ctrl-C (SIGINT): `Interrupted: the old model at 'm' is unchanged.`, exit 130; further Ctrl-Cs are ignored while
  the process exits, so no exit hook prints a KeyboardInterrupt traceback.
- Warnings raised while a command works are shown as `Warning: ...` lines on stderr, once each, never as Python's
  `file.py:97: UserWarning` lines.
- Outputs are checked before any work: never over an input, never inside a model directory, never a directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import typer

from twoclass.core.files import describe


def fail(message: str, code: int = 2) -> None:
    """One clear line on stderr and a non-zero exit, never a traceback."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=code)


def one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return describe(error)
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(error).__name__


_REPORTED: list[bool] = []  # an interruption already said in one line


def interrupt_reported() -> bool:
    return bool(_REPORTED)


def ignore_further_interrupts() -> None:
    with contextlib.suppress(ValueError, OSError):  # not in the main thread: nothing to do
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def library_errors(unchanged: str | None = None) -> Iterator[None]:
    """The command boundary (see the module). ``unchanged`` says what an interruption leaves as it was."""
    try:
        yield
    except KeyboardInterrupt:
        ignore_further_interrupts()
        _REPORTED.append(True)
        typer.secho("Interrupted" + (f": {unchanged}." if unchanged else "."), err=True, fg=typer.colors.RED)
        raise typer.Exit(code=130) from None
    except (ValueError, KeyError, TypeError, LookupError, OSError) as error:
        fail(one_line(error))


def unchanged_file(path: Path) -> str:
    return f"'{path}' is unchanged" if path.exists() else f"nothing was written to '{path}'"


def unchanged_model(path: Path) -> str:
    return f"the old model at '{path}' is unchanged" if path.exists() else f"no model was saved to '{path}'"


@contextlib.contextmanager
def warnings_as_notices() -> Iterator[None]:
    """Show the warnings raised inside as `Warning: ...` lines on stderr (once each) when the block ends; when it
    fails, only its one-line error is shown."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield  # an exception here goes up, past the printing below
    shown = set()
    for item in caught:
        if issubclass(item.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue
        line = one_line(item.message) if isinstance(item.message, Warning) else str(item.message)
        if line not in shown:
            shown.add(line)
            typer.echo(f"Warning: {line}", err=True)


# ------------------------------------------------------------------------------------------------ output paths


def _real(path: Path) -> str:
    return os.path.realpath(os.path.abspath(path))


def _inside(path: Path, folder: Path) -> bool:
    real, root = _real(path), _real(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _check_name(path: Path) -> None:
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            fail(f"Cannot write '{path}': {error.strerror}.")


def check_output_file(path: Path, option: str) -> None:
    """An output file's path must not be a directory, nor lie below a file, nor be too long for the system."""
    _check_name(path)
    if path.is_dir():
        fail(f"{option} '{path}' is a directory; give the path of a file to write (inside it, for example).")
    parent = Path(os.path.abspath(path)).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        fail(f"Cannot write '{path}': '{parent}' is a file, not a directory.")


def check_writable_folder(path: Path) -> None:
    """Fail now, before training, if nothing can be created beside ``path`` (a read-only folder, say)."""
    parent = Path(os.path.abspath(path)).parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        fail(f"Cannot write '{path}': '{parent}' is a file, not a directory.")
    import tempfile

    try:
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".twoclass-probe-"))
    except OSError as error:
        fail(f"Cannot write '{path}': {error.strerror or error}.")


def check_no_clash(outputs: dict[str, Path | None], inputs: dict[str, Path], model_dir: Path | None = None) -> None:
    """No output over an input, over another output, or inside the model directory (which holds only its own
    files)."""
    given = {option: path for option, path in outputs.items() if path is not None}
    for option, path in given.items():
        for what, source in inputs.items():
            if _real(path) == _real(source):
                fail(
                    f"{option} '{path}' is the {what} '{source}'; writing it would destroy the input. Choose "
                    "another path."
                )
        if model_dir is not None and _inside(path, model_dir):
            fail(
                f"{option} '{path}' is inside the model directory '{model_dir}', which holds only the model's own "
                "files. Write it elsewhere."
            )
    seen: dict[str, str] = {}
    for option, path in given.items():
        if _real(path) in seen:
            fail(f"{seen[_real(path)]} and {option} name the same file '{path}'. Give them different paths.")
        seen[_real(path)] = option


def check_model_out(out: Path, data: Path) -> None:
    """train's --out: not a file, not a folder of the user's files, never the folder holding the data."""
    from twoclass.saving.model_dir import check_replaceable

    _check_name(out)
    if _inside(data, out):
        fail(
            f"--out '{out}' holds the data file '{data}'; saving the model there would delete it. Choose another "
            "path for the model."
        )
    try:
        check_replaceable(os.path.abspath(out))
    except ValueError as error:
        fail(one_line(error))
    except OSError as error:
        fail(describe(error) if error.filename else f"Cannot write '{out}': {error.strerror or error}.")
    check_writable_folder(out)
