"""Fetch timing: from the moment the request was sent to the last byte, not the crawler's own queueing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from scrapy import Request

from archiver.middlewares.timing import HEADERS_KEY, LAST_BYTE_KEY, SENT_KEY, fetch_timing


def test_a_fetch_lasts_from_the_send_to_the_last_byte() -> None:
    mono = time.monotonic()
    request = Request(
        "https://b.blogspot.com/", meta={SENT_KEY: (1_700_000_000.25, mono - 5.0), LAST_BYTE_KEY: mono - 4.75}
    )
    # Scrapy's latency and the head's arrival say something else: the handler's stamps win
    request.meta.update({"download_latency": 3.0, HEADERS_KEY: (1_700_000_004.0, mono - 4.9)})
    start, duration = fetch_timing(request)
    assert start == datetime.fromtimestamp(1_700_000_000.25, UTC)
    assert abs(duration - 0.25) < 1e-6  # the seconds since then (waiting for the middlewares) are not in it


def test_a_fetch_that_failed_after_the_send_lasts_until_now() -> None:
    request = Request("https://b.blogspot.com/", meta={SENT_KEY: (time.time() - 2.0, time.monotonic() - 2.0)})
    _, duration = fetch_timing(request)
    assert 2.0 <= duration < 60


def test_without_the_handlers_stamps_the_head_and_latency_are_used() -> None:
    mono = time.monotonic()
    request = Request("https://b.blogspot.com/", meta={"download_latency": 0.5, HEADERS_KEY: (1_700_000_001.0, mono)})
    start, duration = fetch_timing(request)
    assert start == datetime.fromtimestamp(1_700_000_000.5, UTC)
    assert duration >= 0.5


def test_nothing_stamped_means_now_and_no_duration() -> None:
    before = datetime.now(UTC)
    start, duration = fetch_timing(Request("https://b.blogspot.com/"))
    assert start >= before
    assert duration == 0.0
