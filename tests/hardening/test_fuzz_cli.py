"""Fuzzing the command line: `twoclass train` and `predict` on generated files (any column kinds and names,
separators, encodings) and odd option values. Every run exits 0, or 2 with exactly one line `Error: ...` on stderr;
never a traceback, never exit code 1."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hardening.hardening_support import assert_no_raw_python, cli, count, examples, train_command
from hardening.strategies import frames

OPTION_VALUES = {
    "--epochs": st.sampled_from(["2", "0", "-1", "x", "1e3", "99999999999999999999"]),
    "--hidden": st.sampled_from(["4", "4,2", "", "0", "-3", "a,b", "4,,2", "1" * 30]),
    "--threshold": st.sampled_from(["f1", "youden", "0.3", "1.5", "recall>=0.9", "precision>=2", "nope", "none"]),
    "--networks": st.sampled_from(["1", "auto", "0", "-2", "many"]),
    "--seed": st.sampled_from(["0", "-1", "abc"]),
    "--calibration": st.sampled_from(["platt", "temperature", "isotonic"]),
    "--class-weight": st.sampled_from(["balanced", "equal"]),
    "--sep": st.sampled_from([",", ";", "\t", "|", "", "ab"]),
    "--encoding": st.sampled_from(["utf-8", "latin-1", "utf-16", "bogus"]),
}


def _check(result, target: str) -> None:
    text = result.stdout + result.stderr
    assert_no_raw_python(text)
    if result.exit_code == 0:
        count(target, "worked")
        return
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    errors = [line for line in lines if line.startswith("Error: ")]
    if len(lines) == 1:
        assert errors, result.stderr
        count(target, "one-line error, exit 2")
        return
    # an option typer itself refuses: its usage lines, then one error line (as test_cli checks)
    assert lines[0].startswith("Usage: ") and len(errors) == 1 and lines[-1] == errors[0], result.stderr
    count(target, "usage error, exit 2")


@examples(4)
@given(
    pair=frames(min_rows=12, max_rows=24),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
    tell=st.booleans(),
    options=st.lists(
        st.sampled_from(sorted(set(OPTION_VALUES) - {"--sep", "--encoding"})), max_size=2, unique=True
    ).flatmap(lambda keys: st.fixed_dictionaries({k: OPTION_VALUES[k] for k in keys})),
)
def test_fuzz_cli_train_then_predict(pair, sep, encoding, tell, options, data_csv):
    frame, labels = pair
    frame = frame.copy()
    frame["label"] = labels  # a column named 'label' already there is replaced: the file has one target
    work = Path(tempfile.mkdtemp(prefix="twoclass-cli-fuzz-"))
    try:
        data = work / "data.csv"
        try:
            frame.to_csv(data, index=False, sep=sep, encoding=encoding)
        except UnicodeEncodeError:
            frame.to_csv(data, index=False, sep=sep, encoding="utf-8")
            encoding = "utf-8"
        args = train_command(data, work / "m")
        if tell:
            args += ["--sep", sep, "--encoding", encoding]
        for option, value in options.items():
            args += [option, value]
        result = cli(*args)
        _check(result, "cli train (generated files)")
        if result.exit_code != 0:
            return
        predicted = cli(
            "predict",
            work / "m",
            data,
            "--out",
            work / "p.csv",
            *(["--sep", sep, "--encoding", encoding] if tell else []),
        )
        _check(predicted, "cli predict (generated files)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@examples(5)
@given(options=st.fixed_dictionaries({}, optional=OPTION_VALUES))
def test_fuzz_cli_train_options(options, data_csv):
    work = Path(tempfile.mkdtemp(prefix="twoclass-cli-options-"))
    try:
        args = ["train", data_csv, "--target", "label", "--out", work / "m", "--quiet"]
        options.setdefault("--epochs", "2")
        options.setdefault("--hidden", "4")
        options.setdefault("--networks", "1")
        for option, value in options.items():
            args += [option, value]
        _check(cli(*args), "cli train (option values)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
