"""Fuzzing model directories: bit flips, truncation, JSON edits and deletions, deep nesting, huge declared tensors.

Over twoclass.io.load, twoclass.inference.load and the command line (inspect, predict): every damaged directory
either raises a ValueError that names the model, or loads and predicts exactly as the undamaged one did. Only a
file whose digest was removed (as an older twoclass wrote it) may load with other values, and then they are in range:
finite probabilities in [0, 1] and labels of the model's two classes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from hardening.hardening_support import (
    JSON_FILE,
    WEIGHTS_FILE,
    attempt,
    cli,
    count,
    examples,
    flip_bit,
    leaf_paths,
    names_model,
    read_meta,
    write_meta,
)
from hardening.strategies import mutations


@pytest.fixture(scope="module")
def original(saved_model, tmp_path_factory):
    from twoclass import inference

    model = saved_model["dir"]
    meta = read_meta(model)
    rows = saved_model["features"].head(15)
    data = tmp_path_factory.mktemp("fuzz-data") / "rows.csv"
    rows.to_csv(data, index=False)
    return {
        "dir": model,
        "rows": rows,
        "data": data,
        "meta": meta,
        "leaves": leaf_paths(meta),
        "json_size": (model / JSON_FILE).stat().st_size,
        "weights_size": (model / WEIGHTS_FILE).stat().st_size,
        "proba": saved_model["proba"][:15],
        "numpy_proba": inference.load(model).predict_proba(rows),
    }


def _apply(model: Path, mutation: tuple, original) -> bool:
    """Damage the copy; returns whether the digest is still in place (False: a file as older versions wrote)."""
    kind = mutation[0]
    if kind == "flip-json":
        flip_bit(model / JSON_FILE, mutation[1])
    elif kind == "flip-weights":
        flip_bit(model / WEIGHTS_FILE, mutation[1])
    elif kind in ("truncate-json", "truncate-weights"):
        file = model / (JSON_FILE if kind == "truncate-json" else WEIGHTS_FILE)
        file.write_bytes(file.read_bytes()[: mutation[1]])
    elif kind in ("edit", "delete"):
        _, index, value, keep = mutation
        path = original["leaves"][index]
        meta = json.loads(json.dumps(original["meta"]))
        node = meta
        for key in path[:-1]:
            node = node[key]
        if not path:
            meta = value
        elif kind == "delete":
            del node[path[-1]]
        else:
            node[path[-1]] = value
        if isinstance(meta, dict):
            write_meta(model, meta, keep_integrity=keep)
        else:
            (model / JSON_FILE).write_text(json.dumps(meta))
        return keep
    elif kind == "nest":
        depth = mutation[1]
        meta = dict(original["meta"])
        text = json.dumps(meta)
        (model / JSON_FILE).write_text(text[:-1] + ', "history": ' + "[" * depth + "]" * depth + "}")
    elif kind == "huge-header":
        rows, cols = mutation[1], mutation[2]
        header = json.dumps(
            {"layers.0.kernel": {"dtype": "F32", "shape": [rows, cols], "data_offsets": [0, rows * cols * 4]}}
        ).encode()
        with open(model / WEIGHTS_FILE, "wb") as handle:
            handle.write(len(header).to_bytes(8, "little") + header)
            handle.truncate(8 + len(header) + min(rows * cols * 4, 2**30))
    elif kind == "header-length":
        data = bytearray((model / WEIGHTS_FILE).read_bytes())
        data[:8] = mutation[1].to_bytes(8, "little")
        (model / WEIGHTS_FILE).write_bytes(bytes(data))
    elif kind == "swap-bytes":
        data = bytearray((model / WEIGHTS_FILE).read_bytes())
        i = mutation[1]
        data[i], data[i + 1] = data[i + 1], data[i]
        (model / WEIGHTS_FILE).write_bytes(bytes(data))
    return True


def _same_or_in_range(proba: np.ndarray, reference: np.ndarray, digest_kept: bool, exact: bool) -> None:
    if digest_kept:
        if exact:
            assert np.array_equal(proba, reference), "a damaged file loaded and predicts differently"
        else:
            assert np.allclose(proba, reference, atol=1e-12), "a damaged file loaded and predicts differently"
    assert np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()


def _damaged_copy(original, mutation) -> tuple[Path, bool, Path]:
    work = Path(tempfile.mkdtemp(prefix="twoclass-fuzz-"))
    model = work / "model"
    shutil.copytree(original["dir"], model)
    return model, _apply(model, mutation, original), work


@examples(15)
@given(data=mutations(json_size=4000, weights_size=200, leaf_count=50))
def test_fuzz_io_load_of_damaged_model_dirs(original, data):
    from twoclass import io

    mutation = _scaled(data, original)
    model, digest_kept, work = _damaged_copy(original, mutation)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            loaded = attempt("io.load (damaged dirs)", lambda: io.load(model), accept=(ValueError,))
            if isinstance(loaded, ValueError):
                assert names_model(str(loaded), model), str(loaded)
                return
            proba = attempt("io.load (damaged dirs): predict", lambda: loaded.predict_proba(original["rows"]))
        if not isinstance(proba, Exception):
            _same_or_in_range(proba, original["proba"], digest_kept, exact=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@examples(20)
@given(data=mutations(json_size=4000, weights_size=200, leaf_count=50))
def test_fuzz_inference_load_of_damaged_model_dirs(original, data):
    from twoclass import inference

    mutation = _scaled(data, original)
    model, digest_kept, work = _damaged_copy(original, mutation)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            predictor = attempt("inference.load (damaged dirs)", lambda: inference.load(model), accept=(ValueError,))
            if isinstance(predictor, ValueError):
                assert names_model(str(predictor), model), str(predictor)
                return
            proba = attempt("inference.load (damaged dirs): predict", lambda: predictor.predict_proba(original["rows"]))
        if not isinstance(proba, Exception):
            _same_or_in_range(proba, original["numpy_proba"], digest_kept, exact=True)
            labels = predictor.predict(original["rows"])
            assert set(labels.tolist()) <= set(predictor.classes_.tolist())
    finally:
        shutil.rmtree(work, ignore_errors=True)


@examples(6)
@given(data=mutations(json_size=4000, weights_size=200, leaf_count=50))
def test_fuzz_cli_on_damaged_model_dirs(original, data):
    mutation = _scaled(data, original)
    model, digest_kept, work = _damaged_copy(original, mutation)
    try:
        for command in (["inspect", model], ["predict", model, original["data"], "--out", work / "p.csv"]):
            result = cli(*command)
            text = result.stdout + result.stderr
            assert "Traceback" not in text
            if result.exit_code == 0:
                count(f"cli {command[0]} (damaged dirs)", "worked")
                if command[0] == "predict":
                    written = pd.read_csv(work / "p.csv")["probability"].to_numpy()
                    _same_or_in_range(written, original["numpy_proba"][:, 1], digest_kept, exact=False)
                continue
            lines = result.stderr.strip().splitlines()
            assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), (
                result.exit_code,
                result.stderr,
                result.exception,
            )
            count(f"cli {command[0]} (damaged dirs)", "one-line error, exit 2")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scaled(mutation: tuple, original) -> tuple:
    """Map the strategy's positions (drawn for a nominal file size) onto the real files."""
    kind = mutation[0]
    if kind == "flip-json":
        return (kind, mutation[1] % (original["json_size"] * 8))
    if kind == "flip-weights":
        return (kind, mutation[1] % (original["weights_size"] * 8))
    if kind == "truncate-json":
        return (kind, mutation[1] % original["json_size"])
    if kind in ("truncate-weights", "swap-bytes"):
        return (kind, mutation[1] % (original["weights_size"] - 1))
    if kind in ("edit", "delete"):
        return (kind, mutation[1] % len(original["leaves"]), *mutation[2:])
    return mutation
