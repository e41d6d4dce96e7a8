"""`twoclass serve MODEL_DIR [MODEL_DIR ...]`: the model server on the command line.

`serve` is a plain function with typer `Annotated` options: the CLI registers it as a command, and
`python -m twoclass.serve` runs it alone. It loads every model before it listens (a missing or damaged directory is
refused with the one-line error `twoclass predict` gives, exit code 2), binds the socket itself (so `--port 0` gets
a free port, and the URLs it prints are the real ones), then hands the socket to uvicorn, which answers SIGTERM and
Ctrl-C by finishing the requests in flight before it exits.

Example:
    twoclass serve titanic-model/ --port 8080
    twoclass serve titanic=runs/3/model spam=runs/7/model --workers 2 --max-batch-size 256 --max-latency-ms 5
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from typing import Annotated, Any, NoReturn

import typer

__all__ = ["main", "serve", "typer_app"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _fail(message: str) -> NoReturn:
    """One clear line on stderr and exit code 2, never a traceback (as the other twoclass commands fail)."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=2)


def _one_line(error: BaseException) -> str:
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def serve(
    model_dirs: Annotated[
        list[str],
        typer.Argument(
            metavar="MODEL_DIR...",
            show_default=False,
            help="Model directories from `twoclass train` or model.save; each is named after its directory, or "
            "NAME=DIR. The first one also answers /invocations.",
        ),
    ],
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS",
            help="Address to listen on. 127.0.0.1 is this machine only; 0.0.0.0 is every network "
            "(there is no authentication).",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, metavar="PORT", help="Port; 0 picks a free one.")] = 8080,
    workers: Annotated[
        int, typer.Option(min=1, metavar="N", help="Worker processes, each with its own copy of the models.")
    ] = 1,
    max_body_mb: Annotated[
        float, typer.Option(min=0.001, metavar="MB", help="Largest request body; larger ones get HTTP 413.")
    ] = 8.0,
    max_batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="ROWS",
            show_default=False,
            help="Turn on adaptive micro-batching: concurrent requests share one forward pass of at most ROWS rows.",
        ),
    ] = None,
    max_latency_ms: Annotated[
        float,
        typer.Option(
            min=0.0, metavar="MS", help="With --max-batch-size: the longest a request waits for others to join it."
        ),
    ] = 5.0,
    log_level: Annotated[
        str, typer.Option(metavar="LEVEL", help="uvicorn's log level: critical, error, warning, info, debug.")
    ] = "info",
    access_log: Annotated[bool, typer.Option(help="Log every request (one line each).")] = False,
) -> None:
    """Serve models over HTTP: Open Inference Protocol (KServe V2), MLflow scoring, Prometheus metrics.

    Example:  twoclass serve titanic-model/ --port 8080
    """
    from twoclass.serve.models import ServedModel, parse_model_specs

    if log_level.lower() not in ("critical", "error", "warning", "info", "debug", "trace"):
        _fail(f"--log-level must be one of critical, error, warning, info, debug. Got {log_level!r} instead.")
    try:
        specs = parse_model_specs(model_dirs)
        # Loaded here, before anything listens, so a bad directory stops the command with one clear line.
        models = {name: ServedModel.load(path, name) for name, path in specs.items()}
    except (FileNotFoundError, ValueError, KeyError, TypeError, OSError) as error:
        _fail(_one_line(error))
    max_body_bytes = max(1, int(max_body_mb * 1024 * 1024))
    sock = _bind(host, port)
    _announce(models, host, sock.getsockname()[1], workers)
    if workers == 1:
        from twoclass.serve.app import create_app, one_blas_thread

        one_blas_thread()

        app: Any = create_app(
            models, max_body_bytes=max_body_bytes, max_batch_size=max_batch_size, max_latency_ms=max_latency_ms
        )
        _run(app, sock, workers=1, log_level=log_level, access_log=access_log)
        return
    config = {
        "models": {name: model.path for name, model in models.items()},
        "max_body_bytes": max_body_bytes,
        "max_batch_size": max_batch_size,
        "max_latency_ms": max_latency_ms,
    }
    _run_workers(config, sock, workers=workers, log_level=log_level, access_log=access_log)


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        _fail(f"Cannot listen on {host}:{port} ({error.strerror or error}). Choose another --port or --host.")
    sock.set_inheritable(True)  # worker processes inherit it
    return sock


def _announce(models: dict[str, Any], host: str, port: int, workers: int) -> None:
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    for i, (name, model) in enumerate(models.items()):
        typer.echo(f"Model '{name}' from {model.path}")
        typer.echo(f"  Open Inference Protocol: {base}/v2/models/{name}/infer  (metadata: {base}/v2/models/{name})")
        typer.echo(
            f"  MLflow scoring:          {base}/models/{name}/invocations"
            + (f"  and {base}/invocations" if i == 0 else "")
        )
    typer.echo(f"OpenAPI docs: {base}/docs  (schema: {base}/openapi.json)")
    typer.echo(f"Health: {base}/v2/health/ready   Metrics: {base}/metrics")
    typer.echo(f"Listening on {base} with {workers} worker(s); Ctrl-C or SIGTERM stops after requests in flight.")
    if host not in _LOOPBACK:
        typer.secho(
            f"Warning: listening on {host}, reachable from other machines; the server has no authentication.",
            err=True,
            fg=typer.colors.YELLOW,
        )


def _config(app: Any, *, workers: int, log_level: str, access_log: bool, factory: bool = False) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        workers=workers,
        log_level=log_level.lower(),
        access_log=access_log,
        factory=factory,
        timeout_graceful_shutdown=30,
        # Longer than the idle timeouts of common load balancers (60 s), so none reuses a connection being closed.
        timeout_keep_alive=75,
        server_header=False,
    )


def _run(app: Any, sock: socket.socket, *, workers: int, log_level: str, access_log: bool) -> None:
    import uvicorn

    from twoclass.serve.app import freeze_start_up_objects

    server = uvicorn.Server(_config(app, workers=workers, log_level=log_level, access_log=access_log))
    freeze_start_up_objects()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down: stop quietly
        pass
    finally:
        sock.close()


def _run_workers(
    config: dict[str, Any], sock: socket.socket, *, workers: int, log_level: str, access_log: bool
) -> None:
    from uvicorn.supervisors import Multiprocess

    from twoclass.serve.app import CONFIG_ENV

    os.environ[CONFIG_ENV] = json.dumps(config)
    # Each worker counts its own requests; prometheus-client's multiprocess mode adds them up at /metrics.
    owned = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    if owned:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="twoclass-serve-metrics-")
    try:
        uvicorn_config = _config(
            "twoclass.serve.app:app_from_environment",
            workers=workers,
            log_level=log_level,
            access_log=access_log,
            factory=True,
        )
        Multiprocess(uvicorn_config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if owned:
            shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)


def typer_app() -> typer.Typer:
    """The command alone as a Typer app (what `python -m twoclass.serve` runs, and what tests invoke)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(serve)
    return app


def main() -> None:
    """`python -m twoclass.serve ...`: the command alone, until it is registered in the `twoclass` CLI."""
    typer_app()()
