"""Adaptive micro-batching: concurrent requests share forward passes within the row limit, each gets its own rows
back, a lone request is not held for the latency budget, and a batched server answers exactly as an unbatched one."""

from __future__ import annotations

import asyncio
import json
import warnings
from dataclasses import dataclass

import httpx
import numpy as np
import pytest

from twoclass.serve.batching import MicroBatcher

JSON = {"Content-Type": "application/json"}


@dataclass
class _Rows:
    n: int
    tag: int


def _recording():
    """A predict function that records each call's requests and answers each request with its own tag."""
    calls: list[list[int]] = []

    def predict(batch):
        calls.append([rows.tag for rows in batch])
        return [f"answer {rows.tag}" for rows in batch]

    return predict, calls


def _gather(batcher, rows):
    async def run():
        answers = await asyncio.gather(*(batcher.submit(r) for r in rows))
        await batcher.close()
        return answers

    return asyncio.run(run())


def test_concurrent_requests_share_one_call_and_get_their_own_answers():
    predict, calls = _recording()
    batcher = MicroBatcher(predict, max_batch_size=100, max_latency_ms=50)
    answers = _gather(batcher, [_Rows(2, i) for i in range(10)])
    assert answers == [f"answer {i}" for i in range(10)]
    assert calls == [list(range(10))]  # all ten were waiting when the batcher first ran: one call


def test_batches_never_exceed_the_row_limit_and_keep_arrival_order():
    predict, calls = _recording()
    batcher = MicroBatcher(predict, max_batch_size=5, max_latency_ms=50)
    sizes = [2, 2, 2, 4, 1, 7, 1]  # 7 is over the limit: it goes alone, whole
    answers = _gather(batcher, [_Rows(n, i) for i, n in enumerate(sizes)])
    assert answers == [f"answer {i}" for i in range(len(sizes))]
    assert calls == [[0, 1], [2], [3, 4], [5], [6]]
    assert [sum(sizes[t] for t in call) for call in calls] == [4, 2, 5, 7, 1]


def test_a_lone_request_is_not_held_for_the_latency_budget():
    predict, calls = _recording()

    async def run():
        # A one-hour budget: waiting for company instead of sending at once would time out here.
        batcher = MicroBatcher(predict, max_batch_size=100, max_latency_ms=3_600_000)
        answer = await asyncio.wait_for(batcher.submit(_Rows(1, 7)), timeout=120)
        await batcher.close()
        return answer

    assert asyncio.run(run()) == "answer 7" and calls == [[7]]


def test_a_failing_call_reaches_every_request_and_the_batcher_goes_on():
    state = {"calls": 0}

    def predict(batch):
        state["calls"] += 1
        if state["calls"] == 1:
            raise RuntimeError("boom")
        return ["fine"] * len(batch)

    async def run():
        batcher = MicroBatcher(predict, max_batch_size=10, max_latency_ms=1)
        first = await asyncio.gather(*(batcher.submit(_Rows(1, i)) for i in range(3)))
        second = await batcher.submit(_Rows(1, 9))
        await batcher.close()
        return first, second

    first, second = asyncio.run(run())
    assert all(isinstance(outcome, RuntimeError) for outcome in first) and second == "fine"


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="'max_batch_size' parameter must be an int in the range"):
        MicroBatcher(print, max_batch_size=0, max_latency_ms=1)
    with pytest.raises(ValueError, match="'max_latency_ms'"):
        MicroBatcher(print, max_batch_size=4, max_latency_ms=-1)


def test_a_batched_server_answers_concurrent_requests_as_the_predictor_does(
    model_dirs, predictors, mixed_rows, mixed_inputs
):
    """Requests of 1 to 6 rows, some with an unseen category or a bad value, sent at once to a server that batches:
    every answer equals the Predictor's on that request's rows alone, warnings and errors go to their own request."""
    from twoclass.serve import create_app

    app = create_app({name: str(path) for name, path in model_dirs.items()}, max_batch_size=64, max_latency_ms=20)
    rng = np.random.default_rng(0)
    requests = []
    for i in range(24):
        start = int(rng.integers(0, 34))
        rows = mixed_rows.iloc[start : start + 1 + i % 6].copy()
        if i % 7 == 3:
            rows["port"] = "Atlantis"
        requests.append(rows)
    # Passes decoding (JSON's Infinity is a number), fails inside the Predictor: found by running that request alone.
    bad = {
        "dataframe_records": [{"age": 1.0, "fare": float("inf"), "sex": "male", "port": "S", "pclass": 1, "note": "x"}]
    }
    x = rng.normal(size=(5, 4))

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as http:
            calls = [http.post("/v2/models/mixed/infer", json={"inputs": mixed_inputs(r)}) for r in requests]
            calls.insert(12, http.post("/invocations", content=json.dumps(bad), headers=JSON))
            calls += [http.post("/models/net/invocations", json={"instances": [row]}) for row in x.tolist()]
            answers = await asyncio.gather(*calls)
            metrics = (await http.get("/metrics")).text
        for batcher in app.state.twoclass.batchers.values():
            await batcher.close()
        return answers, metrics

    answers, metrics = asyncio.run(run())
    predictor = predictors["mixed"]
    refused = answers.pop(12)
    assert refused.status_code == 400 and "Column 'fare' contains infinite values" in refused.json()["error"]
    for rows, response in zip(requests, answers):
        assert response.status_code == 200, response.text
        out = {o["name"]: o["data"] for o in response.json()["outputs"]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the Predictor warns of Atlantis, as the server does
            np.testing.assert_allclose(out["probability"], predictor.predict_proba(rows)[:, 1], atol=1e-6)
            assert out["label"] == [str(v) for v in predictor.predict(rows)]
        warned = "warning" in response.json()["parameters"]
        assert warned == (rows["port"] == "Atlantis").any()
    for row, response in zip(x, answers[24:]):
        assert response.json()["predictions"][0]["probability"] == pytest.approx(
            predictors["net"].predict_proba(row[None, :])[0, 1], abs=1e-9
        )
    total = sum(len(r) for r in requests)
    assert f'twoclass_rows_predicted_total{{model="mixed"}} {float(total)}' in metrics
    assert 'twoclass_batch_rows_count{model="mixed"}' in metrics
