"""examples/multi_host.py as two processes on 127.0.0.1 (jax.distributed, CPU collectives over gloo), each feeding
only its own rows, ends with the weights one process trains on all rows."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

from twoclass.models import load_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_host.py"
EPOCHS = "4"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(arguments: list[list[str]]) -> list[subprocess.CompletedProcess]:
    """Start every process, then wait for all of them (a process alone would wait for its peers)."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    running = [
        subprocess.Popen([sys.executable, str(EXAMPLE), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for args in arguments
    ]
    done = []
    try:
        for process in running:
            stdout, stderr = process.communicate(timeout=300)
            done.append(subprocess.CompletedProcess(process.args, process.returncode, stdout.decode(), stderr.decode()))
    finally:
        for process in running:  # a process that failed leaves its peer waiting: end it
            if process.poll() is None:
                process.kill()
                process.wait()
    return done


def test_two_processes_train_the_weights_of_one(tmp_path):
    alone = tmp_path / "alone.keras"
    together = tmp_path / "together.keras"
    (reference,) = _run([["--processes", "1", "--cpu-devices", "1", "--epochs", EPOCHS, "--out", str(alone)]])
    assert reference.returncode == 0, reference.stderr[-3000:]
    assert "1 devices in 1 processes" in reference.stdout

    address = f"127.0.0.1:{_free_port()}"
    pair = _run(
        [
            ["--processes", "2", "--process-id", str(rank), "--coordinator", address, "--epochs", EPOCHS,
             "--out", str(together)]
            for rank in (0, 1)
        ]
    )  # fmt: skip
    for process in pair:
        assert process.returncode == 0, process.stderr[-3000:]
    assert "4 devices in 2 processes" in pair[0].stdout  # process 0 reports and saves
    assert "Epoch" not in pair[1].stdout  # the other process trains quietly

    one, two = load_model(str(alone)).get_weights(), load_model(str(together)).get_weights()
    for a, b in zip(one, two):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
