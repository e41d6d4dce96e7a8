"""The command (`python -m twoclass.serve`, what `twoclass serve` runs): refusals at start, the URLs it prints, a
graceful SIGTERM with a request in flight, several workers, and no JAX in the server process."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "twoclass.serve", *args], capture_output=True, text=True, timeout=timeout
    )


def _load_error(path) -> str:
    from twoclass import inference

    with pytest.raises((ValueError, FileNotFoundError)) as raised:
        inference.load(path)
    return str(raised.value)


@pytest.fixture(scope="module")
def broken_dirs(model_dirs, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("broken")
    damaged = root / "damaged"
    shutil.copytree(model_dirs["net"], damaged)
    (damaged / "twoclass.json").write_text("{ not json")
    newer = root / "newer"
    shutil.copytree(model_dirs["net"], newer)
    meta = json.loads((newer / "twoclass.json").read_text())
    (newer / "twoclass.json").write_text(json.dumps({**meta, "format_version": 99}))
    no_weights = root / "no-weights"
    shutil.copytree(model_dirs["net"], no_weights)
    (no_weights / "weights.safetensors").unlink()
    a_file = root / "a-file"
    a_file.write_text("x")
    return {"missing": root / "nowhere", "damaged": damaged, "newer": newer, "no-weights": no_weights, "file": a_file}


def _invoke(*args: str):
    """The command in this process through typer's CliRunner (the subprocess runs are kept for what needs them)."""
    from typer.testing import CliRunner

    from twoclass.serve.command import typer_app

    return CliRunner().invoke(typer_app(), list(args))


@pytest.mark.parametrize("case", ["missing", "damaged", "newer", "no-weights", "file"])
def test_a_bad_model_directory_is_refused_with_predicts_one_line(broken_dirs, model_dirs, case):
    result = _invoke(str(model_dirs["net"]), str(broken_dirs[case]), "--port", "0")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {_load_error(broken_dirs[case])}"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Listening" not in result.stdout


