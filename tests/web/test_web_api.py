"""The playground's HTTP API through FastAPI's TestClient: sessions, settings, uploads, training, exports.

The references are independent of the page: the engine's own predictions, `twoclass.io.load_model_dir`, the
generated script run as Python, and the real Keras 3 for the same script with its imports swapped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from twoclass.web.runner import compiled_programs

STATIC = Path(__file__).resolve().parents[2] / "src" / "twoclass" / "web" / "static"


def new_session(client, link: str = "seed=1") -> str:
    response = client.post("/api/sessions", json={"url": link})
    assert response.status_code == 200, response.text
    return response.json()["session"]


def frame(client, session: str) -> dict:
    response = client.get(f"/api/sessions/{session}/frame")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"Timed out waiting for {what}.")


# ---------------------------------------------------------------------------------------------------- the page


def test_the_page_and_its_files_come_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for name in ("playground.js", "playground.css"):
        assert f"/static/{name}" in page.text
        assert client.get(f"/static/{name}").status_code == 200


def test_nothing_is_fetched_from_the_network():
    """No CDN, no web font: every URL the page's files name is the server's own (the SVG namespace is a name)."""
    for path in STATIC.iterdir():
        text = path.read_text().replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path.name
        assert "@import" not in text and "@font-face" not in text, path.name


def test_unknown_pages_and_sessions_answer_json(client):
    missing = client.get("/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"].startswith("No such page: /nothing-here")
    gone = client.get("/api/sessions/abc/frame")
    assert gone.status_code == 404
    assert "No playground session 'abc'" in gone.json()["error"] and "Reload the page" in gone.json()["error"]
    assert client.get("/api/health").json()["status"] == "ok"


# ---------------------------------------------------------------------------------------------------- sessions


def test_a_playground_link_becomes_the_sessions_settings(client):
    response = client.post(
        "/api/sessions",
        json={
            "url": "activation=relu&networkShape=3&dataset=gauss&noise=10&learningRate=0.1&seed=0.5&problem=regression"
        },
    )
    body = response.json()
    assert "regression" in body["notices"][0]
    settings = frame(client, body["session"])["settings"]
    assert (
        settings["activation"],
        settings["networkShape"],
        settings["dataset"],
        settings["noise"],
        settings["learningRate"],
        settings["seed"],
    ) == ("relu", [3], "gauss", 10, 0.1, "0.5")
    assert "activation=relu" in body["url"] and "networkShape=3&" in body["url"]


def test_sessions_are_isolated(client):
    first, second = new_session(client), new_session(client, "seed=1&dataset=xor")
    client.post(f"/api/sessions/{first}/step")
    client.patch(f"/api/sessions/{first}/settings", json={"learningRate": 0.3, "discretize": True})
    client.post(f"/api/sessions/{first}/step")
    assert frame(client, first)["epoch"] == 2 and frame(client, first)["settings"]["learningRate"] == 0.3
    other = frame(client, second)
    assert other["epoch"] == 0 and other["settings"]["learningRate"] == 0.03 and not other["settings"]["discretize"]
    assert other["settings"]["dataset"] == "xor"


def test_sessions_are_bounded(client):
    store = client.app.state.store
    ids = [new_session(client) for _ in range(store.max_sessions)]
    ids.append(new_session(client))  # full, nobody watching: the least recently used one makes room
    assert client.get(f"/api/sessions/{ids[0]}/frame").status_code == 404
    assert len(store) == store.max_sessions
    for session_id in ids[1:]:
        store.attached(store.get(session_id))  # as if every tab held its event stream open
    refused = client.post("/api/sessions", json={"url": ""})
    assert refused.status_code == 503
    assert "already has 4 open tabs, its limit (--max-sessions)" in refused.json()["error"]


def test_closing_a_tab_frees_its_session(client):
    session = new_session(client)
    assert client.post(f"/api/sessions/{session}/close").json() == {"closed": True}
    assert client.get(f"/api/sessions/{session}/frame").status_code == 404
    other = new_session(client)
    assert client.delete(f"/api/sessions/{other}").json() == {"closed": True}
    assert client.delete(f"/api/sessions/{other}").json() == {"closed": False}


def test_a_stream_that_outlives_its_closed_session_breaks_nothing(client):
    """A reloaded tab: its beacon closes the session, then its event stream ends."""
    store = client.app.state.store
    session = store.get(new_session(client))
    store.attached(session)
    assert client.post(f"/api/sessions/{session.id}/close").json() == {"closed": True}
    store.detached(session)
    assert store.evict_stale() == []
    assert client.post("/api/sessions", json={"url": ""}).status_code == 200


def test_idle_and_detached_sessions_are_evicted():
    """Time is moved by backdating the store's clocks, not by sleeping: the test cannot race the limits."""
    from twoclass.web.sessions import SessionStore
    from twoclass.web.settings import Settings

    store = SessionStore(max_sessions=4, idle_seconds=600, detached_seconds=30)
    watched, unwatched, idle = (store.create(Settings(seed="1")) for _ in range(3))
    store.attached(watched)
    store.attached(idle)

    def backdate(session, seconds):
        session.last_seen -= seconds
        if session.id in store._detached_at:
            store._detached_at[session.id] -= seconds

    backdate(unwatched, 29)
    assert store.evict_stale() == []  # within its grace period
    backdate(unwatched, 2)
    assert store.evict_stale() == [unwatched.id]  # never watched, never asked for: gone after 30 s
    store.detached(watched)  # the tab closed without saying so
    backdate(watched, 31)
    backdate(idle, 601)  # a tab left open and paused for longer than idle_seconds
    assert sorted(store.evict_stale()) == sorted([watched.id, idle.id]) and len(store) == 0


