"""The OpenAPI schema: FastAPI's, with the request bodies (parsed by hand, since binary tensors and CSV bodies are
not JSON) described by the models below and illustrated with each served model's own columns.

Example:
    >>> schema = build_openapi(app, models)  # doctest: +SKIP
    >>> schema["paths"]["/v2/models/{name}/infer"]["post"]["requestBody"]["content"].keys()  # doctest: +SKIP
    dict_keys(['application/json', 'application/octet-stream'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from twoclass.serve.models import ServedModel
from twoclass.serve.tensors import DATATYPES

__all__ = [
    "ErrorBody",
    "HealthBody",
    "InferResponseBody",
    "ModelMetadataBody",
    "ModelReadyBody",
    "PredictionsBody",
    "ServerMetadataBody",
    "build_openapi",
]

Datatype = Literal[DATATYPES]  # type: ignore[valid-type]
Scalar = bool | int | float | str


class ErrorBody(BaseModel):
    error: str = Field(description="What was wrong, naming the input, what was expected and what was received.")


class HealthBody(BaseModel):
    model_config = ConfigDict(extra="allow")


class ModelReadyBody(BaseModel):
    name: str
    ready: bool


class ServerMetadataBody(BaseModel):
    name: str
    version: str
    extensions: list[str]


class TensorMetadata(BaseModel):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Scalar] | None = None


class ModelMetadataBody(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    parameters: dict[str, Scalar] | None = None


class InferInput(BaseModel):
    name: str = Field(description="A column of the model (GET /v2/models/{name}), or 'input' for an [N, F] tensor.")
    shape: list[int] = Field(description="[N] or [N, 1] for a column, [N, F] for a tensor.")
    datatype: Datatype = Field(description="BYTES for categorical and text columns, a numeric type otherwise.")
    parameters: dict[str, Scalar] | None = Field(
        None, description="binary_data_size: the input's bytes after the JSON header (binary tensor data extension)."
    )
    data: list[Any] | None = Field(None, description="Values, flat or nested; null for a missing value.")


class RequestedOutput(BaseModel):
    name: Literal["probability", "label"]
    parameters: dict[str, Scalar] | None = Field(None, description="binary_data: true for a binary output.")


class InferRequestBody(BaseModel):
    id: str | None = Field(None, description="Echoed in the response.")
    parameters: dict[str, Scalar] | None = Field(
        None,
        description="threshold: a decision threshold in [0, 1] for this request; binary_data_output: binary outputs.",
    )
    inputs: list[InferInput]
    outputs: list[RequestedOutput] | None = Field(None, description="Which outputs to return (default both).")


class InferOutput(BaseModel):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Scalar] | None = None
    data: list[float | str] | None = None


class InferResponseBody(BaseModel):
    model_name: str
    model_version: str | None = None
    id: str | None = None
    parameters: dict[str, Scalar] | None = Field(None, description="threshold used; warning: unseen categories.")
    outputs: list[InferOutput]


class DataframeSplit(BaseModel):
    columns: list[str] | None = None
    data: list[list[Any]]
    index: list[Any] | None = None


class MLflowRequestBody(BaseModel):
    dataframe_split: DataframeSplit | None = None
    dataframe_records: list[dict[str, Any]] | None = None
    instances: list[Any] | dict[str, Any] | None = None
    inputs: list[Any] | dict[str, Any] | None = None
    params: dict[str, Any] | None = Field(None, description="threshold: a decision threshold in [0, 1].")


class Prediction(BaseModel):
    label: bool | int | float | str = Field(description="The predicted label, as in the training data.")
    probability: float = Field(description="The positive label's probability.")


class PredictionsBody(BaseModel):
    predictions: list[Prediction]
    warnings: list[str] | None = None


def _component(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _v2_example(model: ServedModel) -> dict[str, Any]:
    row = model.example_row()
    if model.tensor:
        return {
            "id": "example-1",
            "inputs": [
                {"name": "input", "datatype": "FP32", "shape": [1, model.n_features], "data": [list(row.values())]}
            ],
        }
    return {
        "id": "example-1",
        "inputs": [{"name": s.name, "datatype": s.datatype, "shape": [1], "data": [row[s.name]]} for s in model.inputs],
    }


def _mlflow_example(model: ServedModel) -> dict[str, Any]:
    row = model.example_row()
    if model.tensor and not model.known_columns:
        return {"instances": [list(row.values())]}
    if model.tensor:
        row = dict(zip(model.known_columns, row.values()))
    return {"dataframe_split": {"columns": list(row), "data": [list(row.values())]}}


def build_openapi(app: Any, models: Mapping[str, ServedModel], default_model: str) -> dict[str, Any]:
    """FastAPI's schema plus the request bodies, model-name enums and per-model examples."""
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    names = list(models)
    for methods in schema["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "name" and parameter.get("in") == "path":
                    parameter["schema"] = {"type": "string", "enum": names, "title": "Name"}
    infer = _component(schemas, InferRequestBody)
    v2_examples = {
        name: {"summary": f"one row for model '{name}'", "value": _v2_example(m)} for name, m in models.items()
    }
    schema["paths"]["/v2/models/{name}/infer"]["post"]["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": infer, "examples": v2_examples},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
    mlflow = _component(schemas, MLflowRequestBody)
    csv = {"type": "string", "description": "CSV with a header row, as `twoclass predict` reads it."}
    for path, model_names in (("/invocations", [default_model]), ("/models/{name}/invocations", names)):
        examples = {
            name: {"summary": f"one row for model '{name}'", "value": _mlflow_example(models[name])}
            for name in model_names
        }
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": mlflow, "examples": examples},
                "text/csv": {"schema": csv},
            },
        }
    return schema
