"""The crawl's WACZ opened in ReplayWeb.page, in a real browser, as someone checking the archive would open it.

ReplayWeb.page (the npm package, vendored by ./dev.sh) runs in headless Debian Chromium under Playwright; the
page that embeds it, its ``ui.js`` and ``sw.js`` and the WACZ are served on 127.0.0.1 by the tests' own
Range-capable server. Every request that is not to 127.0.0.1 is aborted and counted: the replayed pages must
make none, since ReplayWeb.page rewrites every URL of a replayed page onto its service worker, which answers
from the archive, or with its own 404 for what the archive does not hold (counted too, and each must be known).
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import WACZ_PATH, WAIT_MS
from tests.conftest import BLOG_URL

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import BrowserContext, Frame, Page, Response

    from tests.browser.conftest import Guard
    from tests.browser.rangeserver import RangeServer
    from tests.integration.conftest import ArchivedCrawl

pytestmark = pytest.mark.browser

#: a replayed URL as ReplayWeb.page rewrites it: /replay/w/COLL/[:HASH/]TS{mp_,if_,id_,...}/ORIGINAL
REWRITTEN = re.compile(r"/replay/w/[^/]+/(?::[0-9a-f]+/)?\d*[a-z]{2}_/(?P<original>https?://.*)$")
#: what the replayed pages ask for on the live web that the archive does not hold, and which ReplayWeb.page
#: answers with its own 404 (so it never leaves the browser): Blogger's navbar iframe, a ``*.g`` endpoint that
#: blogspot's robots.txt disallows (docs/BLOGGER.md), so the crawler never fetched it
KNOWN_UNARCHIVED = (re.compile(r"https://www\.blogger\.com/navbar\.g\?"),)


@dataclass
class Replay:
    """A page showing the embedded ReplayWeb.page, and the rewritten requests its service worker had no capture of."""

    page: Page
    unarchived: list[str] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        match = REWRITTEN.search(response.url)
        if match and response.status == 404:
            self.unarchived.append(match.group("original"))


def wacz_pages(wacz: Path) -> list[dict[str, Any]]:
    """The entries of the WACZ's pages/pages.jsonl (its header line left out)."""
    with zipfile.ZipFile(wacz) as archive:
        lines = archive.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [entry for entry in map(json.loads, lines[1:]) if entry]


def replay_frame(page: Page, url: str, timeout_ms: int = WAIT_MS) -> Frame:
    """The frame in which ReplayWeb.page shows ``url`` (``/replay/w/COLL/[:HASH/]TSmp_/URL``), once loaded."""
    pattern = re.compile(r"/replay/w/[^/]+/(:[0-9a-f]+/)?\d*mp_/" + re.escape(url) + r"(#.*)?$")
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if pattern.search(frame.url) and not frame.is_detached():
                try:
                    if frame.evaluate("document.readyState") == "complete":
                        return frame
                except Exception:  # noqa: BLE001 - navigated away while asked: look again
                    pass
        page.wait_for_timeout(100)
    seen = [frame.url for frame in page.frames]
    raise AssertionError(f"ReplayWeb.page did not show {url} within {timeout_ms} ms; frames: {seen}")


def show(page: Page, url: str) -> Frame:
    """Point the embedded ReplayWeb.page at ``url`` (its ``url`` attribute) and return the replayed frame."""
    page.evaluate("u => document.querySelector('replay-web-page').setAttribute('url', u)", url)
    return replay_frame(page, url)


def normalise(text: str) -> str:
    return " ".join(text.split())


def open_replay(context: BrowserContext, site: RangeServer) -> Replay:
    """The embedding page, once ReplayWeb.page shows the blog's home page in it.

    A first load in a fresh browser context once stalled in CI until the deadline, with the replay frame
    there but nothing in it (its service worker starting); a user reloads then, and so does this, once.
    """
    replay = Replay(context.new_page())
    replay.page.on("response", replay.on_response)
    replay.page.goto(site.url, wait_until="load")
    try:
        replay_frame(replay.page, BLOG_URL)
    except AssertionError:
        replay.page.reload(wait_until="load")
        replay_frame(replay.page, BLOG_URL)
    return replay


