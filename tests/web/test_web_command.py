"""`twoclass playground` as a command: typer parses it, it binds 127.0.0.1, it opens the browser unless told not to."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
import typer
from typer.testing import CliRunner

from twoclass.web.command import playground


@pytest.fixture
def app():
    command_line = typer.Typer()
    command_line.command()(playground)
    return command_line


@pytest.fixture
def fake_server(monkeypatch):
    """uvicorn's Server, recording its config instead of serving; `webbrowser.open` recorded too."""
    import uvicorn

    seen: dict = {"opened": [], "ran": threading.Event()}

    def run(self, sockets=None):
        seen["host"], seen["port"] = self.config.host, self.config.port
        self.started = True
        seen["ran"].set()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    # uvicorn's logging set-up would bind its handlers to CliRunner's temporary stderr, closed after the test.
    monkeypatch.setattr(uvicorn.Config, "configure_logging", lambda self: None)
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: seen["opened"].append(url))
    return seen


def test_serves_this_machine_only_and_opens_the_browser(app, fake_server):
    result = CliRunner().invoke(app, ["--port", "0"])
    assert result.exit_code == 0, result.output
    assert fake_server["host"] == "127.0.0.1" and fake_server["port"] > 0
    assert f"twoclass playground at http://127.0.0.1:{fake_server['port']}/" in result.output
    for _ in range(200):  # the browser opens from a thread once the server says it started
        if fake_server["opened"]:
            break
        threading.Event().wait(0.01)
    assert fake_server["opened"] == [f"http://127.0.0.1:{fake_server['port']}/"]


def test_no_browser(app, fake_server):
    result = CliRunner().invoke(app, ["--port", "0", "--no-browser"])
    assert result.exit_code == 0 and fake_server["ran"].is_set()
    assert fake_server["opened"] == []


def test_a_taken_port_is_a_clear_error(app, fake_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["--port", str(port), "--no-browser"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port 0" in result.output
    assert not fake_server["ran"].is_set()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--port", "70000"], "--port"),
        (["--max-sessions", "0"], "--max-sessions"),
        (["--upload-kib", "0"], "--upload-kib"),
    ],
)
def test_bad_options_are_refused(app, fake_server, args, fragment):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and fragment in result.output


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "twoclass.web", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for option in ("--port", "--host", "--no-browser", "--max-sessions", "--upload-kib"):
        assert option in done.stdout


def test_registering_the_command_imports_neither_fastapi_nor_jax():
    """`twoclass --help` must stay fast once the main command line registers `playground`."""
    probe = (
        "import sys; from twoclass.web.command import playground; print(sorted({'jax', 'fastapi'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
