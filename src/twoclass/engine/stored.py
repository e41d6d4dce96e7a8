"""Compiled functions whose lowered program is kept on disk, so that a new process skips tracing it.

JAX's persistent compilation cache skips XLA's compilation, but every new process still traces the Python function
and lowers it to StableHLO before it can look the executable up: for the training chunk that is 0.3-0.4 s, most of
a first fit with a warm cache. `jax.export` serializes the lowered program; a later process reads it back in a few
milliseconds, and compiling the call of it is a hit in the persistent cache.

A stored program is keyed by everything that decides what tracing would produce: the function's name and static
key (a `Plan`), the arguments' tree and shapes, the versions of JAX and jaxlib, the backend, and a digest of
twoclass's own source, so that an edited engine never runs an old program.

Reading an executable back from the persistent cache still takes 0.15 s (XLA links its machine code again), and a
command learns the shapes of its program only after it has loaded pandas and scikit-learn and prepared the data.
`WarmStart` lets a command that ran before start that load in a background thread as soon as JAX is imported:
XLA's part runs outside Python's lock, so it overlaps with the libraries' import on a second core.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import functools
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import jax

from twoclass.core.files import atomic_output

_SUFFIX = ".jaxexport"
PREPARED: collections.Counter = collections.Counter()  # programs traced or loaded in this process, by name
PRELOADED: collections.Counter = collections.Counter()  # of those, how many a `preload` had ready, by name
_USED: list[Path] = []  # the program files this process prepared, in order
_PRELOADS: dict[Path, concurrent.futures.Future] = {}  # program file -> its `Ready` program, loading or loaded


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


# XLA maps each executable's machine code into the process in some tens of memory regions, and Linux refuses a
# process more than vm.max_map_count of them (65,530 by default): past it, loading the next program crashes the
# process inside XLA. A process that compiles programs of many shapes (a long test session, a playground server
# trying architecture after architecture) gets there; measured: a test worker reached 64,000 regions after some
# hundreds of tests. Past this many regions, the compiled programs held are let go before a new one is prepared.
MAX_MEMORY_MAPS = 40_000
_PROGRAM_CACHES: list = []  # every `program_cache`, for `forget_compiled`


def program_cache(factory: Callable) -> Callable:
    """`functools.cache` for a function that makes a compiled function (a `StoredFunction`, a jitted one) from a
    plan, safe across threads: two threads asking for the same plan at once (the recipe's two views,
    `twoclass.estimator.recipe`) get the same object, so its program is read or traced once. ``cache_info`` as
    functools'; `forget_compiled` empties every such cache."""
    cached = functools.cache(factory)
    lock = threading.Lock()

    @functools.wraps(factory)
    def get(*key, **named):
        with lock:
            return cached(*key, **named)

    def cache_clear() -> None:
        with lock:
            cached.cache_clear()

    get.cache_info = cached.cache_info  # type: ignore[attr-defined]
    get.cache_clear = cache_clear  # type: ignore[attr-defined]
    _PROGRAM_CACHES.append(get)
    return get


def memory_maps() -> int:
    """How many memory regions this process has mapped (the lines of Linux's /proc/self/maps); 0 where the system
    does not say (no such limit is known there)."""
    try:
        with open("/proc/self/maps", "rb") as maps:
            return maps.read().count(b"\n")
    except OSError:
        return 0


def forget_compiled() -> None:
    """Let go of every compiled program this process holds, twoclass's (`program_cache`) and JAX's own
    (`jax.clear_caches`), so that their machine code is unmapped once no caller holds them; each is loaded again
    from the persistent caches (a few hundredths of a second) when next called."""
    for cache in _PROGRAM_CACHES:
        cache.cache_clear()
    jax.clear_caches()


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
        # threads that need the same new program (the recipe's two views) prepare it once: one waits for the other
        self._preparing = threading.Lock()

    def __call__(self, *args):
        leaves, tree = jax.tree_util.tree_flatten(args)
        signature = (tree, *[(leaf.shape, leaf.dtype) for leaf in leaves])
        entry = self._compiled.get(signature)
        if entry is None:
            with self._preparing:
                entry = self._compiled.get(signature)
                if entry is None:
                    entry = self._compiled[signature] = self._prepare(args, leaves, tree, signature)
        compiled, out_tree = entry
        return jax.tree_util.tree_unflatten(out_tree, compiled(leaves))

    def _prepare(self, args, leaves, tree, signature):
        PREPARED[self._name] += 1
        if memory_maps() > MAX_MEMORY_MAPS:  # near the kernel's limit: the programs held so far go first
            forget_compiled()
        out_tree = jax.tree_util.tree_structure(self._output_tree(args))
        types = [jax.ShapeDtypeStruct(leaf.shape, leaf.dtype) for leaf in leaves]
        path = self._path(signature)
        if path is None:
            return _compile(self._export(tree, types, out_tree), types), out_tree
        _USED.append(path)
        ready = _take_preloaded(path)
        if ready is not None and _fits(ready.exported, types, out_tree):
            PRELOADED[self._name] += 1
            return ready.compiled, out_tree
        exported = _read(path)
        if exported is not None and not _fits(exported, types, out_tree):
            exported = None  # not the program this key stands for (a hand-copied file): traced again
        if exported is None:
            exported = self._export(tree, types, out_tree)
            _write(path, exported)
        return _compile(exported, types), out_tree

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


