"""Session fixtures of the browser tests: one build, one loopback server, one Chromium."""

import functools
import http.server
import threading

import pytest

from booksite import CHROMIUM, CHROMIUM_ARGS, Browsing, QuietHandler, ensure_built_book


@pytest.fixture(scope="session")
def built_book():
    """`_build/html`, rebuilt with `jupyter-book build .` unless it is newer than every source."""
    return ensure_built_book()


@pytest.fixture(scope="session")
def base_url(built_book):
    """The book served over HTTP on loopback, as a reader's browser would get it."""
    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the venv pins it
        pytest.fail("Playwright is missing from the venv: run `make venv` (requirements.txt pins it)")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def browsing(browser, base_url):
    return Browsing(browser, base_url)
