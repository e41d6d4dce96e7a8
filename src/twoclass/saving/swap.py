"""Putting a freshly written model directory in place without ever leaving the path without a model.

A save writes everything into `.NAME.tmp-PID-XXXX` beside the target and flushes it. With no model at the path, one
rename puts it there. Replacing a model takes two renames (model -> `.NAME.old-PID-XXXX`, new -> model): a kill
between them leaves the old model in the backup and nothing at the path. `recover` repairs exactly that: the next
load or save of the path renames the newest complete backup back (or, where it may not rename, reads it in place).
`remove_leftovers` deletes the temporary and backup folders that killed saves leave behind, once their process is
gone, and only if they hold nothing but twoclass's own two files: saving never deletes a file twoclass did not write.

Tested by fault injection at every rename, fsync, unlink and mkdir of a save (tests/hardening/test_hardening_saving).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import uuid

from twoclass.core.files import fsync_directory

OWN_FILES = ("twoclass.json", "weights.safetensors")
STALE_AFTER_S = 3600.0  # a temporary folder of a live process older than this is abandoned (a reused pid)
_IN_PROGRESS: set[str] = set()  # temporary and backup folders this process is using right now


def temp_dir(parent: str, name: str) -> str:
    """A new empty folder beside the target, named after this process (so others can tell when it is stale)."""
    path = tempfile.mkdtemp(dir=parent, prefix=f".{name}.tmp-{os.getpid()}-")
    _IN_PROGRESS.add(path)
    os.chmod(path, 0o755)  # mkdtemp makes 0700; a saved model is an ordinary shareable folder
    return path


def done_with(path: str) -> None:
    _IN_PROGRESS.discard(path)


def swap_into_place(temp: str, path: str) -> None:
    """Move the complete folder ``temp`` to ``path``, replacing the model there if any (see the module)."""
    parent, name = os.path.split(path)
    if not os.path.lexists(path):
        os.rename(temp, path)
        fsync_directory(parent)
        return
    backup = os.path.join(parent, f".{name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    _IN_PROGRESS.add(backup)
    try:
        os.rename(path, backup)
        try:
            os.rename(temp, path)
        except BaseException:
            if not os.path.lexists(path):  # (an interrupt just after the rename leaves the new model in place)
                os.rename(backup, path)  # the old model back where it was
            raise
        fsync_directory(parent)
        shutil.rmtree(backup, ignore_errors=True)
    finally:
        _IN_PROGRESS.discard(backup)


def _leftovers(parent: str, name: str, kind: str) -> list[str]:
    prefix = f".{name}.{kind}-"
    try:
        entries = os.listdir(parent)
    except OSError:
        return []
    return [
        os.path.join(parent, e)
        for e in entries
        if e.startswith(prefix)
        and os.path.isdir(os.path.join(parent, e))
        and not os.path.islink(os.path.join(parent, e))
    ]


def _owner_pid(folder: str) -> int | None:
    tail = os.path.basename(folder).rsplit(".", 1)[-1]  # "tmp-PID-XXXX" or "old-PID-XXXX"
    parts = tail.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def _stale(folder: str) -> bool:
    """Left behind by a save that will never finish: its process is gone (or it is this one, not saving it)."""
    if folder in _IN_PROGRESS:
        return False
    pid = _owner_pid(folder)
    if pid is None or pid == os.getpid():
        return True
    try:
        age = time.time() - os.stat(folder).st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_S:
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (owned by someone else)
    return False


def _only_own_files(folder: str) -> bool:
    try:
        entries = os.listdir(folder)
    except OSError:
        return False
    return all(e in OWN_FILES and os.path.isfile(os.path.join(folder, e)) for e in entries)


def _complete(folder: str) -> bool:
    return all(os.path.isfile(os.path.join(folder, f)) for f in OWN_FILES) and _only_own_files(folder)


def recover(path: str) -> str | None:
    """If ``path`` has no model because a save was killed between its renames, put the newest complete backup back.

    Returns None when ``path`` now holds the model (or there is nothing to recover), or the backup folder to read
    in place when it may not be moved (another process is mid-swap, or the folder is read-only).
    """
    if os.path.lexists(path):
        return None
    parent, name = os.path.split(path)
    backups = [b for b in _leftovers(parent, name, "old") if _complete(b)]
    if not backups:
        return None
    backups.sort(key=lambda b: os.stat(b).st_mtime, reverse=True)
    newest = backups[0]
    if not _stale(newest):
        return newest  # its save is finishing right now: read it where it is
    try:
        os.rename(newest, path)
    except OSError:
        return None if os.path.isdir(path) else newest
    fsync_directory(parent)
    return None


def remove_leftovers(path: str) -> None:
    """Delete the stale `.NAME.tmp-*` and `.NAME.old-*` folders beside ``path`` that hold only twoclass's files."""
    parent, name = os.path.split(path)
    for folder in _leftovers(parent, name, "tmp") + _leftovers(parent, name, "old"):
        if _stale(folder) and _only_own_files(folder):
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
