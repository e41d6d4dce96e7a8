"""Fixtures for the playground's tests: an in-process client, a live server on a free port, a real browser.

The browser is Debian's Chromium (`apt-get install chromium`) driven by Playwright for Python. A missing browser
or Playwright fails these tests: CI installs both, and a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = os.environ.get("TWOCLASS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    from twoclass.web import create_app

    # No event streams here: a long grace period, so a slow test's idle session is not evicted under it.
    with TestClient(create_app(max_sessions=4, upload_bytes=64 * 1024, detached_seconds=3600)) as test_client:
        yield test_client


class LiveServer:
    def __init__(self, **app_options):
        import uvicorn

        from twoclass.web import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.app = create_app(**app_options)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("The playground server did not start within 30 s.")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server():
    with LiveServer(max_sessions=6, upload_bytes=64 * 1024) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # fail, never skip: CI must have it (pip install playwright, in the dev extra)
        pytest.fail("Playwright for Python is not installed: pip install playwright (it is in the 'dev' extra).")
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: apt-get install -y chromium (or set TWOCLASS_CHROMIUM). The "
            "playground's browser tests need a real browser and never skip."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
