"""Issue 17, part 2: cases that printed raw tracebacks now print one line and exit non-zero.

OSError at the command's edge (a read-only folder, a directory where a file goes, a parent that is a file, a name
too long, a full disk), a deeply nested or huge twoclass.json, pandas string columns in the Keras-style fit, callback
names instead of callback objects, and SIGINT while `twoclass train` saves or `twoclass predict` writes.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hardening.hardening_support import (
    INTERRUPTIBLE,
    JSON_FILE,
    assert_no_raw_python,
    assert_one_line_error,
    cli,
    copy_model,
    entry_point,
    files_of,
    run_cli,
    small_network,
    train_command,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# ------------------------------------------------------------------------------------------------ OSError at the edge


def _command(kind: str, saved_model, data_csv, out: Path) -> list:
    if kind == "train":
        return train_command(data_csv, out)
    if kind == "predict":
        return ["predict", saved_model["dir"], data_csv, "--out", out]
    if kind == "evaluate":
        return ["evaluate", saved_model["dir"], data_csv, "--out", out]
    return ["evaluate", saved_model["dir"], data_csv, "--out", out.parent / "fine.html", "--json", out]


def _suffix(kind: str) -> str:
    return {"train": "", "predict": ".csv", "evaluate": ".html", "evaluate-json": ".json"}[kind]


KINDS = ["train", "predict", "evaluate", "evaluate-json"]


@pytest.mark.parametrize("kind", ["predict", "evaluate", "evaluate-json"])  # train's --out is a directory
def test_out_that_is_an_existing_directory(kind, saved_model, data_csv, tmp_path):
    out = tmp_path / f"folder{_suffix(kind)}"
    (out / "inside").mkdir(parents=True)
    line = assert_one_line_error(cli(*_command(kind, saved_model, data_csv, out)), str(out))
    assert "directory" in line.lower()
    assert (out / "inside").is_dir()


@pytest.mark.parametrize("kind", KINDS)
def test_out_whose_parent_is_a_file(kind, saved_model, data_csv, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    out = blocker / f"sub{_suffix(kind)}"
    line = assert_one_line_error(cli(*_command(kind, saved_model, data_csv, out)), "blocker")
    assert "not a directory" in line.lower() or "is a file" in line.lower()
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize("kind", KINDS)
def test_out_with_a_name_too_long(kind, saved_model, data_csv, tmp_path):
    out = tmp_path / ("n" * 300 + _suffix(kind))
    line = assert_one_line_error(cli(*_command(kind, saved_model, data_csv, out)))
    assert "too long" in line.lower()


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder no one may write in: chmod for a normal user; root writes anywhere, so sysfs stands in."""
    if not IS_ROOT:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if not os.path.isdir("/sys/kernel") or os.access("/sys", os.W_OK) and _writable("/sys"):
        pytest.skip("running as root without a read-only folder to write into")
    return Path("/sys")


def _writable(folder: str) -> bool:
    try:
        with open(os.path.join(folder, ".twoclass-probe"), "w"):
            pass
    except OSError:
        return False
    os.remove(os.path.join(folder, ".twoclass-probe"))
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_out_in_a_read_only_folder(kind, saved_model, data_csv, tmp_path):
    folder = _read_only_folder(tmp_path)
    out = folder / f"twoclass-out{_suffix(kind)}"
    try:
        line = assert_one_line_error(cli(*_command(kind, saved_model, data_csv, out)), str(folder))
    finally:
        if not IS_ROOT:
            folder.chmod(0o755)
    assert any(reason in line.lower() for reason in ("permission denied", "not permitted", "read-only")), line


@pytest.mark.parametrize("kind", ["train", "predict", "evaluate-json"])
def test_a_full_disk_is_one_line_and_leaves_the_old_output(kind, saved_model, data_csv, tmp_path, monkeypatch):
    """ENOSPC when the written file is flushed: one line naming the path, the old output as it was, no temp files."""
    out = tmp_path / f"out{_suffix(kind)}"
    first = cli(*_command(kind, saved_model, data_csv, out))
    assert first.exit_code == 0, (first.stdout, first.stderr)
    before = files_of(tmp_path)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    line = assert_one_line_error(cli(*_command(kind, saved_model, data_csv, out)))
    monkeypatch.undo()
    assert "no space left" in line.lower()
    assert out.name in line or (kind == "evaluate-json" and "fine.html" in line), line  # the file that failed
    assert files_of(tmp_path) == before


# ------------------------------------------------------------------------------------------------ nested / huge JSON


def _nested_json(model: Path, depth: int = 100_000) -> None:
    (model / JSON_FILE).write_text(
        '{"format": "twoclass-model", "format_version": 1, "kind": "classifier", '
        '"architecture": ' + "[" * depth + "]" * depth + "}",
        encoding="utf-8",
    )


def test_deeply_nested_json_is_a_clear_error(saved_model, data_csv, tmp_path):
    from twoclass import inference, io

    model = copy_model(saved_model["dir"], tmp_path / "model")
    _nested_json(model)
    for load in (io.load, inference.load):
        with pytest.raises(ValueError, match=r"(?i)nest") as error:
            load(model)
        assert JSON_FILE in str(error.value)
    for args in (["inspect", model], ["predict", model, data_csv, "--out", tmp_path / "p.csv"]):
        assert_one_line_error(cli(*args), JSON_FILE)


def test_a_huge_json_is_refused_before_it_is_read(saved_model, tmp_path):
    """80 MiB of JSON (sparse on disk) is refused by its size, without reading it into memory."""
    from twoclass import inference

    model = copy_model(saved_model["dir"], tmp_path / "model")
    with open(model / JSON_FILE, "r+b") as handle:
        handle.truncate(80 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"(?i)too large|size|MiB|MB") as error:
            inference.load(model)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert JSON_FILE in str(error.value)
    assert peak < 16 * 1024 * 1024, peak


