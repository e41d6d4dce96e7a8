"""Issue 17, part 4: never lose a model.

Fault injection at every step of a save: each call the save makes to os.rename / os.replace / os.fsync / os.unlink /
os.remove / os.rmdir / os.mkdir / os.symlink / os.link is, in turn, the moment of a kill. At that moment the folder
is copied as it stands on disk (what a SIGKILL or a power cut would leave; before the call and again after it), and
the save is abandoned without running its own clean-up. In every copy the model at the path must load as the old
model or the new one, never nothing; the next save must leave no `.model.tmp-*` or backup folder behind. One real
SIGKILL in a separate process checks the same from outside.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from hardening.hardening_support import (
    JSON_FILE,
    WEIGHTS_FILE,
    cli,
    copy_model,
    files_of,
    make_frame,
    run_cli,
    small_classifier,
    train_command,
)

_OPERATIONS = ("rename", "replace", "fsync", "unlink", "remove", "rmdir", "mkdir", "symlink", "link")


class Killed(BaseException):
    """Stands for SIGKILL: derives from BaseException, and the snapshot is taken before any handler runs."""


class KillSwitch:
    """Wraps the os functions a save uses; at call number `at` ('before' or 'after' the real call) it copies the
    parent folder to a snapshot and raises Killed."""

    def __init__(self, monkeypatch, parent: Path, at: int | None, when: str, snapshot: Path):
        self.calls: list[tuple[str, tuple]] = []
        self.parent, self.at, self.when, self.snapshot = parent, at, when, snapshot
        self.fired = False
        for name in _OPERATIONS:
            if hasattr(os, name):
                monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def _wrap(self, name, real):
        def wrapped(*args, **kwargs):
            index = len(self.calls)
            self.calls.append((name, args))
            if index == self.at and self.when == "before":
                self._fire()
            try:
                return real(*args, **kwargs)
            finally:  # also after a call that failed (os.makedirs tries os.mkdir on a folder that exists)
                if index == self.at and self.when == "after":
                    self._fire()

        return wrapped

    def _fire(self) -> None:
        self.fired = True
        shutil.copytree(self.parent, self.snapshot, symlinks=True)
        raise Killed


@pytest.fixture(scope="module")
def two_models():
    """Two fitted classifiers whose probabilities differ, and the rows to tell them apart."""
    frame = make_frame(100)
    features, labels = frame.drop(columns="label"), frame["label"]
    old = small_classifier(random_state=1).fit(features, labels)
    new = small_classifier(random_state=2, hidden_layer_sizes=(3,)).fit(features, labels)
    rows = features.head(20)
    assert not np.allclose(old.predict_proba(rows), new.predict_proba(rows))
    return {"old": old, "new": new, "rows": rows}


def _identify(model_dir: Path, two_models) -> str:
    """'old', 'new' or 'missing': which model a path loads as (through the NumPy path, as a server would)."""
    from twoclass import inference

    try:
        predictor = inference.load(model_dir)
    except FileNotFoundError:
        return "missing"
    proba = predictor.predict_proba(two_models["rows"])
    for name in ("old", "new"):
        if np.allclose(proba, two_models[name].predict_proba(two_models["rows"]), atol=1e-5):
            return name
    raise AssertionError(f"{model_dir} loads as neither the old nor the new model")


def _count_steps(monkeypatch, tmp_path: Path, two_models, existing: bool) -> int:
    parent = tmp_path / "count"
    parent.mkdir()
    if existing:
        two_models["old"].save(parent / "model")
    with monkeypatch.context() as patch:
        switch = KillSwitch(patch, parent, None, "never", tmp_path / "unused")
        two_models["new"].save(parent / "model")
    assert switch.calls, "the save made no rename/fsync calls to inject faults at"
    return len(switch.calls)


@pytest.mark.parametrize("existing", [True, False], ids=["replace-existing", "new-path"])
def test_a_kill_at_every_step_of_a_save_never_loses_the_model(monkeypatch, tmp_path, two_models, existing):
    steps = _count_steps(monkeypatch, tmp_path, two_models, existing)
    seen = []
    for at in range(steps):
        for when in ("before", "after"):
            case = tmp_path / f"case-{at}-{when}"
            parent, snapshot = case / "work", case / "disk"
            parent.mkdir(parents=True)
            (parent / "notes.txt").write_text("a file of the user's beside the model")
            if existing:
                two_models["old"].save(parent / "model")
            with monkeypatch.context() as patch:
                switch = KillSwitch(patch, parent, at, when, snapshot)
                with pytest.raises(Killed):
                    two_models["new"].save(parent / "model")
            assert switch.fired
            found = _identify(snapshot / "model", two_models)
            seen.append(found)
            assert found in (("old", "new") if existing else ("missing", "new")), (at, when, switch.calls[at])
            # the next save recovers and tidies up: only the model and the user's file remain
            two_models["new"].save(snapshot / "model")
            assert sorted(p.name for p in snapshot.iterdir()) == ["model", "notes.txt"], (at, when)
            assert _identify(snapshot / "model", two_models) == "new"
            assert (snapshot / "notes.txt").read_text() == "a file of the user's beside the model"
            assert sorted(p.name for p in (snapshot / "model").iterdir()) == [JSON_FILE, WEIGHTS_FILE]
    assert "new" in seen


def test_a_load_after_a_kill_between_the_renames_finds_a_model(monkeypatch, tmp_path, two_models):
    """Whatever step leaves the path without a model folder, loading it (io.load too) still finds one."""
    from twoclass import io

    steps = _count_steps(monkeypatch, tmp_path, two_models, True)
    for at in range(steps):
        parent, snapshot = tmp_path / f"w{at}", tmp_path / f"d{at}"
        parent.mkdir()
        two_models["old"].save(parent / "model")
        with monkeypatch.context() as patch:
            KillSwitch(patch, parent, at, "after", snapshot)
            with pytest.raises(Killed):
                two_models["new"].save(parent / "model")
        loaded = io.load(snapshot / "model")
        proba = loaded.predict_proba(two_models["rows"])
        assert any(np.array_equal(proba, two_models[k].predict_proba(two_models["rows"])) for k in ("old", "new"))


def test_an_interrupted_save_cleans_up_after_itself(tmp_path, two_models, monkeypatch):
    """An exception (not a kill) in the middle of a save: old model intact, nothing left behind."""
    parent = tmp_path / "work"
    parent.mkdir()
    two_models["old"].save(parent / "model")
    before = files_of(parent)
    calls = []
    real = os.fsync

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        two_models["new"].save(parent / "model")
    monkeypatch.undo()
    assert files_of(parent) == before
    assert sorted(p.name for p in parent.iterdir()) == ["model"]


def test_saving_refuses_to_delete_files_twoclass_did_not_write(tmp_path, two_models):
    model = tmp_path / "model"
    two_models["old"].save(model)
    (model / "my-notes.txt").write_text("mine")
    before = files_of(tmp_path)
    with pytest.raises(ValueError, match="my-notes.txt"):
        two_models["new"].save(model)
    assert files_of(tmp_path) == before


def test_a_real_sigkill_during_the_swap_then_the_next_save_recovers(tmp_path, data_csv, saved_model):
    """A separate `twoclass train` process killed by SIGKILL right after its first rename next to --out."""
    model = copy_model(saved_model["dir"], tmp_path / "model")
    prelude = """
import os, signal
_rename, _replace = os.rename, os.replace
def _kill_after(real):
    def wrapped(src, dst, *args, **kwargs):
        real(src, dst, *args, **kwargs)
        if 'model' in os.path.basename(str(src)) or 'model' in os.path.basename(str(dst)):
            os.kill(os.getpid(), signal.SIGKILL)
    return wrapped
os.rename, os.replace = _kill_after(_rename), _kill_after(_replace)
"""
    result = run_cli(*train_command(data_csv, model, hidden=3), prelude=prelude)
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)
    from twoclass import inference

    predictor = inference.load(model)  # the old model or the new one, never nothing
    assert np.isfinite(predictor.predict_proba(saved_model["features"])).all()
    again = cli(*train_command(data_csv, model, hidden=3))  # in this process: the killed one is gone
    assert again.exit_code == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
