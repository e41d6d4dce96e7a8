"""The playground's web app: the page, its static files, and a small JSON API over the sessions.

Every error is JSON ``{"error": "..."}`` with a 4xx status and a message that says what to change: 404 for an
unknown session, 413 for an upload over the size limit, 422 for a bad setting or file, 503 when every session slot
holds a live tab. Frames reach the page as server-sent events (`/api/sessions/{id}/events`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .data import UploadError, parse_csv, thumbnails
from .links import from_url, to_url
from .sessions import SessionLimitError, SessionStore, UnknownSessionError
from .settings import SettingsError

__all__ = ["DEFAULT_UPLOAD_BYTES", "STATIC_DIR", "create_app"]

STATIC_DIR = resources.files("twoclass.web") / "static"
DEFAULT_UPLOAD_BYTES = 1 << 20  # 1 MiB: ~30,000 short rows, far above MAX_UPLOAD_ROWS
POLL_SECONDS = 0.01  # how often an event stream looks for a new frame
HEARTBEAT_SECONDS = 10.0


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SettingsError(f"The request body must be JSON. Got {raw[:40]!r} instead.") from None


def create_app(
    max_sessions: int = 8,
    upload_bytes: int = DEFAULT_UPLOAD_BYTES,
    idle_seconds: float = 30 * 60,
    detached_seconds: float = 30.0,
    sweep_seconds: float = 5.0,
) -> FastAPI:
    """The FastAPI app; `uvicorn.run(create_app(), host="127.0.0.1")` serves it.

    >>> from fastapi.testclient import TestClient
    >>> TestClient(create_app()).get("/api/health").json()["status"]
    'ok'
    """
    store = SessionStore(max_sessions=max_sessions, idle_seconds=idle_seconds, detached_seconds=detached_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        async def sweep() -> None:
            while True:
                await asyncio.sleep(sweep_seconds)
                store.evict_stale()

        task = asyncio.create_task(sweep())
        yield
        task.cancel()
        store.close_all()

    app = FastAPI(title="twoclass playground", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.upload_bytes = upload_bytes

    @app.exception_handler(UnknownSessionError)
    async def unknown_session(request: Request, error: UnknownSessionError) -> JSONResponse:
        return _error(404, str(error))

    @app.exception_handler(SettingsError)
    async def bad_setting(request: Request, error: SettingsError) -> JSONResponse:
        return _error(422, str(error))

    @app.exception_handler(UploadError)
    async def bad_upload(request: Request, error: UploadError) -> JSONResponse:
        return _error(422, str(error))

    @app.exception_handler(SessionLimitError)
    async def full(request: Request, error: SessionLimitError) -> JSONResponse:
        return _error(503, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {
            404: f"No such page: {request.url.path}. The playground is at /.",
            405: f"{request.method} is not allowed on {request.url.path}.",
        }
        return _error(error.status_code, messages.get(error.status_code, f"{error.detail}"))

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(STATIC_DIR / "index.html"), media_type="text/html")

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "sessions": len(store), "max_sessions": store.max_sessions}

    @app.get("/api/thumbnails")
    def dataset_thumbnails() -> dict[str, Any]:
        return thumbnails()

    @app.post("/api/sessions")
    async def create(request: Request) -> dict[str, Any]:
        body = await _json_body(request)
        link = body.get("url", "") if isinstance(body, dict) else ""
        if not isinstance(link, str) or len(link) > 4000:
            raise SettingsError(
                f"The 'url' field must be the page's URL hash, a string of at most 4000 characters. "
                f"Got {str(link)[:40]!r} instead."
            )
        settings, notices = from_url(link)
        session = await asyncio.to_thread(store.create, settings, notices)
        return {"session": session.id, "url": to_url(session.settings), "notices": notices}

    @app.delete("/api/sessions/{session_id}")
    def delete(session_id: str) -> dict[str, Any]:
        return {"closed": store.close(session_id)}

    @app.post("/api/sessions/{session_id}/close")  # navigator.sendBeacon can only POST
    def close(session_id: str) -> dict[str, Any]:
        return {"closed": store.close(session_id)}

    @app.get("/api/sessions/{session_id}/frame")
    def frame(session_id: str) -> Response:
        return Response(store.get(session_id).frame_json()[1], media_type="application/json")

    @app.get("/api/sessions/{session_id}/points")
    def points(session_id: str) -> dict[str, Any]:
        return store.get(session_id).points_json()

    @app.patch("/api/sessions/{session_id}/settings")
    async def change(session_id: str, request: Request) -> Response:
        session = store.get(session_id)
        body = await _json_body(request)
        await asyncio.to_thread(session.apply, body)
        return Response(session.frame_json()[1], media_type="application/json")

    @app.post("/api/sessions/{session_id}/upload")  # before the catch-all action route
    async def upload(session_id: str, request: Request) -> Response:
        session = store.get(session_id)
        limit = app.state.upload_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit + 4096:  # form overhead aside
            return _error(
                413, f"The uploaded file must be at most {limit // 1024} KiB. Got {int(length) // 1024} KiB instead."
            )
        form = await request.form(max_files=1, max_fields=1)
        item = form.get("file")
        if item is None or isinstance(item, str):
            raise UploadError("The upload must be a multipart form with the CSV file in the field 'file'.")
        raw = await item.read(limit + 1)
        if len(raw) > limit:
            return _error(413, f"The uploaded file must be at most {limit // 1024} KiB. Got more than that instead.")
        parsed = await asyncio.to_thread(parse_csv, raw, item.filename or "upload.csv")
        await asyncio.to_thread(session.set_upload, parsed)
        return Response(session.frame_json()[1], media_type="application/json")

    @app.post("/api/sessions/{session_id}/{action}")
    async def act(session_id: str, action: str, request: Request) -> Response:
        session = store.get(session_id)
        actions = {
            "play": session.play,
            "pause": session.pause,
            "step": session.step,
            "reset": session.reset,
            "regenerate": session.regenerate,
        }
        if action == "preset":
            body = await _json_body(request)
            name = body.get("name") if isinstance(body, dict) else None
            await asyncio.to_thread(session.use_preset, name)
        elif action in actions:
            await asyncio.to_thread(actions[action])
        else:
            return _error(404, f"Unknown action {action!r}. Actions: {', '.join(sorted(actions))}, preset, upload.")
        return Response(session.frame_json()[1], media_type="application/json")

    @app.get("/api/sessions/{session_id}/code")
    def code(session_id: str) -> Response:
        text = store.get(session_id).code()
        return Response(
            text, media_type="text/x-python", headers={"Content-Disposition": 'attachment; filename="playground.py"'}
        )

    @app.get("/api/sessions/{session_id}/model")
    async def model(session_id: str) -> Response:
        data = await asyncio.to_thread(store.get(session_id).model_zip)
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="playground_model.zip"'},
        )

    @app.get("/api/sessions/{session_id}/events")
    async def events(session_id: str, request: Request) -> StreamingResponse:
        session = store.get(session_id)

        async def stream():
            store.attached(session)
            last, quiet = -1, 0.0
            try:
                while not await request.is_disconnected():
                    version, text = session.frame_json()
                    if version != last:
                        last, quiet = version, 0.0
                        yield f"event: frame\ndata: {text}\n\n"
                    elif quiet >= HEARTBEAT_SECONDS:
                        quiet = 0.0
                        yield ": still here\n\n"
                    if not store.has(session.id):  # evicted or closed elsewhere: tell the page why it stops
                        message = "This session was closed or evicted after being idle. Reload the page."
                        yield f"event: gone\ndata: {json.dumps({'error': message})}\n\n"
                        return
                    await asyncio.sleep(POLL_SECONDS)
                    quiet += POLL_SECONDS
            finally:
                store.detached(session)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    return app
