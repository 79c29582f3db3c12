"""Retry 429, 5xx and broken fetches below the WARC recorder, waiting between attempts (ARCHIVER_RETRY_*).

Why a replacement for Scrapy's ``RetryMiddleware`` (550): placed at 955, between the WARC recorder (950) and
the crawl log (960), a response that is going to be retried never reaches the recorder. Every attempt is a
line in crawl.log (with its status or negative code and the retry count); only the final attempt of a URL
is archived, whatever its status. So a transient 503 or 429 followed by a 200 leaves one capture, the 200,
for replay tools to find, and a URL that never recovers leaves its last error answer, as Heritrix would
record it (a 5xx is what the server said). Bodies cut short fail the download (DOWNLOAD_FAIL_ON_DATALOSS)
and never reach the recorder at all.

Scrapy's retry retries at once; this one waits first: the ``Retry-After`` of a 429 or 503 (seconds or an
HTTP date), else ``ARCHIVER_RETRY_DELAY * 2**(attempt - 1)``, never more than ``ARCHIVER_RETRY_MAX_DELAY``.
The wait holds one of the crawl's CONCURRENT_REQUESTS slots, not the host's.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from archiver.giveup import GaveUp
from archiver.resolver import refusal_for

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), or None when absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def status_reason(status: int) -> str:
    """``429 Too Many Requests``: the retry reason in Scrapy's ``retry/reason_count/*`` stats and log."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown Status"


def retry_delay(attempt: int, retry_after: float | None, *, base: float, cap: float) -> float:
    """How long to wait before retry number ``attempt`` (1 for the first): the server's word, else backoff."""
    wanted = retry_after if retry_after is not None else base * 2 ** max(0, attempt - 1)
    return max(0.0, min(wanted, cap))


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry as Scrapy does, but wait first; reads RETRY_* and ARCHIVER_RETRY_DELAY, ARCHIVER_RETRY_MAX_DELAY.

    Scrapy's settings and meta keys keep their meaning (RETRY_ENABLED, RETRY_TIMES, RETRY_HTTP_CODES,
    RETRY_EXCEPTIONS, ``dont_retry``, ``max_retry_times``). Before retry number n it waits the server's
    Retry-After, else ARCHIVER_RETRY_DELAY * 2**(n-1), at most ARCHIVER_RETRY_MAX_DELAY seconds. Counts
    ``archiver/retry/waited_ms`` and ``archiver/retry/retry_after`` besides Scrapy's ``retry/*``.
    """

    def __init__(self, settings: BaseSettings) -> None:
        """Read Scrapy's retry settings and the archiver's waits."""
        super().__init__(settings)
        self.base_delay = settings.getfloat("ARCHIVER_RETRY_DELAY")
        self.max_delay = settings.getfloat("ARCHIVER_RETRY_MAX_DELAY")
        if self.base_delay < 0 or self.max_delay < 0:
            raise NotConfigured(
                f"ARCHIVER_RETRY_DELAY ({self.base_delay}) and ARCHIVER_RETRY_MAX_DELAY "
                f"({self.max_delay}) must not be negative"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware for a crawler."""
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Retry a response whose status is in RETRY_HTTP_CODES, after the wait; else pass it on."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, status_reason(response.status))
        if retry is None:
            return response  # retries used up: this last answer is archived
        header = response.headers.get(b"Retry-After")
        retry_after = parse_retry_after(header.decode("latin-1") if header else None, datetime.now(UTC))
        await self._wait(retry, retry_after)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        """Retry a fetch that failed with one of RETRY_EXCEPTIONS, after the wait.

        A failed lookup of a host name the resolver refused (it resolves to an internal address) is not
        retried: it is the give-up ``refused_address`` (:mod:`archiver.resolver`).
        """
        if isinstance(exception, DNSLookupError):
            reason = refusal_for(urlparse_cached(request).hostname)
            if reason is not None:
                raise GaveUp("refused_address", reason)
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(retry, None)
        return retry

    async def _wait(self, retry: Request, retry_after: float | None) -> None:
        attempt = int(retry.meta.get("retry_times", 1))
        delay = retry_delay(attempt, retry_after, base=self.base_delay, cap=self.max_delay)
        stats = self.crawler.stats
        assert stats is not None
        if retry_after is not None:
            stats.inc_value("archiver/retry/retry_after")
            if retry_after > self.max_delay:
                logger.info(
                    "%s asks to wait %.0f s (Retry-After); waiting ARCHIVER_RETRY_MAX_DELAY = %.0f s",
                    retry.url,
                    retry_after,
                    self.max_delay,
                )
        if delay > 0:
            stats.inc_value("archiver/retry/waited_ms", round(delay * 1000))
            await asyncio.sleep(delay)  # the project runs on the asyncio reactor (TWISTED_REACTOR)
