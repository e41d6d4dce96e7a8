"""Fixtures of the hardening tests, and the tally of their cases printed at the end of a run.

The tally counts every targeted test by outcome and every fuzzed example by target and outcome (worked, the
documented ValueError / TypeError, or a defect). `TWOCLASS_HARDENING_TALLY=path.json` also writes it as JSON.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

from hardening.hardening_support import TALLY, make_frame, small_classifier

_RESULTS: collections.Counter = collections.Counter()  # (file, outcome) -> count of targeted tests


def pytest_runtest_logreport(report) -> None:
    if "tests/hardening/" not in report.nodeid.replace(os.sep, "/") and "hardening" not in report.fspath:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.outcome == "skipped" else report.outcome
        _RESULTS[(Path(report.fspath).name, outcome)] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if not _RESULTS and not TALLY:
        return
    write = terminalreporter.write_line
    write("")
    write("hardening tally (tests/hardening): tests by file and outcome")
    for (name, outcome), n in sorted(_RESULTS.items()):
        write(f"  {name:<40} {outcome:<10} {n}")
    if TALLY:
        profile = os.environ.get("TWOCLASS_FUZZ_PROFILE", "ci")
        write(f"fuzzed examples by target and outcome (hypothesis, profile {profile})")
        for (target, outcome), n in sorted(TALLY.items()):
            write(f"  {target:<32} {outcome:<44} {n}")
        write(f"  total fuzzed examples: {sum(n for (_, o), n in TALLY.items() if not o.startswith('defect'))}")
    path = os.environ.get("TWOCLASS_HARDENING_TALLY")
    if path:
        Path(path).write_text(
            json.dumps(
                {
                    "tests": [{"file": f, "outcome": o, "count": n} for (f, o), n in sorted(_RESULTS.items())],
                    "fuzz": [{"target": t, "outcome": o, "count": n} for (t, o), n in sorted(TALLY.items())],
                },
                indent=1,
            )
        )


@pytest.fixture(scope="session")
def frame():
    return make_frame()


@pytest.fixture(scope="session")
def fitted(frame):
    """A small fitted TwoClassClassifier on make_frame()."""
    return small_classifier().fit(frame.drop(columns="label"), frame["label"])


@pytest.fixture(scope="session")
def saved_model(fitted, frame, tmp_path_factory):
    """The fitted classifier saved to a directory, with its probabilities on the training features."""
    folder = tmp_path_factory.mktemp("saved") / "model"
    fitted.save(folder)
    features = frame.drop(columns="label")
    return {"dir": folder, "features": features, "proba": fitted.predict_proba(features)}


@pytest.fixture(scope="session")
def data_csv(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "data.csv"
    frame.to_csv(path, index=False)
    return path
