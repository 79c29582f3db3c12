"""Write ``crawl.log``: one Heritrix-style line per fetch attempt, failures included (ARCHIVER_CRAWLLOG_*).

Requests refused before the downloader get a line too: Scrapy calls every downloader middleware's
``process_exception`` with an exception raised by an earlier ``process_request`` (the scope middleware at 60),
so the refusal reaches this middleware at 960. Codes (Heritrix's where one fits):

- ``-7`` (Heritrix's "unfetchable URI"): a give-up ``refused_scheme`` or ``invalid_url``;
- ``-5000`` ("out of scope"): out of the blog's scope, or the give-up ``refused_address`` (an IP literal,
  ``localhost``; a host name resolving to an internal address fails its DNS lookup instead: ``-1``);
- ``-5`` for any other give-up; ``-9998`` robots.txt.

A give-up's annotation is ``gave_up:<reason>`` (``gave_up:refused_address``); the errback counts it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from archiver.blogger.urls import classify
from archiver.errors import ConfigError
from archiver.giveup import GaveUp
from archiver.layout import check_folder
from archiver.middlewares.timing import fetch_timing, stamp_headers_received

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

CRAWL_LOG_NAME = "crawl.log"

#: Heritrix's negative fetch status codes, by the exception class names Scrapy and Twisted raise
_FAILURE_CODES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("DNSLookupError", "CannotResolveHostError"), -1),
    (
        (
            "ConnectionRefusedError",
            "DownloadConnectionRefusedError",
            "ConnectError",
            "TCPTimedOutError",
            "TunnelError",
            "NoRouteError",
        ),
        -2,
    ),
    (
        (
            "ConnectionLost",
            "ConnectionDone",
            "ResponseFailed",
            "ResponseNeverReceived",
            "ResponseDataLossError",
            "DownloadFailedError",
            "PotentialDataLoss",
        ),
        -3,
    ),
    (("TimeoutError", "DownloadTimeoutError"), -4),
)
ROBOTS_PRECLUDED = -9998
OUT_OF_SCOPE = -5000
UNFETCHABLE = -7
OTHER_FAILURE = -5
_GIVE_UP_CODES = {"refused_scheme": UNFETCHABLE, "invalid_url": UNFETCHABLE, "refused_address": OUT_OF_SCOPE}


def failure_code(exc: BaseException) -> int:
    """Heritrix's status code for a failed fetch: -1 DNS, -2 connect, -3 broken, -4 timeout, -9998 robots."""
    name = type(exc).__name__
    if isinstance(exc, GaveUp):
        return _GIVE_UP_CODES.get(exc.reason, OTHER_FAILURE)
    if isinstance(exc, IgnoreRequest):
        return ROBOTS_PRECLUDED if str(exc).startswith("Forbidden by robots.txt") else OUT_OF_SCOPE
    for names, code in _FAILURE_CODES:
        if name in names:
            return code
    return OTHER_FAILURE


