"""Writing files so that nothing a user had is lost: write beside the target, then move into place in one step."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file in `path`'s folder; on success it replaces `path`, on any error it is removed.

    >>> with atomic_output("/tmp/twoclass-example.txt", "w") as handle:
    ...     _ = handle.write("done")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle_fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle_fd, mode, encoding=encoding, newline="" if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a saved file is an ordinary shareable file
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    with atomic_output(path, "w", encoding="utf-8") as handle:
        handle.write(text)
