"""When a fetch began and how long it took: from the connection, else Scrapy's ``headers_received`` and latency.

The download handler (:mod:`archiver.downloader`) stamps the moment the request was written to its connection
(``archiver_sent``) and the moment the last byte of the body was read (``archiver_last_byte``). The fetch then
starts when the request was sent (a response's ``WARC-Date``: the capture began there) and lasts until the last
byte: the wait for a free connection and Scrapy's downloader slot are not in it. Connecting (a new connection,
the proxy's CONNECT, the TLS handshake) comes before the send, and is not in it either.

Without those stamps (another download handler, or a fetch that failed before anything was sent) the start is
the moment the response head arrived less Scrapy's ``download_latency``, the duration is measured up to now,
and without either the start is now and the duration 0.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy import Request

HEADERS_KEY = "archiver_headers_received"
#: request meta: (wall clock, monotonic) when the request was written to its connection (archiver.downloader)
SENT_KEY = "archiver_sent"
#: request meta: the monotonic time the last byte of the response body was read (archiver.downloader)
LAST_BYTE_KEY = "archiver_last_byte"


def stamp_headers_received(request: Request, **_: Any) -> None:
    """``headers_received`` handler: remember when the response head arrived (wall clock and monotonic)."""
    request.meta[HEADERS_KEY] = (time.time(), time.monotonic())


def fetch_timing(request: Request) -> tuple[datetime, float]:
    """Start of the fetch (aware UTC) and its duration in seconds: from the send to the last byte, or to now."""
    now_wall, now_mono = time.time(), time.monotonic()
    sent = request.meta.get(SENT_KEY)
    if sent is not None:
        sent_wall, sent_mono = sent
        end = request.meta.get(LAST_BYTE_KEY)
        end_mono = float(end) if end is not None else now_mono
        return datetime.fromtimestamp(sent_wall, UTC), max(0.0, end_mono - sent_mono)
    stamp = request.meta.get(HEADERS_KEY)
    latency = request.meta.get("download_latency")
    if stamp is None or latency is None:
        return datetime.fromtimestamp(now_wall, UTC), 0.0
    head_wall, head_mono = stamp
    start = datetime.fromtimestamp(head_wall, UTC) - timedelta(seconds=float(latency))
    return start, max(0.0, now_mono - head_mono + float(latency))
