"""Programs kept on disk (`engine/stored.py`): loaded instead of traced, identical results, never a stale one."""

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from twoclass.engine import stored as _stored
from twoclass.engine.stored import StoredFunction


class Pair(NamedTuple):
    weights: dict
    step: np.ndarray


def step_function(calls: list):
    def run(pair: Pair, x, extra):
        calls.append(1)  # runs only while tracing
        hidden = jnp.tanh(x @ pair.weights["kernel"] + pair.weights["bias"])
        new = Pair(
            {"kernel": pair.weights["kernel"] * 0.5, "bias": pair.weights["bias"] + hidden.mean()}, pair.step + 1
        )
        return new, hidden.sum(axis=1), extra

    return run


def arguments(rows: int = 5):
    rng = np.random.default_rng(0)
    pair = Pair({"kernel": rng.normal(size=(3, 4)).astype(np.float32), "bias": np.zeros(4, np.float32)}, np.int32(2))
    return pair, rng.normal(size=(rows, 3)).astype(np.float32), None


def stored(directory, calls, key="plan-a"):
    return StoredFunction(step_function(calls), "step", key, directory, output_tree=lambda args: (args[0], 0, args[2]))


@pytest.fixture(autouse=True)
def _own_preloads(monkeypatch):
    monkeypatch.setattr(_stored, "_PRELOADS", {})  # what a test preloads and leaves stays out of the next one


def program_files(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".jaxexport"))


def test_results_and_tree_equal_the_traced_function(tmp_path):
    args = arguments()
    got = stored(tmp_path, [])(*args)
    want = jax.jit(step_function([]))(*args)
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert isinstance(got[0], Pair) and got[2] is None


def test_a_new_process_loads_the_program_instead_of_tracing(tmp_path):
    args, calls = arguments(), []
    first = stored(tmp_path, calls)(*args)
    assert len(calls) == 1 and len(program_files(tmp_path)) == 1
    again = stored(tmp_path, calls)  # a fresh object has nothing in memory, as in a new process
    second = again(*args)
    assert len(calls) == 1, "the stored program was traced again"
    for a, b in zip(jax.tree_util.tree_leaves(first), jax.tree_util.tree_leaves(second)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    again(*arguments(rows=7))  # another shape: another program, traced once
    assert len(calls) == 2 and len(program_files(tmp_path)) == 2


def test_device_arrays_and_numpy_arguments_share_one_compilation(tmp_path, caplog):
    function = stored(tmp_path, [])
    args = arguments()
    device_x = jax.device_put(args[1])
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        out = function(*args)
        first = sum("Compiling" in record.getMessage() for record in caplog.records)
        function(out[0], device_x, None)  # the train state comes back as device arrays
        again = sum("Compiling" in record.getMessage() for record in caplog.records)
    assert first >= 1 and again == first, "device arrays compiled the program a second time"


def test_a_damaged_file_is_traced_again_and_replaced(tmp_path):
    args, calls = arguments(), []
    want = stored(tmp_path, calls)(*args)
    (path,) = program_files(tmp_path)
    (tmp_path / path).write_bytes(b"not a program")
    got = stored(tmp_path, calls)(*args)
    assert len(calls) == 2
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(want[1]))
    stored(tmp_path, calls)(*args)  # the rewritten file loads
    assert len(calls) == 2


def test_a_program_for_other_shapes_under_this_key_is_traced_again(tmp_path):
    calls = []
    stored(tmp_path / "a", calls)(*arguments(rows=5))
    stored(tmp_path / "b", calls)(*arguments(rows=7))
    (small,), (large,) = program_files(tmp_path / "a"), program_files(tmp_path / "b")
    (tmp_path / "b" / large).write_bytes((tmp_path / "a" / small).read_bytes())  # a valid program, wrong shapes
    got = stored(tmp_path / "b", calls)(*arguments(rows=7))
    assert len(calls) == 3
    assert np.asarray(got[1]).shape == (7,)


def test_edited_source_or_another_key_never_runs_an_old_program(tmp_path, monkeypatch):
    args, calls = arguments(), []
    stored(tmp_path, calls)(*args)
    stored(tmp_path, calls, key="plan-b")(*args)
    assert len(calls) == 2 and len(program_files(tmp_path)) == 2
    monkeypatch.setattr(_stored, "_source_digest", lambda: "edited")
    stored(tmp_path, calls)(*args)
    assert len(calls) == 3 and len(program_files(tmp_path)) == 3


def test_keys_holding_object_addresses_are_not_stored(tmp_path):
    calls = []
    stored(tmp_path, calls, key=(object(),))(*arguments())
    assert program_files(tmp_path) == []


def test_an_unwritable_directory_still_computes(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    got = stored(blocker / "programs", [])(*arguments())
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(jax.jit(step_function([]))(*arguments())[1]))


