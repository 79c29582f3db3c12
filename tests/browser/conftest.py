"""The browser tests' fixtures: Debian's Chromium driven by Playwright, and ReplayWeb.page as ./dev.sh vendors it.

Nothing here downloads a browser: Playwright's driver ships inside its wheel, and the browser is the system's
``chromium`` (Debian's package, installed by ./dev.sh), launched through ``executable_path``. ReplayWeb.page is
the npm package ``replaywebpage`` that ./dev.sh fetches with ``npm pack`` into ``.vendor/replaywebpage``.

A missing piece fails the test and names what to install; ``ARCHIVER_BROWSER_TESTS=0`` skips these tests on a
machine that cannot have them (never in CI: with CI=true they fail, as ./dev.sh installs both there).
"""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.rangeserver import RangeServer
from tests.conftest import BLOG_URL
from tests.integration.conftest import archived_crawl as archived_crawl  # the crawl these tests replay

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Route

    from tests.integration.conftest import ArchivedCrawl

ROOT = Path(__file__).resolve().parents[2]
#: where ./dev.sh unpacks ``npm pack replaywebpage@VERSION`` (git-ignored)
REPLAYWEBPAGE = ROOT / ".vendor" / "replaywebpage"
#: the flags this closed network needs (no background connections, no QUIC) and a headless, sandbox-less run
#: as root; Playwright itself gives the browser a new empty --user-data-dir, removed when it closes. Host
#: resolution is switched off for every name but 127.0.0.1, so that nothing can leave the machine even past
#: the request routing the tests do.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: a bound on every wait (ReplayWeb.page takes a few seconds to load a WACZ on this 2-core machine)
WAIT_MS = 30_000
#: where the site serves the crawl's WACZ
WACZ_PATH = "/archive.wacz"


def _missing(what: str) -> None:
    """Fail naming what to install, or skip if ARCHIVER_BROWSER_TESTS=0 says this machine runs no browser tests.

    In CI (CI=true) they always run: there ./dev.sh installed everything, and a skip would hide a broken set-up.
    """
    if os.environ.get("ARCHIVER_BROWSER_TESTS") == "0" and os.environ.get("CI") != "true":
        pytest.skip(f"ARCHIVER_BROWSER_TESTS=0 and {what}")
    pytest.fail(f"{what} (./dev.sh test installs it; ARCHIVER_BROWSER_TESTS=0 skips the browser tests)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system's Chromium (Debian's ``chromium`` package)."""
    path = shutil.which("chromium")
    if path is None:
        _missing("chromium is not on PATH: apt-get install chromium")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def replaywebpage() -> Path:
    """The unpacked npm package ``replaywebpage``: its ``ui.js`` and ``sw.js``."""
    for name in ("ui.js", "sw.js"):
        if not (REPLAYWEBPAGE / name).is_file():
            _missing(f"ReplayWeb.page is not vendored ({REPLAYWEBPAGE.relative_to(ROOT)}/{name} is missing)")
    return REPLAYWEBPAGE


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """Headless Debian Chromium under Playwright, closed at the end of each test module.

    Not per session: Playwright's sync API keeps an asyncio loop running in the main thread while it is open,
    and every later test that runs its own loop (``asyncio.run``: Datasette's client, for one) would fail.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS, timeout=WAIT_MS
        )
        try:
            yield launched
        finally:
            launched.close()


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: 127.0.0.1, or a browser-internal scheme with no network."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension", "devtools"):
        return True
    return parts.hostname == "127.0.0.1"


@dataclass
class Guard:
    """Every request a browser context attempted that was not to 127.0.0.1; each was aborted."""

    blocked: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


@pytest.fixture
def guarded(browser: Browser) -> Iterator[tuple[BrowserContext, Guard]]:
    """A fresh browser context whose every request, service workers' included, is routed: non-local ones abort."""
    context = browser.new_context(service_workers="allow", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    guard = Guard()
    try:
        context.route("**/*", guard.route)
        yield context, guard
    finally:
        context.close()


def artifacts_dir() -> Path:
    """Where the browser tests save screenshots: ARCHIVER_TEST_ARTIFACTS, default build/test-artifacts/."""
    folder = Path(os.environ.get("ARCHIVER_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def embed_page(url: str) -> bytes:
    """The page that embeds ReplayWeb.page, as its embedding guide shows: ui.js, and sw.js under replaybase."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>archive check</title>
<script src="/ui.js"></script>
<style>html, body {{ margin: 0; height: 100%; }} replay-web-page {{ display: block; height: 100vh; }}</style>
</head>
<body>
<replay-web-page source="{WACZ_PATH}" url="{html.escape(url)}" replaybase="/replay/" embed="replayonly">
</replay-web-page>
</body>
</html>
""".encode()


@pytest.fixture
def site(replaywebpage: Path, archived_crawl: ArchivedCrawl) -> Iterator[RangeServer]:
    """The embedding page, ReplayWeb.page's scripts and the crawl's WACZ, served on 127.0.0.1.

    ``ui.js`` is served under /replay/ too: the service worker's own index page there loads ``./ui.js``.
    """
    files: dict[str, Path | bytes] = {
        "/": embed_page(BLOG_URL),
        "/ui.js": replaywebpage / "ui.js",
        "/replay/ui.js": replaywebpage / "ui.js",
        "/replay/sw.js": replaywebpage / "sw.js",
        WACZ_PATH: archived_crawl.wacz,
    }
    with RangeServer(files) as server:
        yield server