# ------------------------------------------------------------------------------------------------ Keras-style fit


@pytest.mark.parametrize("dtype", ["string", "str", "category", "datetime64[ns]", "object-words"])
def test_keras_fit_names_a_column_it_cannot_use(dtype):
    n = 20
    frame = pd.DataFrame({"x": np.linspace(-1, 1, n)})
    if dtype == "datetime64[ns]":
        frame["when"] = pd.date_range("2021-01-01", periods=n)
    elif dtype == "object-words":
        frame["when"] = pd.Series(["a", "b"] * (n // 2), dtype=object)
    else:
        frame["when"] = pd.Series(["a", "b"] * (n // 2), dtype=dtype)
    model = small_network()
    with pytest.raises((TypeError, ValueError), match="'when'") as error:
        model.fit(frame, np.arange(n) % 2, epochs=1, verbose=0)
    assert "x" in str(error.value)  # names the argument


@pytest.mark.parametrize(
    "callbacks, fragment",
    [
        (["early_stopping"], "'early_stopping'"),
        ("early_stopping", "'early_stopping'"),
        ([42], "42"),
    ],
)
def test_keras_fit_refuses_callback_names(callbacks, fragment):
    model = small_network()
    x, y = np.zeros((8, 2), np.float32), np.arange(8) % 2
    with pytest.raises(TypeError, match="'callbacks'") as error:
        model.fit(x, y, epochs=1, verbose=0, callbacks=callbacks)
    assert fragment in str(error.value)


def test_keras_fit_refuses_a_callback_class_and_suggests_an_instance():
    from twoclass.callbacks import EarlyStopping

    model = small_network()
    with pytest.raises(TypeError, match=r"'callbacks'.*EarlyStopping\(\)"):
        model.fit(np.zeros((8, 2), np.float32), np.arange(8) % 2, epochs=1, verbose=0, callbacks=[EarlyStopping])


def test_keras_fit_still_takes_callback_objects():
    from twoclass.callbacks import EarlyStopping

    model = small_network()
    history = model.fit(
        np.random.default_rng(0).normal(size=(16, 2)),
        np.arange(16) % 2,
        epochs=3,
        verbose=0,
        callbacks=[EarlyStopping(monitor="loss", patience=1)],
        validation_split=0.25,
    )
    assert len(history.history["loss"]) >= 1


# ------------------------------------------------------------------------------------------------ SIGINT

_SIGINT_AT_SAVE = """
import os, signal
_fsync, _calls = os.fsync, []
def _fsync_then_interrupt(fd):
    _calls.append(fd)
    _fsync(fd)
    if len(_calls) == 1:            # the first flush of the new model's files: the save is under way
        os.kill(os.getpid(), signal.SIGINT)
os.fsync = _fsync_then_interrupt
"""

_SECOND_SIGINT_AT_EXIT = """
import atexit, os, signal
atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))  # registered first, so it runs last at exit
"""


def _check_interrupted(result, kept: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 130, (result.returncode, output)
    assert_no_raw_python(output)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "nterrupted" in lines[0] and "unchanged" in lines[0] and kept in lines[0], lines[0]


def test_sigint_while_train_saves_keeps_the_old_model(saved_model, data_csv, tmp_path):
    """Ctrl-C while the new model is written, and again while the process exits (its exit hooks run)."""
    model = copy_model(saved_model["dir"], tmp_path / "model")
    before = files_of(tmp_path)
    prelude = _SECOND_SIGINT_AT_EXIT + _SIGINT_AT_SAVE
    result = run_cli(*train_command(data_csv, model, hidden=3), prelude=prelude)
    _check_interrupted(result, "model")
    assert files_of(tmp_path) == before  # the old model byte for byte, and no temporary folder left


def test_sigint_while_predict_writes_keeps_the_old_output(saved_model, tmp_path):
    data = tmp_path / "rows.csv"
    saved_model["features"].to_csv(data, index=False)
    out = tmp_path / "predictions.csv"
    out.write_text("old predictions\n")
    before = files_of(tmp_path)
    prelude = """
import os, signal, pandas
_to_csv, _calls = pandas.DataFrame.to_csv, []
def _to_csv_then_interrupt(self, *args, **kwargs):
    _calls.append(1)
    result = _to_csv(self, *args, **kwargs)
    if len(_calls) == 2:             # the second chunk has been written to the temporary file
        os.kill(os.getpid(), signal.SIGINT)
    return result
pandas.DataFrame.to_csv = _to_csv_then_interrupt
"""
    result = run_cli("predict", saved_model["dir"], data, "--out", out, "--chunksize", "10", prelude=prelude)
    _check_interrupted(result, "predictions.csv")
    assert files_of(tmp_path) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_from_another_process_while_train_fits(data_csv, tmp_path):
    """A real Ctrl-C from outside, sent while the estimator fits (held there until the signal comes)."""
    import subprocess

    prelude = """
import sys, time
from twoclass import sklearn as _faces
_fit = _faces.TwoClassClassifier.fit
def _fit_slowly(self, *args, **kwargs):
    print("FITTING", flush=True)
    time.sleep(120)
    return _fit(self, *args, **kwargs)
_faces.TwoClassClassifier.fit = _fit_slowly
"""
    code = (
        INTERRUPTIBLE
        + prelude
        + entry_point(
            ["train", str(data_csv), "--target", "label", "--out", str(tmp_path / "m"), "--epochs", "2", "--quiet"]
        )
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if "FITTING" in line:
                break
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, (process.returncode, stderr)
    assert_no_raw_python(stdout + stderr)
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "nterrupted" in lines[0], stderr
    assert list(tmp_path.iterdir()) == []
