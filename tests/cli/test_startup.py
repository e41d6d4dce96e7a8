"""The console script's start and end (`twoclass.cli.startup`): it ends without Python's teardown, but as the ordinary
exit would for everything a caller can see (exit code, flushed output, exit hooks, threads still writing)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd

from twoclass.cli import startup
from twoclass.cli.startup import imports_uncollected


def _run_console_script(prelude: str, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    code = (
        textwrap.dedent(prelude)
        + f"\nsys.argv = ['twoclass', *{list(argv)!r}]\nfrom twoclass.cli import main\nmain()\n"
    )
    # Output to a pipe is block-buffered, as for a user's `twoclass train ... | tee log`, unless this is set
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"} | (env or {})
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False, env=environment
    )


def test_the_exit_code_output_and_exit_hooks_are_kept(tmp_path):
    # Without the flush, the buffered output would be lost at os._exit.
    prelude = """
        import atexit, sys
        atexit.register(lambda: print("exit hook ran"))
        print("buffered before the command")
    """
    failed = _run_console_script(prelude, "inspect", str(tmp_path / "missing"))
    assert failed.returncode == 2, failed.stderr
    assert failed.stderr.startswith("Error: ") and "Traceback" not in failed.stderr
    assert failed.stdout.splitlines() == ["buffered before the command", "exit hook ran"]

    helped = _run_console_script(prelude, "inspect", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "Describe a saved model" in helped.stdout and helped.stdout.endswith("exit hook ran\n")


def test_a_thread_still_working_is_waited_for(tmp_path):
    # A non-daemon thread still running at the end: Python's exit waits for it, and so must this one.
    marker = tmp_path / "written-late"
    prelude = f"""
        import sys, threading, time
        def late():
            time.sleep(1.0)
            open({str(marker)!r}, "w").write("done")
        threading.Thread(target=late).start()
    """
    done = _run_console_script(prelude, "inspect", "--help")
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "done"


def test_imports_run_without_collection_and_collection_comes_back(monkeypatch):
    # Run by a caller in its own process (this test, a notebook): nothing is frozen, every object stays collectable.
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with imports_uncollected():
        inside = gc.isenabled()
    assert not inside and gc.isenabled() and gc.get_freeze_count() == frozen

    # In the console script's process, what the imports made is frozen (left out of later collections).
    monkeypatch.setattr(startup, "_CONSOLE_SCRIPT", [True])
    try:
        with imports_uncollected():
            made = [[] for _ in range(10)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()  # this test process goes on: leave its objects collectable

    gc.disable()
    try:
        with imports_uncollected():  # switched off by someone else: left off, nothing frozen
            pass
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_repeated_train_loads_its_program_in_the_background_and_saves_the_same_model(tmp_path):
    # The first run notes the program it used (`WarmStart`); the second loads it while the libraries import and
    # takes it instead of reading it; a third on many more columns finds the noted program wrong and trains as before.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=120).round(3), "b": rng.normal(size=120).round(3)})
    frame["colour"] = rng.choice(["red", "blue"], size=120)
    frame["y"] = (frame["a"] + frame["b"] > 0).astype(int)
    frame.to_csv(tmp_path / "data.csv", index=False)
    prelude = """
        import atexit, json, sys
        def report():
            from twoclass.engine import stored
            counts = stored.PREPARED["fit_and_train"], stored.PRELOADED["fit_and_train"]
            print(json.dumps(dict(zip(("prepared", "preloaded"), counts))))
        atexit.register(report)
    """
    env = {"TWOCLASS_CACHE_DIR": str(tmp_path / "cache")}

    def train(out: str, *more: str) -> dict:
        done = _run_console_script(
            prelude,
            "train",
            str(tmp_path / "data.csv"),
            "--target",
            "y",
            "--out",
            str(tmp_path / out),
            "--quiet",
            *more,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    first, second = train("m1"), train("m2")
    assert first == {"prepared": 1, "preloaded": 0} and second == {"prepared": 1, "preloaded": 1}
    assert (tmp_path / "m1" / "weights.safetensors").read_bytes() == (
        tmp_path / "m2" / "weights.safetensors"
    ).read_bytes()
    wider = frame.assign(**{f"x{i}": rng.normal(size=120).round(3) for i in range(60)})  # another program's shapes
    wider.to_csv(tmp_path / "data.csv", index=False)
    assert train("m3") == {"prepared": 1, "preloaded": 0}
