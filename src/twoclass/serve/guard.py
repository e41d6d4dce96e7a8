"""The middleware every request passes first: Prometheus metrics around it, the body-size cap (413) and gzip/deflate
request bodies (Content-Encoding, as `tritonclient` sends them when asked to compress).

Example:
    >>> app.add_middleware(Guard, state=state)  # doctest: +SKIP
"""

from __future__ import annotations

import time
import zlib
from typing import Any

from fastapi.responses import JSONResponse
from starlette.routing import Match

from twoclass.serve.models import RequestError

__all__ = ["Guard"]

_KNOWN_PATHS = 1024


class Guard:
    """Pure ASGI middleware: metrics around every request, the body-size cap (413), gzip/deflate bodies.

    The body is read here, whole, before the route runs, and handed over in ``scope["twoclass.body"]``; the cap
    holds for the decompressed size too, so a small gzip bomb is refused like a large body.
    """

    def __init__(self, app: Any, state: Any) -> None:
        # state: the app's _State (models, default_model, metrics, max_body_bytes)
        self.app = app
        self.state = state
        # (method, path) -> (endpoint, model): matching every route costs more than a small request's prediction.
        # Bounded, as clients choose the paths; past the bound, paths are matched each time as before.
        self._known: dict[tuple[str, str], tuple[str, str]] = {}

    def _labels(self, scope: dict[str, Any]) -> tuple[str, str]:
        key = (scope.get("method", ""), scope.get("path", ""))
        found = self._known.get(key)
        if found is None:
            found = self._match(scope)
            if len(self._known) < _KNOWN_PATHS:
                self._known[key] = found
        return found

    def _match(self, scope: dict[str, Any]) -> tuple[str, str]:
        for route in scope["app"].router.routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                path = getattr(route, "path", "")
                name = child.get("path_params", {}).get("name")
                if name is None and path == "/invocations":
                    name = self.state.default_model
                return path, name if name in self.state.models else ""
        return "(unmatched)", ""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        endpoint, model = self._labels(scope)
        metrics = self.state.metrics
        metrics.in_progress.labels(endpoint).inc()
        status = 500

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["method"] in ("POST", "PUT", "PATCH"):
                try:
                    scope["twoclass.body"] = await self._read_body(scope, receive)
                except RequestError as error:
                    await JSONResponse({"error": error.message}, status_code=error.status)(scope, receive, sending)
                    return
            await self.app(scope, receive, sending)
        finally:
            metrics.in_progress.labels(endpoint).dec()
            metrics.observe(endpoint, model, status, time.perf_counter() - start)

    async def _read_body(self, scope: dict[str, Any], receive: Any) -> bytes:
        limit = self.state.max_body_bytes
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        too_large = RequestError(
            f"The request body is larger than this server's limit of {_size(limit)} "
            "(twoclass serve --max-body-mb). Send fewer rows per request.",
            413,
        )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "deflate"):
            raise RequestError(
                f"The Content-Encoding must be gzip, deflate or identity. Got {encoding!r} instead.", 415
            )
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if encoding == "identity":
            return body
        # wbits: 16 + MAX_WBITS reads a gzip header, MAX_WBITS a zlib one (HTTP's "deflate").
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, limit + 1)
        except zlib.error as error:
            raise RequestError(f"The request body is not valid {encoding} data ({error}).") from None
        if len(out) > limit:
            raise too_large
        return out


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"
