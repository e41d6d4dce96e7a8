"""What a short command spends outside its work: loading the libraries, and Python's teardown at exit.

Measured on `twoclass train titanic.csv` (2 cores, warm compilation cache; BENCHMARKS.md's accuracy section):

- While scikit-learn, pandas, SciPy and JAX load, Python's cyclic garbage collector runs hundreds of times over the
  growing heap of module objects, none of which is garbage: 0.3 s of the 1.8 s of imports. `imports_uncollected`
  switches it off for the imports, then freezes what they made (in the console script: it lives until exit) and
  switches it back on.
- After the command, Python tears down every module and object one by one before the process ends (0.5 s with
  JAX and SciPy loaded, most of it one more collection; 0.1-0.2 s when the imports were frozen).
  `exit_without_teardown` does what the ordinary exit does first (waits for threads, runs the exit hooks, flushes
  the output) and then ends the process at once.

Neither changes what a command computes or writes.

Example:
    >>> with imports_uncollected():
    ...     import json
    >>> gc.isenabled()
    True
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Iterator
from typing import NoReturn

_CONSOLE_SCRIPT: list[bool] = []  # set by the console script: this process ends when its command does


def console_script() -> None:
    """Say that this process is the console script's (`twoclass.cli.main`), not a caller's that runs the app."""
    _CONSOLE_SCRIPT.append(True)


@contextlib.contextmanager
def imports_uncollected() -> Iterator[None]:
    """No cyclic garbage collection while the block imports, then collection on again for the command's work.

    In the console script's process the objects made so far are also frozen: left out of every later collection
    (modules, classes and functions stay until exit anyway), 0.15-0.2 s less during a fit. A test or a notebook that
    runs the app in its own process keeps all its objects collectable."""
    if not gc.isenabled():  # someone else decided: leave it as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _CONSOLE_SCRIPT:
            gc.freeze()
        gc.enable()


def exit_without_teardown(code: int) -> NoReturn:
    """End the process with ``code`` as Python's exit would, without tearing down the interpreter: the threads
    Python would wait for are waited for (if any, the ordinary exit is taken), the exit hooks run (logging,
    temporary folders, coverage), the standard streams are flushed, then the process ends.

    Only for the console script's last step: it ends the process even when called from a test.
    """
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    run_hooks = getattr(atexit, "_run_exitfuncs", None)
    if others or run_hooks is None or hasattr(sys, "ps1"):  # threads to wait for, another Python, or interactive
        raise SystemExit(code)
    run_hooks()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)
