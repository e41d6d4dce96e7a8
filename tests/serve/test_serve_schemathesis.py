"""Schemathesis against the server's own /openapi.json: requests generated from the documented schemas (and, in
its negative mode, requests that break them) never get a 5xx, and every answer matches its documented status code,
content type and schema. Bounded and derandomized: the same examples every run.

Schemathesis's pytest plugin (`from_fixture`) does not run under pytest 9, so each operation's strategy is drawn
with Hypothesis directly; the list of operations is checked against the schema so that a new route is not missed.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

OPERATIONS = [
    ("GET", "/v2/health/live"),
    ("GET", "/v2/health/ready"),
    ("GET", "/v2"),
    ("GET", "/v2/models/{name}"),
    ("GET", "/v2/models/{name}/ready"),
    ("POST", "/v2/models/{name}/infer"),
    ("POST", "/invocations"),
    ("POST", "/models/{name}/invocations"),
    ("GET", "/ping"),
    ("GET", "/health"),
    ("GET", "/metrics"),
    ("GET", "/"),
]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schemathesis.serializer("text/csv")
def _csv(ctx, value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else str(value).encode("utf-8")


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_covered(api_schema):
    found = sorted((op.method.upper(), op.path) for op in (r.ok() for r in api_schema.get_all_operations()))
    assert found == sorted(OPERATIONS)


# Negative cases (a wrong model name, a body that breaks its schema) exist only where there is a parameter or a body.
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if m == "POST" or "{name}" in p
]


@pytest.mark.parametrize("method, path, mode", CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES])
def test_no_server_error_and_answers_match_the_schema(api_schema, method, path, mode):
    operation = api_schema[path][method]
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    examples = 25 if method == "POST" else 5

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):
        case.call_and_validate(checks=checks)

    run()
