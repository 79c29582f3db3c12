"""When a fetch began and how long it took, from Scrapy's ``headers_received`` signal and download latency."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request

HEADERS_KEY = "archiver_headers_received"


def stamp_headers_received(request: Request, **_: Any) -> None:
    """``headers_received`` handler: remember when the response head arrived (wall clock and monotonic)."""
    request.meta[HEADERS_KEY] = (time.time(), time.monotonic())


def fetch_timing(request: Request) -> tuple[datetime, float]:
    """Start of the transfer (aware UTC) and its duration in seconds, measured up to now.

    Scrapy's ``download_latency`` is the time from the start of the transfer to the response head; with the
    moment the head arrived this gives the start. Without either, the start is now and the duration 0.
    """
    now_wall, now_mono = time.time(), time.monotonic()
    stamp = request.meta.get(HEADERS_KEY)
    latency = request.meta.get("download_latency")
    if stamp is None or latency is None:
        return datetime.fromtimestamp(now_wall, UTC), 0.0
    head_wall, head_mono = stamp
    start = datetime.fromtimestamp(head_wall, UTC) - timedelta(seconds=float(latency))
    return start, max(0.0, now_mono - head_mono + float(latency))