def test_without_jax_serialization_results_still_come_and_nothing_is_stored(tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("Please install 'flatbuffers' in order to use Exported serialization")

    monkeypatch.setattr(jax.export.Exported, "serialize", missing)
    monkeypatch.setattr(jax.export, "deserialize", missing)
    calls = []
    got = stored(tmp_path, calls)(*arguments())
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(jax.jit(step_function([]))(*arguments())[1]))
    assert program_files(tmp_path) == [] and len(calls) == 1


def test_a_wrong_output_tree_is_reported(tmp_path):
    function = StoredFunction(step_function([]), "step", "k", None, output_tree=lambda args: (0, 0))
    with pytest.raises(RuntimeError, match="output_tree promised"):
        function(*arguments())


_FIT_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from twoclass.engine import stored as _stored
    from twoclass.layers import Dense, Dropout
    from twoclass.models import Sequential
    from twoclass.utils import set_random_seed

    exports = []
    export = _stored.StoredFunction._export
    _stored.StoredFunction._export = lambda self, *a: exports.append(self._name) or export(self, *a)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2)).astype(np.float32)
    y = (np.hypot(x[:, 0], x[:, 1]) < 1).astype(np.float32)
    set_random_seed(3)
    model = Sequential([Dense(6, activation="tanh", input_shape=(2,)), Dropout(0.1), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0)
    out = {"weights": [w.tolist() for w in model.get_weights()], "loss": model.evaluate(x, y, verbose=0),
           "predictions": model.predict(x[:5], verbose=0).tolist(), "exports": exports,
           "scipy": "scipy" in sys.modules}  # lowering a stored program must not set up LAPACK (scipy, 0.25 s)
    print(json.dumps(out))
""")


def _fit_in_new_process(environment: dict) -> dict:
    env = {**os.environ, **environment}
    done = subprocess.run([sys.executable, "-c", _FIT_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_fit_in_a_new_process_loads_its_programs_and_gives_identical_weights(tmp_path):
    cache = {"TWOCLASS_CACHE_DIR": str(tmp_path / "cache")}
    traced = _fit_in_new_process(cache)
    loaded = _fit_in_new_process(cache)
    uncached = _fit_in_new_process({"TWOCLASS_NO_CACHE": "1"})
    assert sorted(set(traced["exports"])) == ["evaluate", "predict", "train"]
    assert loaded["exports"] == [], "a warm cache traced a program again"
    assert uncached["exports"] == traced["exports"]
    assert not any(run["scipy"] for run in (traced, loaded, uncached))
    for other in (loaded, uncached):
        for key in ("weights", "loss", "predictions"):
            assert other[key] == traced[key], key


def test_a_preloaded_program_is_taken_instead_of_read_and_gives_the_same_results(tmp_path, monkeypatch):
    args, calls = arguments(), []
    want = stored(tmp_path, calls)(*args)
    (name,) = program_files(tmp_path)
    reads = []
    read = _stored._read
    monkeypatch.setattr(_stored, "_read", lambda path: reads.append(path) or read(path))
    _stored.preload([tmp_path / name]).join()
    assert len(reads) == 1
    before = _stored.PRELOADED["step"]
    got = stored(tmp_path, calls)(*args)  # a fresh object, as in the command's next run
    assert _stored.PRELOADED["step"] == before + 1 and len(reads) == 1 and len(calls) == 1
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_preload_of_a_missing_damaged_or_other_program_changes_nothing(tmp_path):
    calls = []
    want = stored(tmp_path / "a", calls)(*arguments())
    stored(tmp_path / "b", calls)(*arguments(rows=7))
    (small,), (large,) = program_files(tmp_path / "a"), program_files(tmp_path / "b")
    (tmp_path / "a" / small).write_bytes(b"not a program")
    # the key's file is damaged; another shape's program sits under the key's name in the preloads
    _stored.preload([tmp_path / "a" / small, tmp_path / "missing.jaxexport"]).join()
    before = _stored.PRELOADED["step"]
    got = stored(tmp_path / "a", calls)(*arguments())
    assert _stored.PRELOADED["step"] == before and len(calls) == 3  # traced again, as without a preload
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(want[1]))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / small).write_bytes((tmp_path / "b" / large).read_bytes())  # a valid program, wrong shapes
    _stored.preload([tmp_path / "c" / small]).join()
    got = stored(tmp_path / "c", calls)(*arguments())
    assert _stored.PRELOADED["step"] == before and len(calls) == 4
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(want[1]))


def test_a_program_taken_before_the_thread_reaches_it_still_arrives(tmp_path, monkeypatch):
    # The caller that needs the second program takes its future while the thread still loads the first one.
    calls = []
    stored(tmp_path, calls)(*arguments(rows=5))
    stored(tmp_path, calls)(*arguments(rows=7))
    first, second = (tmp_path / name for name in program_files(tmp_path))
    release, load = threading.Event(), _stored._load
    monkeypatch.setattr(_stored, "_load", lambda path: release.wait(30) and load(path))
    thread = _stored.preload([first, second])
    taken = _stored._PRELOADS.pop(second)
    release.set()
    assert taken.result(timeout=30).exported is not None
    thread.join()


def _warm_run(tmp_path, key, calls, rows=5):
    with _stored.WarmStart(key, notes=tmp_path / "notes", programs=tmp_path / "programs"):
        return stored(tmp_path / "programs", calls)(*arguments(rows))


def test_a_warm_start_loads_what_the_last_run_of_the_command_used(tmp_path):
    calls = []
    first = _warm_run(tmp_path, "command a", calls)
    (note,) = (tmp_path / "notes").iterdir()
    (five_rows,) = program_files(tmp_path / "programs")
    assert json.loads(note.read_text()) == {"programs": [five_rows]}
    before = _stored.PRELOADED["step"]
    second = _warm_run(tmp_path, "command a", calls)
    assert _stored.PRELOADED["step"] == before + 1 and len(calls) == 1
    np.testing.assert_array_equal(np.asarray(second[1]), np.asarray(first[1]))
    _warm_run(tmp_path, "command b", calls)  # another command: nothing to preload, a note of its own
    assert _stored.PRELOADED["step"] == before + 1 and len(list((tmp_path / "notes").iterdir())) == 2
    _warm_run(tmp_path, "command a", calls, rows=7)  # same command, other data: its note named another program
    assert _stored.PRELOADED["step"] == before + 1 and len(calls) == 2
    assert not _stored._PRELOADS, "an unused preload was kept in memory"
    (seven_rows,) = set(program_files(tmp_path / "programs")) - {five_rows}
    assert json.loads(note.read_text()) == {"programs": [seven_rows]}  # the next run preloads this one


def test_a_warm_start_ignores_bad_notes_and_never_fails_the_command(tmp_path, monkeypatch):
    calls = []
    _warm_run(tmp_path, "command", calls)
    (note,) = (tmp_path / "notes").iterdir()
    good = note.read_text()
    for text in ("{not json", '{"programs": "x"}', '{"programs": ["../../etc/passwd", 3]}', "[]"):
        note.write_text(text)
        assert _stored._read_note(note) == []
        _warm_run(tmp_path, "command", calls)
    assert len(calls) == 1
    with pytest.raises(RuntimeError, match="failed"):  # a failed command leaves the last good note as it was
        with _stored.WarmStart("command", notes=tmp_path / "notes", programs=tmp_path / "programs"):
            stored(tmp_path / "programs", calls)(*arguments(rows=9))
            raise RuntimeError("the command failed")
    assert note.read_text() == good and len(program_files(tmp_path / "programs")) == 2
    monkeypatch.setattr(_stored, "_MAX_NOTES", 2)  # the oldest notes go first
    for key in ("c1", "c2", "c3"):
        _warm_run(tmp_path, key, calls)
    assert len(list((tmp_path / "notes").iterdir())) == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with _stored.WarmStart("command", notes=blocker / "notes", programs=tmp_path / "programs"):  # unwritable
        stored(tmp_path / "programs", calls)(*arguments())
    with _stored.WarmStart("command", notes=None, programs=None):  # no compilation cache: nothing at all
        stored(None, calls)(*arguments())


@pytest.mark.skipif(_stored.memory_maps() == 0, reason="the system does not list a process's memory maps")
def test_past_the_memory_map_limit_the_programs_held_are_let_go(tmp_path, monkeypatch):
    """XLA maps every executable's code into the process, and Linux stops a process at vm.max_map_count regions (a
    test worker reached 64,000 and crashed inside XLA): past `MAX_MEMORY_MAPS` the programs held are let go, and
    their regions with them, before the next one is prepared; it still gives the same results."""
    scale = _stored.program_cache(lambda n: jax.jit(lambda x: jnp.tanh(x @ x.T) * n + jnp.sin(x).sum()))
    start = _stored.memory_maps()
    for n in range(40):
        scale(n)(jnp.ones((n % 5 + 2, 3))).block_until_ready()
    grown = _stored.memory_maps()
    assert grown - start > 100, "40 programs should have mapped some hundreds of regions"
    calls: list = []
    expected = stored(None, calls)(*arguments())
    monkeypatch.setattr(_stored, "MAX_MEMORY_MAPS", 0)
    again = stored(str(tmp_path), calls)(*arguments())  # a new program: prepared after letting the others go
    assert scale.cache_info().currsize == 0
    assert _stored.memory_maps() < grown - (grown - start) // 2
    for left, right in zip(jax.tree_util.tree_leaves(expected), jax.tree_util.tree_leaves(again), strict=True):
        np.testing.assert_array_equal(np.asarray(left), np.asarray(right))
