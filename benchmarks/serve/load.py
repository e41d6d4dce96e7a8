"""The load generator: ``clients`` concurrent keep-alive connections (httpx, asyncio) sending one prepared request
``requests`` times in all, to a server on this machine only. Bounded in count and in time; it stops by itself.

Example:
    >>> result = asyncio.run(run_load("http://127.0.0.1:8080/v2/models/net/infer", body, clients=20,
    ...                               requests=2000))  # doctest: +SKIP
    >>> result.requests_per_second, result.p99_ms  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import httpx
import numpy as np

# Plain bodies both ways: MLServer gzips answers by default when the client accepts gzip, which would measure
# compression instead of serving.
HEADERS = {"Content-Type": "application/json", "Accept-Encoding": "identity"}


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    rows_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    first_error: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def _check_local(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"The load test sends traffic to this machine only (127.0.0.1). Got the host {host!r}.")


async def run_load(
    url: str, body: bytes, *, clients: int, requests: int, rows: int, warmup: int = 200, time_limit_s: float = 300.0
) -> LoadResult:
    """Send ``warmup`` unmeasured requests, then ``requests`` measured ones over ``clients`` connections."""
    _check_local(url)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60.0, headers=HEADERS) as http:
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.perf_counter() + time_limit_s

        async def client(share: int, record: bool) -> None:
            for _ in range(share):
                if time.perf_counter() > deadline:
                    errors.append("time limit reached")
                    return
                start = time.perf_counter()
                try:
                    response = await http.post(url, content=body)
                    ok = response.status_code == 200
                    if not ok:
                        errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as error:
                    ok = False
                    errors.append(f"{type(error).__name__}: {error}")
                if record and ok:
                    latencies.append(time.perf_counter() - start)

        def shares(total: int) -> list[int]:
            return [total // clients + (1 if i < total % clients else 0) for i in range(clients)]

        await asyncio.gather(*(client(n, record=False) for n in shares(warmup)))
        errors.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(n, record=True) for n in shares(requests)))
        seconds = time.perf_counter() - started
    ms = np.array(latencies) * 1000.0 if latencies else np.array([np.nan])
    done = len(latencies)
    return LoadResult(
        requests=done,
        errors=len(errors),
        seconds=round(seconds, 3),
        requests_per_second=round(done / seconds, 1),
        rows_per_second=round(done * rows / seconds, 1),
        p50_ms=round(float(np.percentile(ms, 50)), 2),
        p90_ms=round(float(np.percentile(ms, 90)), 2),
        p99_ms=round(float(np.percentile(ms, 99)), 2),
        max_ms=round(float(ms.max()), 2),
        first_error=errors[0] if errors else None,
    )
