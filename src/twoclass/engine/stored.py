"""Compiled functions whose lowered program is kept on disk, so that a new process skips tracing it.

JAX's persistent compilation cache skips XLA's compilation, but every new process still traces the Python function
and lowers it to StableHLO before it can look the executable up: for the training chunk that is 0.3-0.4 s, most of
a first fit with a warm cache. `jax.export` serializes the lowered program; a later process reads it back in a few
milliseconds, and compiling the call of it is a hit in the persistent cache.

A stored program is keyed by everything that decides what tracing would produce: the function's name and static
key (a `Plan`), the arguments' tree and shapes, the versions of JAX and jaxlib, the backend, and a digest of
twoclass's own source, so that an edited engine never runs an old program.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax

from twoclass.core.files import atomic_output

_SUFFIX = ".jaxexport"
PREPARED: collections.Counter = collections.Counter()  # programs traced or loaded in this process, by name


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """A digest of all the package's Python files (every wing, not only the engine's folder: a layer or a loss
    defined elsewhere shapes the traced program too): a stored program is only valid for the code that traced it."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _environment() -> str:
    import jaxlib

    return (
        f"jax={jax.__version__} jaxlib={jaxlib.__version__} backend={jax.default_backend()} "
        f"x64={jax.config.jax_enable_x64} precision={jax.config.jax_default_matmul_precision}"
    )


class StoredFunction:
    """Calls `function(*args)` compiled. The program for each new argument signature is read from `directory` when
    an earlier process stored it there, and traced (then stored) otherwise; `directory=None` stores nothing.

    `output_tree(args)` returns a pytree shaped like the result (its leaves are ignored): a stored program returns a
    flat list of arrays, and the tree to rebuild must be known without tracing. `PREPARED[name]` counts the
    signatures this process traced or loaded under `name`.
    """

    def __init__(
        self, function: Callable, name: str, static_key: Any, directory: str | None, output_tree: Callable[[tuple], Any]
    ):
        self._function = function
        self._name = name
        self._static_key = repr(static_key)
        # an object's default repr holds its address, different in every process: such keys are not stored
        self._directory = directory if " at 0x" not in self._static_key else None
        self._output_tree = output_tree
        self._compiled: dict = {}

    def __call__(self, *args):
        leaves, tree = jax.tree_util.tree_flatten(args)
        signature = (tree, *[(leaf.shape, leaf.dtype) for leaf in leaves])
        entry = self._compiled.get(signature)
        if entry is None:
            entry = self._compiled[signature] = self._prepare(args, leaves, tree, signature)
        compiled, out_tree = entry
        return jax.tree_util.tree_unflatten(out_tree, compiled(leaves))

    def _prepare(self, args, leaves, tree, signature):
        PREPARED[self._name] += 1
        out_tree = jax.tree_util.tree_structure(self._output_tree(args))
        types = [jax.ShapeDtypeStruct(leaf.shape, leaf.dtype) for leaf in leaves]
        path = self._path(signature)
        exported = _read(path) if path is not None else None
        if exported is not None and not _fits(exported, types, out_tree):
            exported = None  # not the program this key stands for (a hand-copied file): traced again
        if exported is None:
            exported = self._export(tree, types, out_tree)
            if path is not None:
                _write(path, exported)
        with _without_lapack_setup():
            lowered = jax.jit(exported.call).lower(types)
        # compiled ahead of time, once: a jit would compile again when NumPy arguments turn into device arrays
        return lowered.compile(), out_tree

    def _export(self, tree, types, out_tree):
        function, traced_trees = self._function, []

        def flat(leaves):
            result = function(*jax.tree_util.tree_unflatten(tree, leaves))
            traced_trees.append(jax.tree_util.tree_structure(result))
            return jax.tree_util.tree_leaves(result)

        exported = jax.export.export(jax.jit(flat))(types)
        if traced_trees[0] != out_tree:
            raise RuntimeError(
                f"{self._name}: output_tree promised {out_tree}, the function returned "
                f"{traced_trees[0]}. Fix the output_tree given to StoredFunction."
            )
        return exported

    def _path(self, signature) -> Path | None:
        if self._directory is None:
            return None
        key = f"{self._name}\n{self._static_key}\n{signature}\n{_environment()}\n{_source_digest()}"
        return Path(self._directory) / f"{self._name}-{hashlib.sha256(key.encode()).hexdigest()[:40]}{_SUFFIX}"


def _fits(exported, types, out_tree) -> bool:
    return [(a.shape, a.dtype) for a in exported.in_avals] == [(t.shape, t.dtype) for t in types] and len(
        exported.out_avals
    ) == out_tree.num_leaves


_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_lapack_setup():
    """Lowering an exported program for the CPU sets up LAPACK first, which imports scipy.linalg (0.25 s, as long
    as the rest of a first fit). The engine's programs call no LAPACK routine, so the setup is skipped while
    they are lowered (under a lock, so that the original is always put back); where JAX has no such step,
    nothing is changed."""
    from jax._src.export import _export

    with _PATCH_LOCK:
        setup = getattr(_export, "_ensure_backends_initialized", None)
        if setup is None:
            yield
            return
        _export._ensure_backends_initialized = lambda *args, **kwargs: None
        try:
            yield
        finally:
            _export._ensure_backends_initialized = setup


def _read(path: Path):
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        return jax.export.deserialize(bytearray(blob))
    except Exception:  # a truncated or foreign file is traced again and overwritten
        return None


def _write(path: Path, exported) -> None:
    # a read-only cache, or a JAX without its serialization package (flatbuffers), must not stop training
    with contextlib.suppress(OSError, ImportError):
        os.makedirs(path.parent, exist_ok=True)
        with atomic_output(path) as handle:
            handle.write(exported.serialize())
