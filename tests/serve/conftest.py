"""Fixtures of the server's tests: three tiny models trained once per session through the public API (a classifier
on a DataFrame of numeric, categorical and text columns; a classifier on a numeric array; a bare Keras-style
network), rows to score, an in-process app, and a real `python -m twoclass.serve` process on a free port."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def pytest_configure(config):
    # Starlette 1.x asks TestClient users to move to httpx2; the TestClient is what FastAPI documents, so it stays.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


def _mixed_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    notes = [
        "quiet cabin near the deck",
        "loud party all night",
        "family trip with kids",
        "business travel alone",
        "late booking upgrade",
        "crew member friend",
    ]
    return pd.DataFrame(
        {
            "passenger_id": np.arange(1000 * seed, 1000 * seed + n),  # an identifier: the model drops it
            "age": np.where(rng.random(n) < 0.15, np.nan, rng.uniform(1, 80, n).round(1)),
            "fare": rng.exponential(30, n).round(2),
            "sex": rng.choice(["male", "female"], n),
            "port": rng.choice(["S", "C", "Q"], n),
            "pclass": rng.choice([1, 2, 3], n),
            "note": rng.choice(notes, n),
        }
    )


@pytest.fixture(scope="session")
def mixed_rows() -> pd.DataFrame:
    """Rows to score, as a CSV would hold them (some ages missing)."""
    return _mixed_frame(40, seed=1)


@pytest.fixture(scope="session")
def model_dirs(tmp_path_factory) -> dict[str, Path]:
    """{'mixed': classifier on columns, 'arr': classifier on a numeric array, 'net': bare network}, saved once."""
    from twoclass import TwoClassClassifier, io
    from twoclass.layers import Dense
    from twoclass.models import Sequential

    root = tmp_path_factory.mktemp("serve-models")
    frame = _mixed_frame(240, seed=0)
    y = np.where((frame["sex"] == "female") | (frame["fare"] > 40), "survived", "lost")
    mixed = TwoClassClassifier(
        hidden_layer_sizes=(8,),
        epochs=4,
        n_networks=1,
        random_state=0,
        text_columns=("note",),
        column_types={"pclass": "categorical"},
    )
    mixed.fit(frame, y).save(root / "mixed")

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    labels = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    TwoClassClassifier(hidden_layer_sizes=(8,), epochs=4, n_networks=1, random_state=0, threshold=None).fit(
        x, labels
    ).save(root / "arr")

    network = Sequential([Dense(8, input_shape=(4,), activation="relu"), Dense(1, activation="sigmoid")])
    network.compile(optimizer="adam", loss="binary_crossentropy")
    network.fit(x[:, :4], labels.astype(np.float32), epochs=3, verbose=0)
    io.save_model_dir(network, root / "net")
    return {"mixed": root / "mixed", "arr": root / "arr", "net": root / "net"}


@pytest.fixture(scope="session")
def predictors(model_dirs):
    """The NumPy Predictor of each model: what `twoclass predict` uses, so the reference for every answer."""
    from twoclass import inference

    return {name: inference.load(path) for name, path in model_dirs.items()}


@pytest.fixture(scope="session")
def app(model_dirs):
    from twoclass.serve import create_app

    return create_app({name: str(path) for name, path in model_dirs.items()}, max_body_bytes=256 * 1024)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def v2_columns(frame: pd.DataFrame, kinds: dict[str, str]) -> list[dict]:
    """V2 inputs for a DataFrame: one tensor per column, FP64 or BYTES, missing values as null."""
    inputs = []
    for column, kind in kinds.items():
        values = frame[column].tolist()
        if kind == "BYTES":
            data = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
        else:
            data = [None if np.isnan(v) else float(v) for v in values]
        inputs.append({"name": column, "datatype": kind, "shape": [len(frame)], "data": data})
    return inputs


MIXED_KINDS = {"age": "FP64", "fare": "FP64", "sex": "BYTES", "port": "BYTES", "pclass": "BYTES", "note": "BYTES"}


@pytest.fixture(scope="session")
def mixed_inputs():
    """A function: DataFrame -> V2 inputs for the 'mixed' model."""
    return lambda frame: v2_columns(frame, MIXED_KINDS)


class Server:
    """A `python -m twoclass.serve` process; ``url`` is its base URL, ``output`` what it printed so far."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "twoclass.serve", *args, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()
        self._wait_until_ready()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")

    def _next_line(self, timeout: float) -> str:
        line = self.lines.get(timeout=timeout)
        self.output.append(line)
        return line

    def _wait_for_url(self) -> str:
        while True:
            line = self._next_line(timeout=120)
            if not line:
                raise RuntimeError("The server exited before listening:\n" + "".join(self.output))
            found = re.search(r"Listening on (http://\S+) ", line)
            if found:
                return found.group(1)

    def _wait_until_ready(self) -> None:
        import httpx

        for _ in range(600):  # the socket is bound before uvicorn listens on it; a few tries at most
            try:
                if httpx.get(self.url + "/v2/health/ready", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("The server never became ready:\n" + "".join(self.output))

    def rest_of_output(self, timeout: float = 60) -> str:
        while True:
            line = self._next_line(timeout)
            if not line:
                return "".join(self.output)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture(scope="session")
def start_server():
    """A function starting a server process with the given arguments; every one started is stopped at the end."""
    started: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Server:
        server = Server(list(args), env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(start_server, model_dirs) -> Server:
    """One running server with all three models, shared by the tests that talk to a real process."""
    return start_server(*(f"{name}={path}" for name, path in model_dirs.items()), "--log-level", "warning")
