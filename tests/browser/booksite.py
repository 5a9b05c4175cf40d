"""Helpers for the browser tests: the book's pages, its build, and pages opened in Chromium.

The book is built once per session (or reused when `_build/html` is newer than every source),
served from 127.0.0.1 by Python's http.server (see conftest.py), and opened in Debian's Chromium
through Playwright. Every request that does not go to the loopback server is blocked and
recorded, so that a test can tell a failure caused on purpose (a CDN script) from a real one.
"""

import fcntl
import http.server
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder import repo

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# The book's sources: a change to any of these makes `_build/html` stale. (Not `_static/`: Sphinx
# copies an edited static file only when some page or the configuration changed too.)
SOURCE_PATHS = ["_config.yml", "_toc.yml", "book", "exercises", "locales"]
# What the build itself writes among them: the Korean build compiles each catalog into a .mo file
# beside it, after the English book is written; Python caches the extensions' bytecode.
BUILD_PRODUCTS = {".mo", ".pyc"}


def toc_pages():
    """(html path, source path) of every page in _toc.yml, in reading order."""
    pages = []
    for name in repo.book_pages():
        source = next((f"{name}{ext}" for ext in (".ipynb", ".md") if (ROOT / f"{name}{ext}").exists()), None)
        assert source, f"_toc.yml lists {name}, which is neither a .ipynb nor a .md file"
        pages.append((f"{name}.html", source))
    return pages


def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _newest_source_mtime():
    newest = 0.0
    for name in SOURCE_PATHS:
        path = ROOT / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file() and ".ipynb_checkpoints" not in file.parts and file.suffix not in BUILD_PRODUCTS:
                    newest = max(newest, file.stat().st_mtime)
    return newest


def ensure_built_book():
    """`_build/html` with the Korean book in `_build/html/ko`, rebuilt as `make book` builds them
    unless they are newer than every source. A file lock keeps two pytest-xdist workers from
    building at once: the second one waits, then finds the book fresh.
    """
    stamps = [HTML / "searchindex.js", HTML / "ko" / "searchindex.js"]  # written at the end of every build
    HTML.parent.mkdir(exist_ok=True)
    with open(HTML.parent / ".browser-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(not stamp.exists() or stamp.stat().st_mtime < _newest_source_mtime() for stamp in stamps):
            jupyter_book = Path(sys.executable).with_name("jupyter-book")
            for command in ([str(jupyter_book) if jupyter_book.exists() else shutil.which("jupyter-book"), "build", "."],
                            [sys.executable, "-m", "autograder", "translations", "build"]):
                started = time.monotonic()
                result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
                output = (result.stdout + result.stderr)[-6000:]
                assert result.returncode == 0, f"{' '.join(command)} failed:\n{output}"
                print(f"{' '.join(command[-3:])}: {time.monotonic() - started:.0f} s")
    assert all(stamp.exists() for stamp in stamps), f"the book build wrote no {stamps}"
    return HTML


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


@dataclass
class Visit:
    """What happened while one page loaded."""

    url: str
    console_errors: list = field(default_factory=list)  # (text, location url)
    page_errors: list = field(default_factory=list)  # uncaught exceptions
    failed_requests: list = field(default_factory=list)  # (url, failure)
    bad_responses: list = field(default_factory=list)  # (url, status) for loopback requests
    blocked: set = field(default_factory=set)  # non-loopback URLs we refused to fetch

    def unexplained_errors(self):
        """Console errors, page errors and failed requests, except those of blocked requests.

        A blocked request fails with net::ERR_FAILED, and Chromium logs "Failed to load
        resource" with the location set to that very URL: those, and only those, are expected.
        """
        errors = [f"console error: {text} ({where})" for text, where in self.console_errors if where not in self.blocked]
        errors += [f"uncaught exception: {error}" for error in self.page_errors]
        errors += [f"request failed: {url} ({failure})" for url, failure in self.failed_requests if url not in self.blocked]
        errors += [f"HTTP {status}: {url}" for url, status in self.bad_responses]
        return errors


class Browsing:
    """Opens pages of the served book in fresh browser contexts with outside requests blocked."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url

    def new_page(self, viewport=DESKTOP, **context_options):
        context = self.browser.new_context(viewport=viewport, service_workers="block", **context_options)
        page = context.new_page()
        page.visit = Visit(url="")

        def route(route_):
            url = route_.request.url
            if url.startswith(self.base_url):
                route_.continue_()
            else:
                page.visit.blocked.add(url)
                route_.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and page.visit.console_errors.append((m.text, m.location.get("url", ""))))
        page.on("pageerror", lambda e: page.visit.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: page.visit.failed_requests.append((r.url, r.failure)))
        page.on(
            "response",
            lambda r: r.url.startswith(self.base_url) and r.status >= 400 and page.visit.bad_responses.append((r.url, r.status)),
        )
        return page

    def open(self, page, path, wait_until="networkidle"):
        """Load `path` (relative to the book root) in `page` and return the page's Visit record."""
        page.visit = Visit(url=self.base_url + path)
        response = page.goto(page.visit.url, wait_until=wait_until)
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        return page.visit
