"""robots.txt for every request, including those that were waiting for it (settings ROBOTSTXT_*).

Scrapy's ``RobotsTxtMiddleware`` (2.19) fetches a host's robots.txt when the first request for that host
arrives and lets every other request for the host wait on one Twisted ``Deferred``. Under the asyncio
reactor each waiter turns that Deferred into a future with ``Deferred.asFuture``, whose callback hands the
parser to the first waiter and passes ``None`` down the chain to the next ones, and ``None`` means "no
robots.txt: allow". So when several requests for a host are queued before its robots.txt arrives, all but
one skip it. A crawl rarely shows it (its home page is the only early request for the blog's host) but a
resumed crawl does (it queues the whole frontier at once): pages robots.txt forbids were fetched.

This subclass reads the parser back from the middleware's table once the wait is over, so every request is
judged by the rules that were fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waited for a host's robots.txt judged by it."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The host's parser (None when its robots.txt could not be had), the same for every waiter."""
        parser = await super().robot_parser(request)
        current = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(current, Deferred) else current
