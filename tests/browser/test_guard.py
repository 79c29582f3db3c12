"""The browser tests' network guard: a request to anywhere but 127.0.0.1 is aborted, and counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.rangeserver import RangeServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from tests.browser.conftest import Guard

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html><title>guard</title>
<img id="live" src="https://example.com/live.png"><img id="local" src="/local.gif">
<script>window.asked = fetch("https://example.org/api").then(() => "answered", () => "failed");</script>"""
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def test_requests_to_the_live_web_are_aborted_and_counted(guarded: tuple[BrowserContext, Guard]) -> None:
    context, guard = guarded
    with RangeServer({"/": PAGE, "/local.gif": GIF}) as server:
        page = context.new_page()
        page.goto(server.url, wait_until="load")
        page.wait_for_function("() => document.getElementById('live').complete")
        widths = page.evaluate("['live', 'local'].map(id => document.getElementById(id).naturalWidth)")
        fetched = page.evaluate("window.asked")
    assert widths == [0, 1]  # the live image never loaded; the local one did
    assert fetched == "failed"
    assert sorted(guard.blocked) == ["https://example.com/live.png", "https://example.org/api"]
