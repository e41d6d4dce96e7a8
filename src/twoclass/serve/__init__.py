"""`twoclass serve`: a model server that existing clients already speak to, over the NumPy predictor (no JAX).

- `create_app(models, ...)`: the FastAPI app (Open Inference Protocol V2, MLflow scoring, /metrics, OpenAPI docs);
- `ServedModel`: a loaded model directory with its name and input schema;
- `serve(...)`: the command (`twoclass serve MODEL_DIR ...`, or `python -m twoclass.serve MODEL_DIR ...`).

Modules: `app` (routes, errors, body limits), `v2` and `mlflow` (the two protocols), `models`, `batching`
(adaptive micro-batching), `metrics` (Prometheus), `openapi` (the documented request bodies), `command`.

Example:
    >>> from twoclass.serve import create_app
    >>> app = create_app({"titanic": "titanic-model/"})  # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app, port=8080)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServedModel", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    # Lazy, so `python -m twoclass.serve` and the CLI load FastAPI and the models only when they serve.
    if name == "create_app":
        from twoclass.serve.app import create_app

        return create_app
    if name == "ServedModel":
        from twoclass.serve.models import ServedModel

        return ServedModel
    if name == "serve":
        from twoclass.serve.command import serve

        return serve
    raise AttributeError(f"module 'twoclass.serve' has no attribute {name!r}")
