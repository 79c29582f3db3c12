"""Progress during a crawl (settings ARCHIVER_PROGRESS_*).

Every ``ARCHIVER_PROGRESS_INTERVAL`` seconds a ``progress:`` line is logged (:func:`progress_line`, a format
tools and tests read). On a terminal (:func:`archiver.progressbar.live_wanted`, and ``ARCHIVER_PROGRESS_LIVE``)
a live line (:func:`live_text`) is redrawn in place as well, every ``ARCHIVER_PROGRESS_LIVE_INTERVAL`` seconds:
posts found and archived out of the sitemap's count, the queue, responses/s over the last seconds, bytes, errors,
and the ETA of the posts still to archive. The periodic ``progress:`` line then goes to every handler but the
terminal's (a ``LOG_FILE`` keeps it), other log lines are printed whole above the live line, and its last state is
left as the final line when the spider closes. Only one crawl of a process draws at a time.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from archiver.blogger.seen import UrlDigests
from archiver.blogger.urls import PAGE_KINDS
from archiver.errors import ConfigError
from archiver.progressbar import (
    LIVE_SHOWN,
    LiveLine,
    RateWindow,
    attach_logging,
    duration_text,
    eta_text,
    live_wanted,
)
from archiver.progressbar import human_bytes as human_bytes  # re-exported: its importers predate progressbar

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


#: the stats key of the distinct post URLs the blog's sitemaps list (counted by the spider)
SITEMAP_POSTS = "archiver/sitemap/posts"

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
    errors = errors_count(stats)
    rate = fetched / elapsed if elapsed > 0 else 0.0
    return (
        f"progress: {fetched} fetched ({pages} pages, {int(stats.get('archiver/posts/found', 0))} posts found), "
        f"{queued} queued, {human_bytes(size)}, {errors} errors, {rate:.1f} fetches/s"
    )


def errors_count(stats: Mapping[str, Any]) -> int:
    """Failed attempts so far (``archiver/failed/<kind>``)."""
    return sum(int(v) for k, v in stats.items() if k.startswith("archiver/failed/"))


def live_text(
    stats: Mapping[str, Any],
    *,
    archived: int,
    queued: int,
    rate: float,
    post_rate: float,
    elapsed: float | None = None,
) -> str:
    """``posts 120/150 archived, 140 found | ETA 0:12 | 45 queued | 25.1 responses/s | 3.2 MiB | 0 errors``.

    The fields go from the most to the least wanted, as a narrow terminal clips the end. ``archived`` counts
    the posts archived (their 2xx response), ``rate`` the responses and ``post_rate`` the posts archived per
    second lately. The total (after the slash) is the sitemap's count of posts, or the posts found when more
    were; what remains of it sets the ETA. Before a sitemap was read the total is unknown (``ETA unknown``).
    ``elapsed`` (the final line): ``done in 1:05`` instead of the ETA.
    """
    found = int(stats.get("archiver/posts/found", 0))
    sitemap = int(stats.get(SITEMAP_POSTS, 0))
    if sitemap:
        total = max(sitemap, found)
        posts, remaining = f"posts {archived}/{total} archived, {found} found", total - archived
        eta = "posts done" if remaining <= 0 else eta_text(remaining, post_rate)
    else:
        posts, eta = f"posts {archived} archived, {found} found (no sitemap yet)", eta_text(None, post_rate)
    if elapsed is not None:
        eta = f"done in {duration_text(elapsed)}"
    size = human_bytes(int(stats.get("downloader/response_bytes", 0)))
    return f"{posts} | {eta} | {queued} queued | {rate:.1f} responses/s | {size} | {errors_count(stats)} errors"


class ProgressExtension:
    """Log a progress line, and on a terminal draw a live one; reads ARCHIVER_PROGRESS_{ENABLED,INTERVAL,LIVE*}."""

    #: the live line of the process, held by the crawl drawing it (several crawls of one process would fight)
    _drawing: ClassVar[LiveLine | None] = None

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_PROGRESS_ENABLED"):
            raise NotConfigured("ARCHIVER_PROGRESS_ENABLED is false")
        self.interval = settings.getfloat("ARCHIVER_PROGRESS_INTERVAL")
        if self.interval <= 0:
            raise NotConfigured(f"ARCHIVER_PROGRESS_INTERVAL must be positive, got {self.interval}")
        self.live_enabled = settings.getbool("ARCHIVER_PROGRESS_LIVE")
        self.live_interval = settings.getfloat("ARCHIVER_PROGRESS_LIVE_INTERVAL")
        if self.live_enabled and self.live_interval <= 0:
            raise ConfigError(f"ARCHIVER_PROGRESS_LIVE_INTERVAL must be positive, got {self.live_interval}")
        self.crawler = crawler
        self.started = time.monotonic()
        self.task: Any = None
        self.live_task: Any = None
        self.line: LiveLine | None = None
        self.detach: Any = None
        self.archived = UrlDigests()  # post pages received whole, as 16-byte digests (about 100 bytes a post)
        self.earlier: int | None = None  # posts archived by the earlier runs of a resumed crawl
        self.responses = RateWindow()
        self.posts = RateWindow()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Start the periodic line, and the live one on a terminal."""
        self.started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)
        if self.live_enabled and ProgressExtension._drawing is None and live_wanted(sys.stderr):
            self.line = ProgressExtension._drawing = LiveLine(sys.stderr)
            self.detach = attach_logging(self.line)  # after Scrapy installed its root handler for this crawl
            self.crawler.signals.connect(self.response_received, signal=signals.response_received)
            self.live_task = create_looping_call(self.draw)
            self.live_task.start(self.live_interval, now=True)

    def _queued(self) -> int | None:
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        return len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else None

    def log(self) -> None:
        """Log one progress line (on a terminal it goes to the other handlers: the live line shows it)."""
        stats: Any = self.crawler.stats
        line = progress_line(stats.get_stats(), time.monotonic() - self.started, self._queued())
        logger.info("%s", line, extra={LIVE_SHOWN: self.line is not None})

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Count a post archived: a 2xx response of a post page (its mobile variant is the same post)."""
        if (
            request.meta.get("archiver_kind") == "post"
            and 200 <= response.status < 300
            and "cached" not in response.flags
            and "m=1" not in request.url.partition("?")[2].split("&")
        ):
            self.archived.add(request.url)

    def _archived(self) -> int:
        if self.earlier is None:
            # a resumed crawl does not fetch the posts its earlier runs archived: the spider knows them
            captured = getattr(self.crawler.spider, "captured", None)
            if captured:  # a set of digests: the spider counted the post pages among them as it loaded them
                self.earlier = int(getattr(self.crawler.spider, "earlier_posts", 0))
        return len(self.archived) + (self.earlier or 0)

    def draw(self, *, final: bool = False) -> None:
        """Redraw the live line; ``final``: with the whole crawl's rate and time."""
        if self.line is None:
            return
        stats: dict[str, Any] = self.crawler.stats.get_stats() if self.crawler.stats else {}
        now, archived = time.monotonic(), self._archived()
        self.responses.add(now, int(stats.get("response_received_count", 0)))
        self.posts.add(now, archived)
        queued = self._queued()
        if queued is None:
            queued = max(0, int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0)))
        rate, elapsed = self.responses.rate(), None
        if final:
            elapsed = now - self.started
            rate = int(stats.get("response_received_count", 0)) / elapsed if elapsed > 0 else 0.0
        text = live_text(
            stats, archived=archived, queued=queued, rate=rate, post_rate=self.posts.rate(), elapsed=elapsed
        )
        self.line.update(text, force=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the periodic lines; leave the live line's last state as the final line."""
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.live_task is not None and self.live_task.running:
            self.live_task.stop()
        if self.line is not None:
            self.draw(final=True)
            self.line.close()
            if self.detach is not None:
                self.detach()
            ProgressExtension._drawing = None
            self.line = None
