"""A live progress line every few seconds during a crawl (settings ARCHIVER_PROGRESS_*)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from archiver.blogger.urls import PAGE_KINDS

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def human_bytes(count: float) -> str:
    """``1536`` → ``1.5 KiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # pragma: no cover - the loop always returns


#: the stats prefix of the responses fetched, by kind (:data:`archiver.blogger.urls.KINDS`)
FETCHED_PREFIX = "archiver/fetched/"


def kind_total(stats: Mapping[str, Any], kinds: Collection[str]) -> int:
    """How many responses of these kinds were fetched (``archiver/fetched/<kind>``).

    The one count behind the progress line's and the summary's "pages" (``PAGE_KINDS``), and the summary's
    structure, requisites and other.
    """
    return sum(int(stats.get(FETCHED_PREFIX + kind, 0)) for kind in kinds)


def progress_line(stats: dict[str, Any], elapsed: float, queued: int | None = None) -> str:
    """``progress: 120 fetched (80 pages), 45 queued, 3.2 MiB, 0 errors, 25.1 fetches/s``.

    ``queued`` is the scheduler's length when known; the stats' enqueued minus dequeued is wrong for a resumed
    crawl, whose queue was filled by the earlier run.
    """
    fetched = int(stats.get("response_received_count", 0))
    pages = kind_total(stats, PAGE_KINDS)
    if queued is None:
        queued = max(0, int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0)))
    size = int(stats.get("downloader/response_bytes", 0))
    errors = sum(int(v) for k, v in stats.items() if k.startswith("archiver/failed/"))
    rate = fetched / elapsed if elapsed > 0 else 0.0
    return (
        f"progress: {fetched} fetched ({pages} pages, {int(stats.get('archiver/posts/found', 0))} posts found), "
        f"{queued} queued, {human_bytes(size)}, {errors} errors, {rate:.1f} fetches/s"
    )


class ProgressExtension:
    """Log a progress line every ARCHIVER_PROGRESS_INTERVAL seconds; reads ARCHIVER_PROGRESS_ENABLED."""

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_PROGRESS_ENABLED"):
            raise NotConfigured("ARCHIVER_PROGRESS_ENABLED is false")
        self.interval = settings.getfloat("ARCHIVER_PROGRESS_INTERVAL")
        if self.interval <= 0:
            raise NotConfigured(f"ARCHIVER_PROGRESS_INTERVAL must be positive, got {self.interval}")
        self.crawler = crawler
        self.started = time.monotonic()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Start the periodic line."""
        self.started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def log(self) -> None:
        """Log one progress line."""
        stats: Any = self.crawler.stats
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else None
        logger.info("%s", progress_line(stats.get_stats(), time.monotonic() - self.started, queued))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the periodic line."""
        if self.task is not None and self.task.running:
            self.task.stop()
