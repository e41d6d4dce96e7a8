"""Writing files so that nothing a user had is lost: write beside the target, then move into place in one step.

An OSError raised while writing names the file the user asked for (not the temporary one beside it) and says what
was being done, so the command line can print it as one line: "Cannot write 'out.csv': No space left on device."
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO


def about(error: OSError, path: str | os.PathLike, action: str) -> OSError:
    """A copy of ``error`` (same class and errno) that names ``path`` and the ``action`` ('write', 'read') that
    failed; ``describe`` turns it into one line.

    >>> describe(about(PermissionError(13, "Permission denied", "/x/.out.csv.tmp"), "/x/out.csv", "write"))
    "Cannot write '/x/out.csv': Permission denied."
    """
    if error.errno is None:
        return error
    named = type(error)(error.errno, error.strerror or os.strerror(error.errno), os.fspath(path))
    named.twoclass_action = action  # type: ignore[attr-defined]
    return named


def describe(error: OSError) -> str:
    """One line for an OSError: the action, the path and the system's reason."""
    reason = error.strerror or str(error)
    action = getattr(error, "twoclass_action", None)
    if error.filename is None:
        return f"{reason}." if action is None else f"Cannot {action}: {reason}."
    target = f"'{os.fspath(error.filename)}'"
    return f"Cannot {action} {target}: {reason}." if action else f"{target}: {reason}."


def fsync_directory(path: str | os.PathLike) -> None:
    """Make a rename inside ``path`` durable (a no-op where directories cannot be opened, as on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file in `path`'s folder; on success it replaces `path`, on any error it is removed.

    >>> with atomic_output("/tmp/twoclass-example.txt", "w") as handle:
    ...     _ = handle.write("done")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):  # os.replace would fail only after the whole file was written
        raise about(IsADirectoryError(21, "Is a directory"), path, "write")
    try:
        handle_fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as error:
        raise about(error, path, "write") from None
    try:
        with os.fdopen(handle_fd, mode, encoding=encoding, newline="" if "b" not in mode else None) as handle:
            yield handle  # what the caller raises here (reading its input, say) goes up as it is
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as error:
                raise about(error, path, "write") from None
        try:
            os.chmod(temp, 0o644)  # mkstemp makes 0600; a saved file is an ordinary shareable file
            os.replace(temp, path)
        except OSError as error:
            raise about(error, path, "write") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    with atomic_output(path, "w", encoding="utf-8") as handle:
        handle.write(text)
