"""Shared fixtures of the browser tests: Debian chromium through Playwright, and a live uvicorn server.

The browser tests skip when chromium is not installed, unless ``BESSEMER_REQUIRE_BROWSER=1``
(CI sets it). ``BESSEMER_SCREENSHOTS=<dir>`` keeps the screenshots; otherwise they go to
pytest's tmp dir.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _chromium() -> str:
    exe = shutil.which("chromium")
    required = os.environ.get("BESSEMER_REQUIRE_BROWSER") == "1"
    if exe is None:
        if required:
            pytest.fail("BESSEMER_REQUIRE_BROWSER=1 but no `chromium` on PATH (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed (`chromium` not on PATH); set BESSEMER_REQUIRE_BROWSER=1 "
                    "to make this a failure")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("BESSEMER_REQUIRE_BROWSER=1 but the playwright package is missing")
        pytest.skip("the playwright Python package is not installed")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(app: Any) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 15 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """``with serve_app(app) as url:`` runs ``app`` on a free loopback port in a thread."""
    return _serve


@contextlib.contextmanager
def _serve_service(name: str, service: Any) -> Iterator[dict[str, Any]]:
    from bessemer.api import create_app
    from bessemer.api.testing import demo_store
    from bessemer.core import Settings

    store = demo_store(hours=6)
    app = create_app(Settings(language="en"), store=store, services={name: service})
    try:
        with _serve(app) as url:
            yield {"url": url, "app": app, "service": service}
    finally:
        store.close()


@pytest.fixture(scope="session")
def serve_service() -> Callable[[str, Any], contextlib.AbstractContextManager[dict[str, Any]]]:
    """``with serve_service("quality", svc) as s:`` serves the app, in English, with one domain service over a
    small demo store; ``s`` has ``url``, ``app`` and ``service``."""
    return _serve_service


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    d = Path(os.environ.get("BESSEMER_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _page(browser, problems: list[str]):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return ctx, page


@pytest.fixture(scope="session")
def new_page() -> Callable[..., Any]:
    """``ctx, page = new_page(browser, problems)``: console errors, page errors and 4xx/5xx go to ``problems``."""
    return _page


def _i18n_keys(lang: str) -> set[str]:
    """The string keys of one language (``"en"`` or ``"ko"``) in ``static/i18n.js``."""
    import re

    from bessemer.web import STATIC_DIR

    text = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    body = dict(re.findall(r"(en|ko): \{(.*?)\n    \}", text, re.S))[lang]
    return {a or b for a, b in re.findall(r'(?:"([^"]+)"|\b([A-Za-z_0-9]+))\s*:\s*"', body)}


@pytest.fixture(scope="session")
def i18n_keys() -> Callable[[str], set[str]]:
    """``i18n_keys("ko")``: the keys the page scripts can look up in that language."""
    return _i18n_keys


def _starts_shared_progress(client: Any, page_js: str, service: str) -> None:
    # the "being prepared" loop lives in the shared dom.js, and the page starts it for its own service
    assert f'Dom.pollProgress("{service}"' in page_js
    dom = client.get("/static/dom.js")
    assert dom.status_code == 200 and "/api/progress" in dom.text and "innerHTML" not in dom.text


@pytest.fixture(scope="session")
def starts_shared_progress() -> Callable[[Any, str, str], None]:
    """``starts_shared_progress(client, page_js, "quality")`` asserts the page uses dom.js's progress loop."""
    return _starts_shared_progress