def _compile(exported, types):
    with _without_lapack_setup():
        lowered = jax.jit(exported.call).lower(types)
    # compiled ahead of time, once: a jit would compile again when NumPy arguments turn into device arrays
    return lowered.compile()


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


class Ready(NamedTuple):
    """A stored program read back and compiled ahead of its first call."""

    compiled: Any
    exported: Any


def _load(path: Path) -> Ready:
    exported = _read(path)
    if exported is None:
        raise FileNotFoundError(path)
    return Ready(_compile(exported, [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in exported.in_avals]), exported)


def _take_preloaded(path: Path) -> Ready | None:
    future = _PRELOADS.pop(path, None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception:  # gone or damaged since the last run: read (or traced) as if never preloaded
        return None


def preload(paths: Iterable[Path]) -> threading.Thread | None:
    """Read and compile the stored programs at `paths` in a background thread, for `StoredFunction`s of this
    process to take when they need them (a call that comes first waits for its program). A path that no
    longer exists or holds no program is skipped; the call that needs it then proceeds as without a preload.

    Example:
        >>> preload([]) is None
        True
    """
    # the thread keeps its own (path, future) pairs: a caller may take a future out of _PRELOADS before the thread
    # reaches it, and then waits on it
    pending = []
    for path in paths:
        if path not in _PRELOADS:
            _PRELOADS[path] = concurrent.futures.Future()
            pending.append((path, _PRELOADS[path]))
    if not pending:
        return None

    def run() -> None:
        _source_digest()  # part of every program's key: its files are read and hashed mostly outside Python's lock
        for path, future in pending:
            try:
                future.set_result(_load(path))
            except BaseException as error:  # kept for the caller, which falls back to reading the file itself
                future.set_exception(error)

    thread = threading.Thread(target=run, name="twoclass-preload", daemon=True)
    thread.start()
    return thread


_PROGRAM_NAME = re.compile(r"[\w.-]+" + re.escape(_SUFFIX))
_MAX_NOTES = 256  # commands remembered; the least recently written go first


class WarmStart:
    """Within the block, the stored programs that the last run of the same command used (`key`: the command and
    its arguments) are loaded in the background; at its end, the programs this run used are remembered for the
    next one. Results never depend on it: a preloaded program is used only where `StoredFunction` would have read
    the same file, and a wrong or stale note only costs the background thread's work. `notes=None` or
    `programs=None` (no compilation cache) does nothing.

    Example:
        >>> with WarmStart("train titanic.csv --target Survived", notes=None, programs=None):
        ...     pass
    """

    def __init__(self, key: str, notes: str | os.PathLike | None, programs: str | os.PathLike | None):
        if notes is None or programs is None:
            self._note = self._programs = None
        else:
            self._note = Path(notes) / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.json"
            self._programs = Path(programs)
        self._thread: threading.Thread | None = None
        self._preloading: list[Path] = []
        self._first_used = 0

    def __enter__(self) -> WarmStart:
        self._first_used = len(_USED)
        if self._note is not None:
            self._preloading = [self._programs / name for name in _read_note(self._note)]
            self._thread = preload(self._preloading)
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if self._thread is not None:  # a wrong note's loads end here, not while Python shuts down
            self._thread.join()
        for path in self._preloading:  # what this run did not use is not kept in memory
            _PRELOADS.pop(path, None)
        if error_type is not None or self._note is None:
            return
        used = [path.name for path in _USED[self._first_used :] if path.parent == self._programs]
        if used:
            _write_note(self._note, used)


def _read_note(path: Path) -> list[str]:
    try:
        names = json.loads(path.read_text(encoding="utf-8"))["programs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if not isinstance(names, list):
        return []
    return [name for name in names if isinstance(name, str) and _PROGRAM_NAME.fullmatch(name)]


def _write_note(path: Path, names: list[str]) -> None:
    with contextlib.suppress(OSError):  # a read-only cache must not fail the command that has done its work
        os.makedirs(path.parent, exist_ok=True)
        with atomic_output(path, "w", encoding="utf-8") as handle:
            json.dump({"programs": list(dict.fromkeys(names))}, handle)
        with os.scandir(path.parent) as listing:
            notes = [entry for entry in listing if entry.name.endswith(".json")]
        if len(notes) > _MAX_NOTES:
            for entry in sorted(notes, key=lambda entry: entry.stat().st_mtime_ns)[: len(notes) - _MAX_NOTES]:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(entry.path)
