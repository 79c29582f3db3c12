"""The HTTP(S) download handler: Scrapy's HTTP/1.1 handler, with every attempt visible to the middlewares.

Twisted's connection pool silently sends a GET again when it failed on a reused keep-alive connection before
any response arrived (``HTTPConnectionPool.retryAutomatically``). That attempt happens below every downloader
middleware: the crawl log never sees it and the retry budget does not count it. With the silent retry off,
such a failure reaches the middlewares like any other: crawl.log records it (-3) and
:class:`~archiver.middlewares.retry.BackoffRetryMiddleware` retries it, counted and logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class VisibleRetryHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler without Twisted's silent retry (settings: DOWNLOAD_HANDLERS)."""

    def __init__(self, crawler: Crawler) -> None:
        """Build Scrapy's handler, then turn off the pool's automatic retry."""
        super().__init__(crawler)
        self._pool.retryAutomatically = False