def sha1_base32(data: bytes) -> str:
    """``sha1:`` + base32 digest, as in WARC and Heritrix logs."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324 - WARC's digest


def format_line(
    *,
    logged: datetime,
    status: int,
    size: int | None,
    url: str,
    hop: str,
    via: str | None,
    mime: str | None,
    started: datetime,
    duration_s: float,
    digest: str | None,
    annotations: list[str],
) -> str:
    """One crawl.log line: time, status, size, URL, hop path, via, MIME, thread, fetch time+ms, digest, tag, notes."""
    stamp = logged.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{logged.microsecond // 1000:03d}Z"
    fetch = started.astimezone(UTC).strftime("%Y%m%d%H%M%S") + f"{started.microsecond // 1000:03d}"
    fields = [
        stamp,
        f"{status:5d}",
        f"{size:10d}" if size is not None else f"{'-':>10}",
        url,
        hop or "-",
        via or "-",
        (mime or "-").replace(" ", ""),
        "#000",
        f"{fetch}+{round(duration_s * 1000)}",
        digest or "-",
        "-",
        ",".join(annotations) or "-",
    ]
    return " ".join(fields)


class CrawlLogMiddleware:
    """Append a line to CRAWL_DIR/crawl.log for every response and every failed attempt.

    Reads ARCHIVER_CRAWLLOG_ENABLED and ARCHIVER_CRAWL_DIR. Counts ``archiver/fetched/<kind>`` for 2xx
    responses and ``archiver/failed/<ExceptionName>`` for failures. A core component: switched off it answers
    ``NotConfigured``; switched on without a crawl folder it can write to it raises ConfigError naming
    ARCHIVER_CRAWL_DIR, and the crawl does not start.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once; the file opens with the spider. Raises ConfigError naming a bad setting."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_CRAWLLOG_ENABLED"):
            raise NotConfigured("ARCHIVER_CRAWLLOG_ENABLED is false")
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if crawl_dir is None or not str(crawl_dir).strip():
            raise ConfigError(
                "ARCHIVER_CRAWL_DIR is not set: crawl.log has no folder (archiver.layout fills it "
                "in for a crawl of a blog; ARCHIVER_CRAWLLOG_ENABLED=False crawls without it)"
            )
        check_folder(Path(crawl_dir), "ARCHIVER_CRAWL_DIR")
        self.crawler = crawler
        self.path = Path(crawl_dir) / CRAWL_LOG_NAME
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware and connect it to the crawl's signals."""
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(stamp_headers_received, signal=signals.headers_received)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        """Open crawl.log for appending (a resumed crawl continues the same log)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8", buffering=1)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close crawl.log."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, line: str) -> None:
        if self._file is not None:
            self._file.write(line + "\n")

    @staticmethod
    def _annotations(request: Request) -> list[str]:
        notes = []
        retries = request.meta.get("retry_times")
        if retries:
            notes.append(f"{retries}t")
        if request.meta.get("redirect_times"):
            notes.append(f"redirect:{request.meta['redirect_times']}")
        return notes

    def process_response(self, request: Request, response: Response) -> Response:
        """Log a response (any status) and count 2xx fetches by kind."""
        started, duration = fetch_timing(request)
        notes = self._annotations(request)
        notes.extend(flag for flag in response.flags if flag != "download_latency")
        mime = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";", 1)[0].strip()
        self._write(
            format_line(
                logged=datetime.now(UTC),
                status=response.status,
                size=len(response.body),
                url=request.url,
                hop=request.meta.get("archiver_hop", "-"),
                via=request.meta.get("archiver_via"),
                mime=mime,
                started=started,
                duration_s=duration,
                digest=sha1_base32(response.body),
                annotations=notes,
            )
        )
        stats: Any = self.crawler.stats
        if 200 <= response.status < 300 and "cached" not in response.flags:
            stats.inc_value(f"archiver/fetched/{request.meta.get('archiver_kind') or classify(request.url)}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Log a failed attempt with Heritrix's negative status and the exception's name."""
        started, duration = fetch_timing(request)
        code = failure_code(exception)
        name = f"gave_up:{exception.reason}" if isinstance(exception, GaveUp) else type(exception).__name__
        notes = [*self._annotations(request), name]
        self._write(
            format_line(
                logged=datetime.now(UTC),
                status=code,
                size=None,
                url=request.url,
                hop=request.meta.get("archiver_hop", "-"),
                via=request.meta.get("archiver_via"),
                mime=None,
                started=started,
                duration_s=duration,
                digest=None,
                annotations=notes,
            )
        )
        stats: Any = self.crawler.stats
        if isinstance(exception, GaveUp):
            return  # counted by the spider's errback, in archiver/gave_up/<reason>
        if code == ROBOTS_PRECLUDED:
            stats.inc_value("archiver/precluded/robots")
        elif code == OUT_OF_SCOPE:
            stats.inc_value("archiver/precluded/scope")
        else:
            stats.inc_value(f"archiver/failed/{type(exception).__name__}")