# ---------------------------------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"learningRate": 0}, "The 'learningRate' setting must be a number in the range (0, 10]. Got 0 instead."),
        ({"networkShape": [2, 2, 2, 2, 2, 2, 2]}, "at most 6 hidden layer sizes"),
        ({"dataset": "upload"}, "can be 'upload' only after a CSV file is uploaded"),
        ([1, 2], "Settings must be sent as a JSON object"),
    ],
)
def test_bad_settings_are_refused_with_a_message(client, body, message):
    session = new_session(client)
    response = client.patch(f"/api/sessions/{session}/settings", json=body)
    assert response.status_code == 422 and message in response.json()["error"]
    assert frame(client, session)["settings"]["learningRate"] == 0.03  # nothing changed


def test_a_body_that_is_not_json_is_refused(client):
    session = new_session(client)
    response = client.patch(
        f"/api/sessions/{session}/settings", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["error"].startswith("The request body must be JSON")
    assert client.post(f"/api/sessions/{session}/jump").status_code == 404


def test_presets(client):
    session = new_session(client)
    slides = client.post(f"/api/sessions/{session}/preset", json={"name": "slides"}).json()["settings"]
    assert (
        slides["dataset"],
        slides["networkShape"],
        slides["activation"],
        slides["learningRate"],
        slides["optimizer"],
        slides["loss"],
        slides["stopEpoch"],
        slides["batchSize"],
    ) == ("circles", [4], "tanh", 0.5, "sgd", "bce", 20, 32)
    default = client.post(f"/api/sessions/{session}/preset", json={"name": "playground"}).json()["settings"]
    assert default["dataset"] == "circle" and default["networkShape"] == [4, 2] and default["loss"] == "mse"
    bad = client.post(f"/api/sessions/{session}/preset", json={"name": "mine"})
    assert bad.status_code == 422 and "'preset' setting must be one of 'slides', 'playground'" in bad.json()["error"]


# ---------------------------------------------------------------------------------------------------- training


def test_play_pause_step_reset(client):
    session = new_session(client)
    first = frame(client, session)
    assert first["epoch"] == 0 and first["curve"]["epoch"] == [0]
    assert client.post(f"/api/sessions/{session}/step").json()["epoch"] == 1
    client.post(f"/api/sessions/{session}/play")
    wait_for(lambda: frame(client, session)["epoch"] >= 30, "epochs while playing")
    paused = client.post(f"/api/sessions/{session}/pause").json()
    assert paused["playing"] is False
    later = frame(client, session)
    assert later["loss"]["test"] < first["loss"]["test"] and later["grid"]["output"] != first["grid"]["output"]
    assert len(later["curve"]["epoch"]) > 2 and later["curve"]["epoch"] == sorted(later["curve"]["epoch"])
    reset = client.post(f"/api/sessions/{session}/reset").json()
    assert reset["epoch"] == 0 and reset["grid"]["output"] == first["grid"]["output"]  # same seed, same start


def test_a_new_learning_rate_or_new_noise_compiles_nothing(client):
    session = new_session(client)
    client.post(f"/api/sessions/{session}/step")  # this structure's program is compiled (or loaded) now
    before = compiled_programs()
    assert before is not None, "twoclass's program count moved: update runner.compiled_programs"
    client.patch(f"/api/sessions/{session}/settings", json={"learningRate": 0.3})
    stepped = client.post(f"/api/sessions/{session}/step").json()
    assert stepped["epoch"] == 2 and stepped["settings"]["learningRate"] == 0.3  # no reset: training goes on
    client.patch(f"/api/sessions/{session}/settings", json={"noise": 25})  # new points, the same count
    client.post(f"/api/sessions/{session}/step")
    assert compiled_programs() == before


def test_the_learning_rate_changes_while_playing(client):
    session = new_session(client)
    client.post(f"/api/sessions/{session}/play")
    wait_for(lambda: frame(client, session)["epoch"] >= 5, "the first epochs")
    changed = client.patch(f"/api/sessions/{session}/settings", json={"learningRate": 1}).json()
    assert changed["playing"] is True and changed["epoch"] >= 5
    wait_for(lambda: frame(client, session)["epoch"] >= changed["epoch"] + 10, "epochs after the change")
    client.post(f"/api/sessions/{session}/pause")
    session_obj = client.app.state.store.get(session)
    assert session_obj.model.optimizer.learning_rate == pytest.approx(1.0)


def test_the_stop_condition_stops_at_its_epoch(client):
    session = new_session(client)
    client.patch(f"/api/sessions/{session}/settings", json={"stopEpoch": 40, "speed": "fast"})
    client.post(f"/api/sessions/{session}/play")
    stopped = wait_for(lambda: (f := frame(client, session))["playing"] is False and f, "the stop")
    assert stopped["epoch"] == 40 and "Stopped at epoch 40" in stopped["stopped"]


def test_divergence_pauses_with_the_engines_message(client):
    session = new_session(client, "seed=1&learningRate=10&loss=bce&activation=linear&xSquared=true&ySquared=true")
    for _ in range(30):
        body = client.post(f"/api/sessions/{session}/step").json()
        if body["stopped"]:
            break
    assert "diverged" in body["stopped"] and body["playing"] is False


def test_confusion_matrix_at_the_threshold(client):
    session = new_session(client, "seed=2&dataset=gauss")
    for _ in range(5):
        client.post(f"/api/sessions/{session}/step")
    store_session = client.app.state.store.get(session)
    for threshold in (0.5, 0.9):
        body = client.patch(f"/api/sessions/{session}/settings", json={"threshold": threshold}).json()
        p = store_session.model.predict(store_session.x_test, verbose=0)[:, 0]  # the engine's, not the page's
        predicted, truth = p >= threshold, store_session.y_test == 1
        assert body["confusion"] == {
            "tp": int((predicted & truth).sum()),
            "fp": int((predicted & ~truth).sum()),
            "fn": int((~predicted & truth).sum()),
            "tn": int((~predicted & ~truth).sum()),
        }
        assert body["accuracy"]["test"] == pytest.approx(float((predicted == truth).mean()))


# ---------------------------------------------------------------------------------------------------- uploads


def csv_bytes(n: int = 60) -> bytes:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    label = np.where(x[:, 0] + x[:, 1] > 0, "yes", "no")
    return ("p,q,answer\n" + "".join(f"{a:.4f},{b:.4f},{c}\n" for (a, b), c in zip(x, label))).encode()


def test_an_uploaded_csv_becomes_the_data(client):
    session = new_session(client)
    response = client.post(f"/api/sessions/{session}/upload", files={"file": ("points.csv", csv_bytes(), "text/csv")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["settings"]["dataset"] == "upload" and body["data"]["uploaded"] == "points.csv"
    assert body["data"]["description"] == "points.csv: 60 rows" and body["epoch"] == 0
    points = client.get(f"/api/sessions/{session}/points").json()
    assert len(points["train"]) == 30 and len(points["test"]) == 30
    assert body["data"]["domain"][0] < min(p[0] for p in points["train"])


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"a,b\n1,2\n", 422, "must have 3 columns"),
        (b"x" * (65 * 1024), 413, "The uploaded file must be at most 64 KiB."),
    ],
)
def test_bad_uploads_are_refused(client, content, status, message):
    session = new_session(client)
    response = client.post(f"/api/sessions/{session}/upload", files={"file": ("bad.csv", content, "text/csv")})
    assert response.status_code == status and message in response.json()["error"]
    assert frame(client, session)["settings"]["dataset"] == "circle"
    no_file = client.post(f"/api/sessions/{session}/upload", data={"other": "1"})
    assert no_file.status_code == 422 and "in the field 'file'" in no_file.json()["error"]
    broken = client.post(
        f"/api/sessions/{session}/upload",
        content=b"garbage",
        headers={"content-type": "multipart/form-data; boundary=xx"},
    )
    assert broken.status_code == 400 and broken.json() == {"error": "Invalid multipart data."}


def test_frames_reach_the_page_as_server_sent_events(live_server):
    import httpx

    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        session = http.post("/api/sessions", json={"url": "seed=1"}).json()["session"]
        http.post(f"/api/sessions/{session}/play")
        epochs = []
        with http.stream("GET", f"/api/sessions/{session}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    epochs.append(json.loads(line[6:])["epoch"])
                if len(epochs) >= 4:
                    break
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
        http.post(f"/api/sessions/{session}/pause")
        # The stream has closed: the session is detached, and stops training if it was not paused already.
        store = live_server.app.state.store
        wait_for(lambda: store.get(session).streams == 0, "the stream to close")