def assert_nothing_escaped(guard: Guard, replay: Replay) -> None:
    """No request left 127.0.0.1, and every URL missing from the archive is a known one (its count checked)."""
    assert guard.blocked == [], f"{len(guard.blocked)} requests to the live web (aborted): {guard.blocked[:20]}"
    unknown = sorted({url for url in replay.unarchived if not any(p.match(url) for p in KNOWN_UNARCHIVED)})
    assert unknown == [], f"the replayed pages asked for URLs the archive does not hold: {unknown[:20]}"
    assert replay.unarchived, "the navbar iframe every Blogger page has was not seen: is the monitor attached?"


def test_the_wacz_is_read_by_range_requests_and_the_home_page_replays(
    guarded: tuple[BrowserContext, Guard], site: RangeServer, archived_crawl: ArchivedCrawl
) -> None:
    context, guard = guarded
    replay = open_replay(context, site)
    page = replay.page
    frame = replay_frame(page, BLOG_URL)
    assert "Coalition for Citizens Rights" in frame.title()
    wacz = site.served(WACZ_PATH)
    assert wacz, "ReplayWeb.page never asked for the WACZ"
    assert all(entry.status == 206 for entry in wacz if entry.method == "GET" and entry.range), wacz
    assert any(entry.status == 206 for entry in wacz), "the WACZ was not read by Range requests"
    size = archived_crawl.wacz.stat().st_size
    whole = [entry for entry in wacz if entry.method == "GET" and entry.range is None]
    assert not whole, f"the {size}-byte WACZ was fetched whole, not by ranges: {whole}"
    assert_nothing_escaped(guard, replay)


def test_a_post_renders_with_its_text_images_and_stylesheets(
    guarded: tuple[BrowserContext, Guard], site: RangeServer, archived_crawl: ArchivedCrawl
) -> None:
    posts = [json.loads(line) for line in (archived_crawl.dir / "posts.jsonl").read_text("utf-8").splitlines()]
    post = max(posts, key=lambda p: (len(p["images"]), p["url"]))  # the post with the most images
    assert post["images"], "the replica's posts have images"
    context, guard = guarded
    replay = open_replay(context, site)
    page = replay.page
    frame = show(page, post["url"])

    body = frame.locator(".post-body").first
    assert normalise(post["body_text"]) in normalise(body.inner_text())
    assert normalise(frame.locator("h3.post-title").first.inner_text()) == normalise(post["title"])

    images = body.locator("img")
    frame.wait_for_function(
        "() => [...document.querySelectorAll('.post-body img')].every(i => i.complete)", timeout=WAIT_MS
    )
    states = images.evaluate_all("imgs => imgs.map(i => [i.currentSrc, i.complete, i.naturalWidth])")
    assert len(states) >= len(post["images"]), states
    broken = [src for src, complete, width in states if not (complete and width > 0)]
    assert broken == [], f"images that did not load in the replay: {broken}"

    # the blog's own stylesheets apply: the skin (<b:skin> in the page) sets the post title's 22px Arial, and
    # the widget bundle (the linked CSS file, itself replayed from the WACZ) sets the share buttons' top margin
    title_style = frame.locator("h3.post-title").first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.fontSize, s.fontFamily]; }"
    )
    assert title_style[0] == "22px"
    assert title_style[1].startswith("Arial")
    share_margin = frame.locator(".post-share-buttons").first.evaluate("e => getComputedStyle(e).marginTop")
    assert share_margin not in ("0px", ""), share_margin
    assert_nothing_escaped(guard, replay)


@pytest.mark.slow  # about 25 s: 44 pages, one after another
def test_every_page_of_pages_jsonl_opens(
    guarded: tuple[BrowserContext, Guard], site: RangeServer, archived_crawl: ArchivedCrawl
) -> None:
    pages = wacz_pages(archived_crawl.wacz)
    assert len(pages) > 40  # the home page, 40 posts and the static pages
    context, guard = guarded
    replay = open_replay(context, site)
    page = replay.page
    replay_frame(page, BLOG_URL)
    failed = []
    for entry in pages:
        frame = show(page, entry["url"])
        title, text = frame.title(), normalise(frame.locator("body").inner_text())
        if normalise(title) != normalise(entry.get("title") or title) or len(text) < 40:
            failed.append((entry["url"], title, text[:80]))
    assert failed == [], failed
    assert_nothing_escaped(guard, replay)
