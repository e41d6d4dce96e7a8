"""JAX's persistent compilation cache, on by default in the user's cache directory (TWOCLASS_NO_CACHE=1 turns it
off, TWOCLASS_CACHE_DIR moves it), and beside it the folders of lowered programs and of the programs each command
used (`engine/stored.py`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import jax

CACHE_MAX_BYTES = 2 << 30  # 2 GiB: some thousands of programs; the least recently used go first


def enable_compilation_cache() -> str | None:
    """Turn on JAX's persistent compilation cache in the user's cache directory, unless TWOCLASS_NO_CACHE is set."""
    if os.environ.get("TWOCLASS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    directory = os.environ.get("TWOCLASS_CACHE_DIR") or os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if not directory:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        directory = os.path.join(base, "twoclass", "jax")
    try:
        os.makedirs(directory, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", directory)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        # A size limit turns on JAX's LRU eviction, and with it a file lock around every read and write of the
        # cache. Without the lock, JAX writes an entry in place, and another process (a second host of a
        # data-parallel fit, a test's subprocess, a second notebook) can read it half-written: the executable then
        # fails to deserialize and aborts the process. The limit also keeps the cache from growing without end.
        jax.config.update("jax_compilation_cache_max_size", CACHE_MAX_BYTES)
        _date_unlocked_entries(Path(directory))
    except (OSError, AttributeError):  # a read-only home must not stop training
        return None
    return directory


def _date_unlocked_entries(directory: Path) -> None:
    """Give entries written before the limit was on (without JAX's access-time files) a date, as eviction reads one
    for every entry and would otherwise fail on each write."""
    # One listing of the folder, not a stat per entry: a cache of some thousands of programs is read at every start
    # of a process, and a stat each took 0.1-0.15 s of a 3 s `twoclass train`.
    with os.scandir(directory) as listing:
        names = {entry.name for entry in listing}
    for name in names:
        if name.endswith("-cache") and name[: -len("-cache")] + "-atime" not in names:
            entry = directory / name
            with contextlib.suppress(FileNotFoundError):  # evicted by another process meanwhile
                stamp = int(entry.stat().st_mtime_ns).to_bytes(8, "little")
                entry.with_name(name[: -len("-cache")] + "-atime").write_bytes(stamp)


CACHE_DIR = enable_compilation_cache()
PROGRAM_DIR = os.path.join(CACHE_DIR, "programs") if CACHE_DIR else None  # lowered programs (`engine/stored.py`)
COMMAND_DIR = os.path.join(CACHE_DIR, "commands") if CACHE_DIR else None  # the programs each command used (`WarmStart`)