def test_the_message_is_the_one_twoclass_predict_prints(broken_dirs, tmp_path):
    """Both real commands, each in its own process: same line on stderr, same exit code, nothing listening."""
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n")
    predict = subprocess.run(
        [str(Path(sys.executable).with_name("twoclass")), "predict", str(broken_dirs["newer"]), str(rows)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    served = _run(str(broken_dirs["newer"]))
    assert predict.returncode == served.returncode == 2
    assert served.stderr.strip() == predict.stderr.strip()
    assert "format version is 99" in served.stderr and "Traceback" not in served.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["a=x", "a=y"], "Two models are named 'a'"),
        (["bad name=x"], "The model name 'bad name'"),
        (["x", "--port", "70000"], "'--port'"),
        (["x", "--max-batch-size", "0"], "'--max-batch-size'"),
        (["x", "--log-level", "loud"], "--log-level"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(args, fragment):
    result = _invoke(*args)
    assert result.exit_code == 2 and fragment in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_is_one_line(model_dirs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _invoke(str(model_dirs["net"]), "--port", str(taken.getsockname()[1]))
    assert result.exit_code == 2 and "Cannot listen on 127.0.0.1:" in result.stderr


def test_prints_the_endpoints_and_docs_urls(server):
    printed = "".join(server.output)
    for name in ("mixed", "arr", "net"):
        assert f"{server.url}/v2/models/{name}/infer" in printed
        assert f"{server.url}/models/{name}/invocations" in printed
    assert f"{server.url}/invocations" in printed and f"{server.url}/docs" in printed
    assert f"{server.url}/metrics" in printed
    assert re.match(r"http://127\.0\.0\.1:\d+$", server.url)  # loopback unless told otherwise
    assert httpx.get(server.url + "/docs", timeout=30).status_code == 200


def test_the_server_process_never_imports_jax(server, model_dirs):
    """The running server, after answering every kind of request, has no jaxlib library mapped; and the app built in
    a fresh interpreter leaves no jax, jaxlib or optax module behind."""
    body = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}
    assert httpx.post(server.url + "/v2/models/net/infer", json=body, timeout=30).status_code == 200
    assert (
        httpx.post(
            server.url + "/models/arr/invocations", json={"instances": [[1, 2, 3, 4, 5]]}, timeout=30
        ).status_code
        == 200
    )
    maps = Path(f"/proc/{server.process.pid}/maps")
    if maps.exists():
        mapped = maps.read_text()
        assert "numpy" in mapped  # the check sees libraries
        assert "jaxlib" not in mapped and "xla_extension" not in mapped
    script = (
        "import sys, json\n"
        "from fastapi.testclient import TestClient\n"
        "import twoclass.serve.command\n"
        "from twoclass.serve import create_app\n"
        f"dirs = json.loads({json.dumps(json.dumps({k: str(v) for k, v in model_dirs.items()}))})\n"
        "with TestClient(create_app(dirs)) as c:\n"
        "    assert c.post('/v2/models/net/infer', json=%r).status_code == 200\n"
        "    assert c.post('/models/arr/invocations', json={'instances': [[1, 2, 3, 4, 5]]}).status_code == 200\n"
        "    assert c.get('/openapi.json').status_code == 200 and c.get('/metrics').status_code == 200\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'optax')))\n" % body
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _in_progress(url: str) -> float:
    text = httpx.get(url + "/metrics", timeout=30).text
    found = re.search(r'twoclass_requests_in_progress\{endpoint="/v2/models/\{name\}/infer"\} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def test_sigterm_lets_the_request_in_flight_finish(start_server, model_dirs, predictors):
    """A request whose headers have arrived but whose body is still coming when SIGTERM lands is answered in full;
    then the process finishes its shutdown."""
    server = start_server(f"net={model_dirs['net']}", "--log-level", "info")
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps(
        {"inputs": [{"name": "input", "datatype": "FP64", "shape": [1, 4], "data": [0.5, -0.25, 1.5, 2.0]}]}
    ).encode()
    head = (
        f"POST /v2/models/net/infer HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(head + body[:10])
        for _ in range(1200):  # until the server has started answering it (bounded: about a minute)
            if _in_progress(server.url) >= 1:
                break
            time.sleep(0.05)
        assert _in_progress(server.url) >= 1
        server.process.send_signal(signal.SIGTERM)
        for _ in range(1200):  # until the server has stopped taking new connections
            try:
                socket.create_connection((host, int(port)), timeout=5).close()
            except OSError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("The server kept accepting connections after SIGTERM.")
        connection.sendall(body[10:])
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(received):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line, rest = received.split(b"\r\n", 1)
    assert status_line == b"HTTP/1.1 200 OK"
    answer = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    probability = {o["name"]: o["data"] for o in answer["outputs"]}["probability"][0]
    expected = predictors["net"].predict_proba([[0.5, -0.25, 1.5, 2.0]])[0, 1]
    assert probability == pytest.approx(expected, abs=1e-6)
    # uvicorn re-raises the signal once it has shut down, so a supervisor sees why the process stopped.
    assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
    output = server.rest_of_output()
    assert "Finished server process" in output and "Traceback" not in output


def _length(received: bytes) -> int:
    found = re.search(rb"content-length: (\d+)", received.split(b"\r\n\r\n", 1)[0], re.IGNORECASE)
    return int(found.group(1)) if found else 0


def test_several_workers_share_the_port_and_add_up_their_metrics(start_server, model_dirs):
    server = start_server(f"net={model_dirs['net']}", "--workers", "2", "--log-level", "warning")
    body = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [2, 4], "data": [0.0] * 8}]}
    for _ in range(6):
        with httpx.Client(timeout=30) as fresh:  # a new connection each time, so both workers may get some
            assert fresh.post(server.url + "/v2/models/net/infer", json=body).status_code == 200
    text = httpx.get(server.url + "/metrics", timeout=30).text
    assert re.search(r'twoclass_rows_predicted_total\{model="net"\} 12\.0', text), text
    assert server.stop() == 0
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None  # the command's own setting stayed in its process
