"""The server's Prometheus metrics (prometheus-client), served at GET /metrics in Prometheus's text format.

- ``twoclass_requests_total{endpoint, model, code}`` and ``twoclass_request_errors_total{endpoint, model, code}``
  (4xx and 5xx answers);
- ``twoclass_request_duration_seconds{endpoint, model}``: latency histogram, from the request's first byte to its
  answer;
- ``twoclass_requests_in_progress{endpoint}``;
- ``twoclass_rows_predicted_total{model}`` and ``twoclass_predictions_total{model, label}``;
- ``twoclass_batch_rows{model}``: rows per forward pass (micro-batching shows here).

``endpoint`` is the route's template (``/v2/models/{name}/infer``), never the raw path, and ``model`` is a served
model's name or empty, so the label sets stay small whatever clients send. With several worker processes the
metrics are aggregated across them through prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).

Example:
    >>> metrics = Metrics()
    >>> metrics.predicted("titanic", ["yes", "no", "yes"])
    >>> b'twoclass_rows_predicted_total{model="titanic"} 3.0' in metrics.render()[0]
    True
"""

from __future__ import annotations

import os
from collections import Counter as _Tally
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """One registry per app (tests build many apps in one process; the global registry would refuse the names)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "twoclass_requests",
            "HTTP requests answered, by endpoint, model and status code.",
            ["endpoint", "model", "code"],
            registry=r,
        )
        self.errors = Counter(
            "twoclass_request_errors",
            "Requests answered with a 4xx or 5xx status code.",
            ["endpoint", "model", "code"],
            registry=r,
        )
        self.latency = Histogram(
            "twoclass_request_duration_seconds",
            "Time from a request's arrival to its answer.",
            ["endpoint", "model"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_progress = Gauge(
            "twoclass_requests_in_progress",
            "Requests being answered now.",
            ["endpoint"],
            registry=r,
            multiprocess_mode="livesum",
        )
        self.rows = Counter("twoclass_rows_predicted", "Rows predicted.", ["model"], registry=r)
        self.labels = Counter("twoclass_predictions", "Predictions by predicted label.", ["model", "label"], registry=r)
        self.batch_rows = Histogram(
            "twoclass_batch_rows", "Rows per forward pass.", ["model"], buckets=_ROW_BUCKETS, registry=r
        )
        # (endpoint, model, code) -> its request counter, error counter (or None) and latency histogram. Endpoints
        # are route templates and models served names, so this stays as small as the label sets.
        self._series: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def observe(self, endpoint: str, model: str, code: int, seconds: float) -> None:
        key = (endpoint, model, code)
        series = self._series.get(key)
        if series is None:  # labels() looked up once per endpoint, model and code: a lock and a dict each time
            errors = self.errors.labels(endpoint, model, str(code)) if code >= 400 else None
            series = (self.requests.labels(endpoint, model, str(code)), errors, self.latency.labels(endpoint, model))
            self._series[key] = series
        series[0].inc()
        if series[1] is not None:
            series[1].inc()
        series[2].observe(seconds)

    def predicted(self, model: str, labels: Iterable[Any]) -> None:
        self.predicted_counts(model, _Tally(str(label) for label in labels))

    def predicted_counts(self, model: str, counts: Mapping[str, int]) -> None:
        """Rows predicted, ``counts`` by label (as text).

        Example:
            >>> Metrics().predicted_counts("titanic", {"0": 7, "1": 3})
        """
        self.rows.labels(model).inc(sum(counts.values()))
        for label, count in counts.items():
            self.labels.labels(model, label).inc(count)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type; across all worker processes in multiprocess mode."""
        if multiprocess_dir() is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
