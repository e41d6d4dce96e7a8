"""One measurement in a fresh process: serve the playground on 127.0.0.1, drive it over HTTP, print JSON."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

import httpx
import uvicorn

from twoclass.web import create_app
from twoclass.web.runner import compiled_programs

LINK = "seed=1"  # the Playground's default network on its circle data


class Server:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.app = create_app()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def session(self, link: str = LINK) -> str:
        return self.http.post("/api/sessions", json={"url": link}).json()["session"]


class Stream:
    """Reads one session's event stream in a thread, keeping (arrival time, epoch) of every frame."""

    def __init__(self, server: Server, session: str) -> None:
        self.frames: list[tuple[float, int]] = []
        self.client = httpx.Client(base_url=server.http.base_url, timeout=60)
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.read, args=(session,), daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def read(self, session: str) -> None:
        with self.client.stream("GET", f"/api/sessions/{session}/events") as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    epoch = json.loads(line[6:])["epoch"]
                    self.frames.append((time.perf_counter(), epoch))
                    self.ready.set()
                if self.stop.is_set():
                    return

    def first_after(self, started: float, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for arrived, epoch in list(self.frames):
                if arrived >= started and epoch > 0:
                    return arrived - started
            time.sleep(0.001)
        raise RuntimeError("no frame with epoch > 0 arrived")


def rate(frames: list[tuple[float, int]], start: float, end: float) -> dict:
    inside = [(t, e) for t, e in frames if start <= t <= end]
    gaps = [b[0] - a[0] for a, b in zip(inside, inside[1:])]
    return {
        "updates_per_s": len(inside) / (end - start),
        "epochs_per_s": (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]) if len(inside) > 1 else 0,
        "max_gap_s": max(gaps) if gaps else float("inf"),
    }


def first_surface(wait_for_warmup: bool) -> dict:
    server = Server()
    session = server.session()
    stream = Stream(server, session)
    if wait_for_warmup:
        server.app.state.store.get(session)._warm.wait(60)
    started = time.perf_counter()
    server.http.post(f"/api/sessions/{session}/play")
    return {"seconds": stream.first_after(started)}


def rates(seconds: float) -> list[dict]:
    server = Server()
    rows = []
    for tabs in (1, 2):
        for speed in ("normal", "max"):
            sessions = [server.session(f"{LINK}&speed={speed}") for _ in range(tabs)]
            streams = [Stream(server, s) for s in sessions]
            for s in sessions:
                server.app.state.store.get(s)._warm.wait(60)
                server.http.post(f"/api/sessions/{s}/play")
            time.sleep(1.0)  # past the first chunk
            start = time.perf_counter()
            time.sleep(seconds)
            end = time.perf_counter()
            measured = [rate(stream.frames, start, end) for stream in streams]
            for s, stream in zip(sessions, streams):
                server.http.post(f"/api/sessions/{s}/pause")
                stream.stop.set()
            rows.append(
                {
                    "tabs": tabs,
                    "speed": speed,
                    "updates_per_s": min(m["updates_per_s"] for m in measured),
                    "epochs_per_s": min(m["epochs_per_s"] for m in measured),
                    "max_gap_s": max(m["max_gap_s"] for m in measured),
                }
            )
    return rows


def learning_rate_change(seconds: float) -> dict:
    server = Server()
    session = server.session()
    stream = Stream(server, session)
    server.app.state.store.get(session)._warm.wait(60)
    server.http.post(f"/api/sessions/{session}/play")
    time.sleep(1.0)
    before = compiled_programs()
    start = time.perf_counter()
    for rate_value in (0.1, 0.3, 1.0, 0.03):
        server.http.patch(f"/api/sessions/{session}/settings", json={"learningRate": rate_value})
        time.sleep(seconds / 4)
    end = time.perf_counter()
    compiled = (compiled_programs() or 0) - (before or 0)
    server.http.post(f"/api/sessions/{session}/pause")
    return {"programs_compiled": compiled, **rate(stream.frames, start, end)}


def prime() -> dict:
    server = Server()
    session = server.session()
    server.app.state.store.get(session)._warm.wait(120)
    server.http.post(f"/api/sessions/{session}/step")
    return {"ok": True}


if __name__ == "__main__":
    task, seconds = sys.argv[1], float(sys.argv[2])
    tasks = {
        "prime": prime,
        "first_surface_at_once": lambda: first_surface(False),
        "first_surface_after_warmup": lambda: first_surface(True),
        "rates": lambda: rates(seconds),
        "learning_rate_change": lambda: learning_rate_change(seconds),
    }
    print(json.dumps(tasks[task]()))
