"""Each program in tests/keras_programs/ runs twice, with the real Keras (JAX backend) and with `import twoclass`,
from the same source; the results must agree.

Deterministic programs (shuffle=False, no dropout, the Keras model's initial weights copied into the twoclass one)
must give the same history, epoch by epoch, within 1e-4 (float32 sums in a different order differ by ~1e-6). The
others must end with metrics within the tolerance the program states. Saved `.keras` files must load on the other side
and predict the same probabilities.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import twoclass

PROGRAMS = Path(__file__).parent / "keras_programs"
NAMES = sorted(p.stem for p in PROGRAMS.glob("*.py") if not p.stem.startswith("_"))
HISTORY_TOLERANCE = 1e-4  # deterministic runs: every epoch of every history key
COUNT_TOLERANCE = 1e-3  # confusion counts are exact integers in both; this only absorbs float formatting


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"keras_program_{name}", PROGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RESULTS: dict[str, tuple[dict, dict]] = {}


def _run_both(name: str, keras, tmp_path_factory) -> tuple[dict, dict]:
    """Keras first (its fresh weights become twoclass's starting point), then twoclass; cached per program."""
    if name not in _RESULTS:
        program = _load(name)
        keras_dir = tmp_path_factory.mktemp(f"{name}_keras")
        ours_dir = tmp_path_factory.mktemp(f"{name}_twoclass")
        # Both libraries number unnamed layers and metrics per session ('precision_2'); start both from zero.
        keras.utils.clear_session()
        theirs = program.main(keras, str(keras_dir))
        twoclass.utils.clear_session()
        ours = program.main(twoclass, str(ours_dir), initial_weights=theirs["initial_weights"])
        _RESULTS[name] = (theirs, ours)
    return _RESULTS[name]


def _close(a, b, tolerance: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance)


def test_all_programs_found():
    assert len(NAMES) >= 8, NAMES


def test_twoclass_exposes_the_keras_namespaces():
    for attribute in (
        "layers",
        "optimizers",
        "callbacks",
        "metrics",
        "losses",
        "models",
        "utils",
        "regularizers",
        "initializers",
        "Input",
        "Model",
        "Sequential",
    ):
        assert getattr(twoclass, attribute) is not None
    assert twoclass.optimizers.schedules.ExponentialDecay is not None
    assert twoclass.callbacks.Callback is not None and twoclass.models.load_model is not None


@pytest.mark.parametrize("name", NAMES)
def test_program_matches_keras(name, keras, tmp_path_factory):
    program = _load(name)
    theirs, ours = _run_both(name, keras, tmp_path_factory)

    assert list(ours["history"]) == list(theirs["history"]), "history keys (and their order) differ"
    if program.DETERMINISTIC:
        assert len(ours["history"]["loss"]) == len(theirs["history"]["loss"]), "number of epochs differs"
        for key, values in theirs["history"].items():
            np.testing.assert_allclose(
                ours["history"][key],
                values,
                rtol=HISTORY_TOLERANCE,
                atol=HISTORY_TOLERANCE,
                err_msg=f"history[{key!r}]",
            )
        if "evaluation" in theirs:
            assert list(ours["evaluation"]) == list(theirs["evaluation"])
            for key, value in theirs["evaluation"].items():
                assert _close(ours["evaluation"][key], value, HISTORY_TOLERANCE), (key, ours["evaluation"], value)
        if "predictions" in theirs:
            np.testing.assert_allclose(ours["predictions"], theirs["predictions"], atol=HISTORY_TOLERANCE)
    else:
        for key, tolerance in program.TOLERANCE.items():
            ours_last, theirs_last = ours["history"][key][-1], theirs["history"][key][-1]
            assert abs(ours_last - theirs_last) <= tolerance, (key, ours_last, theirs_last)
    _program_specific_checks(name, theirs, ours)


def _program_specific_checks(name: str, theirs: dict, ours: dict) -> None:
    if name == "early_stopping_val_auc":
        assert ours["stopped_epoch"] == theirs["stopped_epoch"] > 0, "early stopping should have fired"
        assert ours["best_epoch"] == theirs["best_epoch"]
    if name == "checkpoint_best_only":
        assert [n.split("-")[1] for n in ours["saved"]] == [n.split("-")[1] for n in theirs["saved"]]
        for a, b in zip(ours["saved"], theirs["saved"]):
            assert _close(a.split("-")[2][:-6], b.split("-")[2][:-6], 2e-3), (a, b)
    if name == "custom_callback":
        assert ours["began"] and theirs["began"]
        assert [r["epoch"] for r in ours["rows"]] == [r["epoch"] for r in theirs["rows"]]
        for a, b in zip(ours["rows"], theirs["rows"]):
            assert _close(a["gap"], b["gap"], HISTORY_TOLERANCE)
            assert _close(a["kernel_norm"], b["kernel_norm"], HISTORY_TOLERANCE)
            np.testing.assert_allclose(a["probe"], b["probe"], atol=HISTORY_TOLERANCE)
        assert len(theirs["rows"]) < 30, "the callback should have stopped training early"
    if name == "save_and_load":
        assert ours["max_reload_difference"] == 0.0
    if name == "reduce_lr_csv_logger":
        assert list(ours["csv_rows"][0]) == list(theirs["csv_rows"][0]), "CSV columns differ"
        assert [r["epoch"] for r in ours["csv_rows"]] == [r["epoch"] for r in theirs["csv_rows"]]
        for a, b in zip(ours["csv_rows"], theirs["csv_rows"]):
            for key in b:
                assert _close(a[key], b[key], HISTORY_TOLERANCE), (key, a[key], b[key])
        assert _close(ours["final_learning_rate"], theirs["final_learning_rate"], 1e-6)
        assert theirs["final_learning_rate"] < 0.5, "the plateau rule should have lowered the rate"
    if name == "functional_model":
        assert ours["layer_names"] == theirs["layer_names"]


SAVING_PROGRAMS = [n for n in NAMES if "paths" in (PROGRAMS / f"{n}.py").read_text()]


@pytest.mark.parametrize("name", SAVING_PROGRAMS)
def test_keras_files_cross_both_ways(name, keras, tmp_path_factory):
    theirs, ours = _run_both(name, keras, tmp_path_factory)
    for path, probe, expected in ((ours["paths"][0], ours["probe"], ours["predictions"]),):
        loaded_by_keras = keras.models.load_model(path)
        np.testing.assert_allclose(loaded_by_keras.predict(probe, verbose=0), expected, atol=1e-5)
    loaded_by_twoclass = twoclass.models.load_model(theirs["paths"][0])
    np.testing.assert_allclose(loaded_by_twoclass.predict(theirs["probe"], verbose=0), theirs["predictions"], atol=1e-5)
