"""The FastAPI application: Open Inference Protocol V2, MLflow scoring, health, Prometheus metrics, OpenAPI docs.

`create_app(models)` builds it over `ServedModel`s (NumPy predictors: JAX is never imported). Requests pass the
`Guard` middleware first: it times and counts every request, caps the body (413) and undoes gzip/deflate
Content-Encoding. Every refusal is a JSON ``{"error": ...}`` with a 4xx status; an unexpected fault is a JSON 500
without a traceback (the traceback goes to the server's log).

Example:
    >>> app = create_app({"titanic": "titanic-model/"})  # doctest: +SKIP
    >>> TestClient(app).get("/v2/models/titanic").json()["inputs"][0]  # doctest: +SKIP
    {'name': 'Pclass', 'datatype': 'BYTES', 'shape': [-1], 'parameters': {...}}
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from twoclass.serve import mlflow, v2
from twoclass.serve.batching import MicroBatcher, run_alone
from twoclass.serve.guard import Guard
from twoclass.serve.metrics import Metrics
from twoclass.serve.models import ModelOutcome, RequestError, Rows, ServedModel, load_models
from twoclass.serve.openapi import (
    ErrorBody,
    HealthBody,
    InferResponseBody,
    ModelMetadataBody,
    ModelReadyBody,
    PredictionsBody,
    ServerMetadataBody,
    build_openapi,
)
from twoclass.serve.tensors import dumps_json

__all__ = ["CONFIG_ENV", "app_from_environment", "create_app", "one_blas_thread"]

CONFIG_ENV = "TWOCLASS_SERVE_CONFIG"
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
_log = logging.getLogger("twoclass.serve")
_ERRORS = {code: {"model": ErrorBody} for code in (400, 404, 413, 415)}
_INFER_OK = {200: {"model": InferResponseBody, "content": {"application/octet-stream": {}}}}


@dataclass
class _State:
    models: dict[str, ServedModel]
    default_model: str
    metrics: Metrics
    max_body_bytes: int
    batchers: dict[str, MicroBatcher] = field(default_factory=dict)

    def model(self, name: str) -> ServedModel:
        if name not in self.models:
            served = ", ".join(repr(n) for n in self.models)
            raise RequestError(f"Model {name!r} is not served here. Served models: {served}.", 404)
        return self.models[name]

    async def predict(self, model: ServedModel, rows: Rows) -> ModelOutcome:
        if model.name in self.batchers:
            outcome = await self.batchers[model.name].submit(rows)
        else:
            outcome = run_alone(model.predict, rows)
        if isinstance(outcome, Exception):
            raise outcome  # a RequestError is a 4xx; anything else the JSON 500 below
        return outcome


def create_app(
    models: Mapping[str, Any],
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_batch_size: int | None = None,
    max_latency_ms: float = 5.0,
) -> FastAPI:
    """The server for ``models`` ({name: model directory, Predictor or ServedModel}; the first is the default for
    /invocations). ``max_batch_size`` (rows) turns on adaptive micro-batching with a ``max_latency_ms`` budget.

    Example:
        >>> app = create_app({"titanic": "titanic-model/"}, max_batch_size=256)  # doctest: +SKIP
    """
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise ValueError(
            f"The 'max_body_bytes' parameter of create_app must be an int in the range [1, inf). Got "
            f"{max_body_bytes!r} instead."
        )
    served = load_models(models)
    metrics = Metrics()
    state = _State(served, next(iter(served)), metrics, max_body_bytes)
    if max_batch_size is not None:
        for name, model in served.items():
            sizes = metrics.batch_rows.labels(name).observe
            state.batchers[name] = MicroBatcher(
                model.predict, max_batch_size=max_batch_size, max_latency_ms=max_latency_ms, batch_sizes=sizes
            )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # uvicorn gets here after the in-flight requests have been answered (graceful shutdown).
        for batcher in state.batchers.values():
            await batcher.close()

    listed = ", ".join(f"'{n}'" for n in served)
    app = FastAPI(
        title="twoclass model server",
        version=_version(),
        lifespan=lifespan,
        description=f"Serving {listed}. Open Inference Protocol (KServe V2) under /v2, MLflow's scoring "
        "format at /invocations, Prometheus metrics at /metrics.",
    )
    app.state.twoclass = state
    _routes(app, state)
    _handlers(app)
    app.add_middleware(Guard, state=state)
    app.openapi = lambda: app.openapi_schema or _cache(app, build_openapi(app, served, state.default_model))
    return app


def _cache(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    app.openapi_schema = schema
    return schema


def _version() -> str:
    import twoclass

    return str(getattr(twoclass, "__version__", "0"))


# ------------------------------------------------------------------------------------------------ routes


def _routes(app: FastAPI, state: _State) -> None:
    v2_tag, mlflow_tag = ["Open Inference Protocol (V2)"], ["MLflow scoring"]

    @app.get("/v2/health/live", tags=v2_tag, response_model=HealthBody)
    async def live() -> dict[str, Any]:
        """The server process is up."""
        return {"live": True}

    @app.get("/v2/health/ready", tags=v2_tag, response_model=HealthBody)
    async def ready() -> dict[str, Any]:
        """Every model is loaded (they are loaded before the server listens)."""
        return {"ready": True}

    @app.get("/v2", tags=v2_tag, response_model=ServerMetadataBody)
    async def server_metadata() -> dict[str, Any]:
        """Server name, version and protocol extensions."""
        return {"name": "twoclass", "version": app.version, "extensions": ["binary_tensor_data", "parameters"]}

    @app.get(
        "/v2/models/{name}",
        tags=v2_tag,
        response_model=ModelMetadataBody,
        responses=_ERRORS,
        response_model_exclude_none=True,
    )
    async def model_metadata(name: str) -> dict[str, Any]:
        """The model's inputs (one per column, or one [N, F] tensor) and outputs, its labels and threshold."""
        return state.model(name).metadata()

    @app.get("/v2/models/{name}/ready", tags=v2_tag, response_model=ModelReadyBody, responses=_ERRORS)
    async def model_ready(name: str) -> dict[str, Any]:
        """The model is loaded and ready."""
        return {"name": state.model(name).name, "ready": True}

    @app.post("/v2/models/{name}/infer", tags=v2_tag, responses={**_INFER_OK, **_ERRORS})
    async def infer(name: str, request: Request) -> Response:
        """Predict: `inputs` as columns (or one [N, F] tensor), `outputs` picks probability and/or label, `id` is
        echoed, `parameters.threshold` overrides the decision threshold. Binary tensors (Triton's extension) are
        accepted and returned when asked for."""
        model = state.model(name)
        _content_type(request, ("application/json", "application/octet-stream"), required=False)
        decoded = v2.decode_request(model, _body(request), request.headers.get("inference-header-content-length"))
        outcome = await state.predict(model, decoded.rows)
        threshold = model.threshold if decoded.threshold is None else decoded.threshold
        body, headers = v2.encode_response(model, decoded, outcome.probability, threshold, outcome.warnings)
        state.metrics.predicted_counts(model.name, model.label_counts(outcome.probability, threshold))
        return Response(body, headers=headers)

    async def invocations(model: ServedModel, request: Request) -> Response:
        media_type = _content_type(request, ("application/json", "text/csv"), required=True)
        decoded = mlflow.decode_request(model, _body(request), media_type)
        outcome = await state.predict(model, decoded.rows)
        threshold = model.threshold if decoded.threshold is None else decoded.threshold
        document = mlflow.encode_response(model, outcome.probability, threshold, outcome.warnings)
        state.metrics.predicted_counts(model.name, model.label_counts(outcome.probability, threshold))
        return Response(dumps_json(document), media_type="application/json")

    ok = {200: {"model": PredictionsBody}}

    @app.post("/invocations", tags=mlflow_tag, responses={**ok, **_ERRORS})
    async def invocations_default(request: Request) -> Response:
        """MLflow's scoring format for the first model served: dataframe_split, dataframe_records, instances or
        inputs (JSON), or text/csv. Answers {"predictions": [{"label", "probability"}, ...]}."""
        return await invocations(state.models[state.default_model], request)

    @app.post("/models/{name}/invocations", tags=mlflow_tag, responses={**ok, **_ERRORS})
    async def invocations_named(name: str, request: Request) -> Response:
        """MLflow's scoring format for the model ``name``."""
        return await invocations(state.model(name), request)

    @app.get("/ping", tags=mlflow_tag, response_model=HealthBody)
    async def ping() -> dict[str, Any]:
        """MLflow's health check."""
        return {"status": "ok"}

    @app.get("/health", tags=mlflow_tag, response_model=HealthBody)
    async def health() -> dict[str, Any]:
        """MLflow's health check."""
        return {"status": "ok"}

    @app.get("/metrics", tags=["Monitoring"], responses={200: {"content": {"text/plain": {}}}}, response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics: requests and errors by endpoint and model, latency, rows and labels predicted."""
        body, content_type = state.metrics.render()
        return Response(body, media_type=content_type)

    @app.get("/", tags=["Monitoring"], response_model=HealthBody)
    async def index() -> dict[str, Any]:
        """What is served here, and where."""
        return {
            "models": list(state.models),
            "default_model": state.default_model,
            "docs": "/docs",
            "openapi": "/openapi.json",
            "metrics": "/metrics",
            "infer": [f"/v2/models/{n}/infer" for n in state.models],
            "invocations": "/invocations",
        }


def _content_type(request: Request, accepted: tuple[str, ...], *, required: bool) -> str:
    raw = request.headers.get("content-type")
    media_type = (raw or "").split(";")[0].strip().lower()
    if not media_type and not required:
        return accepted[0]
    if media_type not in accepted:
        raise RequestError(f"The Content-Type must be {' or '.join(accepted)}. Got {raw or 'none'!r} instead.", 415)
    return media_type


def _body(request: Request) -> bytes:
    return request.scope.get("twoclass.body", b"")


# ------------------------------------------------------------------------------------------------ errors


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestError)
    async def refused(_: Request, error: RequestError) -> JSONResponse:
        return JSONResponse({"error": error.message}, status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        message = {
            404: "No such endpoint. See /docs for the endpoints.",
            405: "This endpoint does not take that HTTP method.",
        }.get(error.status_code, str(error.detail))
        return JSONResponse({"error": message}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"Invalid request at {where}: {first.get('msg', 'invalid')}."}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        _log.error("Unexpected error while answering a request", exc_info=error)
        return JSONResponse(
            {"error": f"The server failed on this request ({type(error).__name__}); the server's log has the details."},
            status_code=500,
        )


# ------------------------------------------------------------------------------------------------ workers


def app_from_environment() -> FastAPI:
    """The app of one worker process when `twoclass serve --workers N` starts several (uvicorn's factory): its
    settings come in the TWOCLASS_SERVE_CONFIG environment variable, as JSON."""
    one_blas_thread()
    config = json.loads(os.environ[CONFIG_ENV])
    app = create_app(
        config["models"],
        max_body_bytes=config["max_body_bytes"],
        max_batch_size=config.get("max_batch_size"),
        max_latency_ms=config.get("max_latency_ms", 5.0),
    )
    freeze_start_up_objects()
    return app


def freeze_start_up_objects() -> None:
    """Leave what start-up made (modules, models, routes: it lives as long as the server) out of the cyclic garbage
    collector's passes, so that a full pass during a request walks only the request's own objects: fewer and
    shorter pauses in the latency's tail. Only for a server process: the objects are never freed."""
    gc.collect()
    gc.freeze()


def one_blas_thread() -> None:
    """One BLAS (and OpenMP) thread in this server process. A request's products are small; BLAS threads that spin
    between them cost more CPU than they save, and on a busy machine a one-row call took 28 ms instead of 2.4 ms with
    two OpenBLAS threads. More cores are used through --workers instead."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
