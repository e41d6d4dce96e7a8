"""JAX's persistent compilation cache, on by default in the user's cache directory (TWOCLASS_NO_CACHE=1 turns it
off, TWOCLASS_CACHE_DIR moves it), and beside it the folder of lowered programs (`engine/stored.py`)."""

from __future__ import annotations

import os
from pathlib import Path

import jax


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
    except (OSError, AttributeError):  # a read-only home must not stop training
        return None
    return directory


CACHE_DIR = enable_compilation_cache()


PROGRAM_DIR = os.path.join(CACHE_DIR, "programs") if CACHE_DIR else None  # lowered programs (`engine/stored.py`)
