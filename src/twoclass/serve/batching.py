"""Adaptive micro-batching: concurrent requests for one model share one forward pass, within a latency budget.

Predictions run on the event loop's own thread. A small request is a fraction of a millisecond of NumPy and
scikit-learn work that holds the GIL; handing it to another thread cost more than the work itself on a busy machine
(each hand-over waits for the GIL's switch interval, 5 ms, while the loop parses the next requests), and one thread
also keeps the preprocessor's warning capture free of races. Parallelism comes from worker processes (--workers).

With a `MicroBatcher`, requests that arrived while a forward pass ran, or within ``max_latency_ms`` of the first
waiting one, are concatenated (up to ``max_batch_size`` rows) and predicted in one call: per-call overhead
(DataFrame building, the transformers' checks, the matrix products' set-up) is paid once for the whole batch.

Adaptive: the batcher keeps a moving average of the gap between arrivals and waits for more requests only while the
next one is expected before the deadline. A lone request on an idle server is sent at once, not after the budget;
under load, batches fill up.

Example:
    >>> batcher = MicroBatcher(model.predict, max_batch_size=256, max_latency_ms=5)  # doctest: +SKIP
    >>> outcome = await batcher.submit(rows)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MicroBatcher", "run_alone"]


@dataclass
class _Waiting:
    rows: Any  # a Rows (has .n)
    future: asyncio.Future
    arrived: float = field(default=0.0)


def run_alone(predict: Callable[[Sequence[Any]], list[Any]], rows: Any) -> Any:
    """One request, one call (no batching)."""
    return predict([rows])[0]


class MicroBatcher:
    """Groups concurrent requests into calls of ``predict(list_of_rows) -> list_of_outcomes``.

    ``max_batch_size`` bounds the rows of one call (a larger request still goes alone, whole); ``max_latency_ms`` is
    the longest a request waits for company before its batch is sent. ``batch_sizes`` (a callable) is told the rows
    of each call, for the metrics.
    """

    def __init__(
        self,
        predict: Callable[[Sequence[Any]], list[Any]],
        *,
        max_batch_size: int,
        max_latency_ms: float,
        batch_sizes: Callable[[int], None] | None = None,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(
                f"The 'max_batch_size' parameter must be an int in the range [1, inf). Got {max_batch_size!r} instead."
            )
        if not max_latency_ms >= 0:
            raise ValueError(f"The 'max_latency_ms' parameter must be a number >= 0. Got {max_latency_ms!r} instead.")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_latency = max_latency_ms / 1000.0
        self.batch_sizes = batch_sizes
        self._queue: asyncio.Queue[_Waiting] | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held: _Waiting | None = None  # a request that did not fit in the last batch: first in the next
        self._last_arrival: float | None = None
        self._gap: float | None = None  # moving average of the time between arrivals

    async def submit(self, rows: Any) -> Any:
        """The outcome of predicting ``rows`` (as ``predict`` returns it for them), once their batch has run."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            # (Re)started in the running loop: a test client may run each request in a loop of its own.
            self._loop, self._queue, self._held = loop, asyncio.Queue(), None
            self._task = loop.create_task(self._run(), name="twoclass-micro-batcher")
        now = loop.time()
        if self._last_arrival is not None:
            gap = now - self._last_arrival
            self._gap = gap if self._gap is None else 0.8 * self._gap + 0.2 * gap
        self._last_arrival = now
        waiting = _Waiting(rows, loop.create_future(), now)
        self._queue.put_nowait(waiting)
        return await waiting.future

    async def close(self) -> None:
        """Stop the batching task; requests still waiting get an error (uvicorn lets in-flight ones finish first)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        pending = [self._held] if self._held else []
        while self._queue is not None and not self._queue.empty():
            pending.append(self._queue.get_nowait())
        for waiting in pending:
            if not waiting.future.done():
                waiting.future.set_exception(RuntimeError("The server is shutting down."))

    # ------------------------------------------------------------------------------------------------ the loop
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [self._held if self._held is not None else await self._queue.get()]
            self._held = None
            rows = batch[0].rows.n
            deadline = batch[0].arrived + self.max_latency
            while rows < self.max_batch_size:
                if self._queue.empty():
                    remaining = deadline - loop.time()
                    # Wait only while another request is expected before the deadline.
                    if remaining <= 0 or self._gap is None or self._gap > remaining:
                        break
                    try:
                        waiting = await asyncio.wait_for(self._queue.get(), remaining)
                    except asyncio.TimeoutError:
                        break
                else:
                    waiting = self._queue.get_nowait()
                if rows + waiting.rows.n > self.max_batch_size:
                    self._held = waiting
                    break
                batch.append(waiting)
                rows += waiting.rows.n
            await self._send(loop, batch, rows)

    async def _send(self, loop: asyncio.AbstractEventLoop, batch: list[_Waiting], rows: int) -> None:
        if self.batch_sizes is not None:
            self.batch_sizes(rows)
        try:
            outcomes = self.predict([w.rows for w in batch])
        except Exception as error:  # noqa: BLE001 - every waiting request learns of it; the loop goes on
            outcomes = [error] * len(batch)
        for waiting, outcome in zip(batch, outcomes):
            if not waiting.future.done():  # its client may have gone away
                waiting.future.set_result(outcome)
