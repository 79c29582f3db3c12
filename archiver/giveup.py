"""Give-ups: requests the crawl abandoned because of a limit or a refusal, counted and warned about.

One contract for every component: a downloader middleware (or the spider) that gives up on a request raises
:class:`GaveUp` with a short ``reason`` (``too_many_redirects``, ``size_limit``, ``refused_scheme``,
``refused_address``, ...). The spider's errback counts it in ``archiver/gave_up/<reason>`` and logs a
warning naming the URL; ``archiver crawl`` exits with status 3 when any ``archiver/gave_up/*`` counter is set,
and the summary lists them. Something found outside the crawl's scope is a decision, not a give-up: it is
counted elsewhere (``archiver/links/out_of_scope``) and does not change the exit status.

Code that is not a request (the records extractor hitting a parser limit) calls :func:`count_give_up`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

STATS_PREFIX = "archiver/gave_up/"
_REASON = re.compile(r"^[a-z0-9_]+$")


class GaveUp(IgnoreRequest):
    """A request abandoned on purpose: a limit was hit or the target was refused; ``reason`` names which."""

    def __init__(self, reason: str, message: str) -> None:
        """``reason`` is the stats key suffix (lower case, digits, underscores); ``message`` says what happened."""
        if not _REASON.match(reason):
            raise ValueError(f"give-up reason {reason!r} must match {_REASON.pattern}")
        super().__init__(message)
        self.reason = reason
        self.message = message


def count_give_up(stats: Any, reason: str, url: str, message: str) -> None:
    """Count one give-up in ``archiver/gave_up/<reason>`` and warn with the URL."""
    if stats is not None:
        stats.inc_value(STATS_PREFIX + reason)
    logger.warning("Gave up on %s (%s): %s", url, reason, message)
