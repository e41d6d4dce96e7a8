"""JAX's compilation cache as twoclass sets it up: locked across processes, bounded, and readable when older."""

from __future__ import annotations

import os
import subprocess
import sys

_FIT = """
import warnings
warnings.simplefilter("error")  # a cache entry that cannot be written or read warns: make it fail the run
import jax, numpy as np
from twoclass.layers import Dense
from twoclass.models import Sequential
from jax._src import compilation_cache
model = Sequential([Dense(3, input_shape=(2,), activation="tanh"), Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.zeros((8, 2), np.float32), np.array([0, 1] * 4), epochs=2, verbose=0)
cache = compilation_cache._get_cache(jax.devices()[0].client)
print(jax.config.jax_compilation_cache_max_size, cache.eviction_enabled)
"""


def test_the_cache_is_locked_and_bounded_and_dates_older_entries(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "jit_old-0123-cache").write_bytes(b"an entry written without eviction, as earlier twoclass wrote them")
    env = {**os.environ, "TWOCLASS_CACHE_DIR": str(folder)}
    env.pop("TWOCLASS_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", _FIT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    max_size, locked = done.stdout.split()
    assert int(max_size) > 0 and locked == "True"  # eviction on: every read and write holds JAX's file lock
    assert (folder / "jit_old-0123-atime").exists()
    assert (folder / ".lockfile").exists()
    assert any(name.endswith("-cache") and not name.startswith("jit_old") for name in os.listdir(folder))
