"""Connection ramp-up per host: a crawl opens few connections to a host at first, more as answers arrive.

Without it Scrapy sends ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests to a host the moment its first links are
known: a burst of new connections (each with its TLS handshake) before the host has answered anything, which
is how a crawler trips a server's rate limits. Here every host's downloader slot starts at
``ARCHIVER_RAMP_UP_START`` concurrent requests and grows as TCP's slow start does:

- a *round* is as many answers as the slot's current limit; after a round of good answers the limit doubles,
  up to the slot's configured concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN``, or the slot's own setting);
- a bad answer (429, 503, or a failed fetch: reset, timeout, refused) halves the limit (at least 1) and
  remembers it as the threshold; from then on a good round adds one, not doubles, until the next bad answer.

It acts through Scrapy 2.19's downloader slots (``engine.downloader.slots[key].concurrency``, read by the slot
each time it starts a transfer), set on ``request_reached_downloader`` (the slot exists then) and adjusted on
``response_downloaded`` (before the slot looks for its next request). AutoThrottle, which sets the slots'
delays, works alongside it. Backoffs are counted in ``archiver/ramp_up/backoffs``; settings
``ARCHIVER_RAMP_UP_ENABLED`` and ``ARCHIVER_RAMP_UP_START``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.errors import ConfigError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: statuses that say the host is overloaded or limiting us: back off
BACKOFF_STATUSES = frozenset({429, 503})
#: request meta: this attempt was answered (response_downloaded saw it); one without it failed
_ANSWERED_KEY = "_archiver_ramp_answered"


@dataclass
class SlowStart:
    """The concurrency limit of one host: doubles per good round up to ``ceiling``, halves on a bad answer."""

    limit: int
    ceiling: int
    threshold: int | None = None  # set by the first backoff: above it, growth is one per round
    answered: int = 0  # good answers in the current round

    def __post_init__(self) -> None:
        self.limit = max(1, min(self.limit, self.ceiling))

    def good(self) -> bool:
        """A good answer; True when the limit grew."""
        self.answered += 1
        if self.answered < self.limit or self.limit >= self.ceiling:
            return False
        self.answered = 0
        grown = self.limit * 2 if self.threshold is None or self.limit * 2 <= self.threshold else self.limit + 1
        self.limit = min(self.ceiling, grown)
        return True

    def bad(self) -> None:
        """A bad answer (429, 503, a failed fetch): halve the limit and grow slowly from there."""
        self.limit = max(1, self.limit // 2)
        self.threshold = self.limit
        self.answered = 0


class RampUpExtension:
    """Ramp up each host's concurrency from ARCHIVER_RAMP_UP_START (ARCHIVER_RAMP_UP_ENABLED)."""

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings; NotConfigured when ramp-up is off."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_RAMP_UP_ENABLED", True):
            raise NotConfigured("ARCHIVER_RAMP_UP_ENABLED is off")
        try:
            self.start = settings.getint("ARCHIVER_RAMP_UP_START", 1)
        except ValueError:
            raise ConfigError(
                f"ARCHIVER_RAMP_UP_START {settings.get('ARCHIVER_RAMP_UP_START')!r} is not a whole number"
            ) from None
        if self.start < 1:
            raise ConfigError(f"ARCHIVER_RAMP_UP_START must be at least 1, got {self.start}")
        self.crawler = crawler
        self.hosts: dict[str, SlowStart] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the downloader's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(extension.request_left_downloader, signal=signals.request_left_downloader)
        return extension

    def _slot(self, request: Request) -> tuple[str, Any] | None:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return None
        key = request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        return (key, slot) if slot is not None else None

    def request_reached_downloader(self, request: Request, **_: Any) -> None:
        """The request is in its host's slot: hold the slot to the host's current limit."""
        request.meta.pop(_ANSWERED_KEY, None)  # a retry's copy of the meta
        found = self._slot(request)
        if found is None:
            return
        key, slot = found
        state = self.hosts.get(key)
        if state is None:
            state = self.hosts[key] = SlowStart(self.start, max(1, int(slot.concurrency)))
        slot.concurrency = state.limit

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        """An answer: grow the host's limit after a good round, halve it on 429 or 503."""
        request.meta[_ANSWERED_KEY] = True
        self._adjust(request, bad=response.status in BACKOFF_STATUSES)

    def request_left_downloader(self, request: Request, **_: Any) -> None:
        """A request that left without an answer failed (reset, timeout, refused): back off."""
        if not request.meta.pop(_ANSWERED_KEY, False):
            self._adjust(request, bad=True)

    def _adjust(self, request: Request, *, bad: bool) -> None:
        found = self._slot(request)
        if found is None:
            return
        key, slot = found
        state = self.hosts.get(key)
        if state is None:
            return
        if bad:
            state.bad()
            stats: Any = self.crawler.stats
            stats.inc_value("archiver/ramp_up/backoffs")
            logger.debug("Ramp-up: %s answered badly, %d concurrent requests now", key, state.limit)
        elif state.good():
            logger.debug("Ramp-up: %s up to %d concurrent requests", key, state.limit)
        slot.concurrency = state.limit
