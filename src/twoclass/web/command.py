"""`twoclass playground`: serve the playground on this machine and open it in the browser.

A plain function with typer options, so the main command line registers it as one more command
(`app.command("playground")(playground)`); until then `python -m twoclass.web` runs it alone.
"""

from __future__ import annotations

import socket
import threading
import webbrowser
from typing import Annotated

import typer

__all__ = ["free_port_or_fail", "playground"]


def free_port_or_fail(host: str, port: int) -> int:
    """The port to serve on: `port` if it is free, any free one for 0; a clear error if it is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise typer.BadParameter(
                f"cannot listen on {host}:{port} ({error.strerror}). Choose another port with "
                "--port, or --port 0 for any free one.",
                param_hint="--port",
            ) from None
        return probe.getsockname()[1]


def playground(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to serve on (0: any free port).")] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind. The default serves this machine only; anything else "
            "lets others on the network train on this machine."
        ),
    ] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser tab.")] = False,
    max_sessions: Annotated[int, typer.Option(min=1, max=256, help="Most tabs served at once.")] = 8,
    upload_kib: Annotated[int, typer.Option(min=1, max=65536, help="Largest CSV upload, in KiB.")] = 1024,
) -> None:
    """TensorFlow Playground for two-class problems, on twoclass's engine, with the code beside it.

    Example:  twoclass playground --port 8765
    """
    import uvicorn

    from .app import create_app

    port = free_port_or_fail(host, port)
    app = create_app(max_sessions=max_sessions, upload_bytes=upload_kib * 1024)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    typer.echo(f"twoclass playground at {url} (Ctrl+C stops it)")
    if not no_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run()


def _open_when_up(server, url: str) -> None:
    for _ in range(200):  # up to 10 s for uvicorn to start listening
        if server.started:
            webbrowser.open(url, new=2)
            return
        threading.Event().wait(0.05)
