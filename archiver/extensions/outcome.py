"""The crawl's outcome as one log line, for runners that only see the log (Scrapyd).

``archiver crawl`` tells its outcome by its exit status: 0 when everything was archived, 3 when the crawl
finished but gave up on something (an ``archiver/gave_up/<reason>`` counter), 1 when it did not finish (its
``finish_reason`` is not ``finished``). A Scrapyd job has no such status: Scrapyd runs ``scrapy crawl``, whose
exit status is 0 for any crawl that started, and ``listjobs.json``/``status.json`` only say ``finished``. So
this extension writes the same verdict into the job's log, as the last word of the crawl::

    Crawl outcome: gave_up (exit status 3): finished, but gave up on 2 URLs (server_error 2)

:func:`crawl_outcome` is the rule, a pure function of the crawl's stats; :data:`OUTCOME_LINE` is what
:func:`archiver.scrapyd.scrapyd_job_state` reads back. A job whose log has no such line did not get as far as
the end of its crawl (a refused setting, a kill): it failed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.giveup import STATS_PREFIX

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

FINISHED = "finished"
GAVE_UP = "gave_up"
FAILED = "failed"
#: the exit status ``archiver crawl`` gives each outcome
EXIT_STATUS = {FINISHED: 0, GAVE_UP: 3, FAILED: 1}
#: the log line of the outcome: its state is the first word after the prefix
OUTCOME_LINE = re.compile(r"Crawl outcome: (finished|gave_up|failed) \(exit status \d+\)")


@dataclass(frozen=True)
class Outcome:
    """How a crawl ended: ``state`` (finished, gave_up, failed), its exit status, and a sentence saying why."""

    state: str
    exit_status: int
    reason: str

    def log_line(self) -> str:
        """The line :data:`OUTCOME_LINE` matches."""
        return f"Crawl outcome: {self.state} (exit status {self.exit_status}): {self.reason}"


def crawl_outcome(stats: Mapping[str, Any]) -> Outcome:
    """The outcome of a crawl from its stats, by the rule of ``archiver crawl``'s exit status."""
    finish_reason = stats.get("finish_reason")
    if finish_reason != "finished":
        return Outcome(FAILED, EXIT_STATUS[FAILED], f"the crawl did not finish: {finish_reason}")
    gave_up = {key[len(STATS_PREFIX) :]: int(n) for key, n in stats.items() if key.startswith(STATS_PREFIX)}
    if gave_up:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(gave_up.items()))
        return Outcome(
            GAVE_UP, EXIT_STATUS[GAVE_UP], f"finished, but gave up on {sum(gave_up.values())} URLs ({kinds})"
        )
    return Outcome(FINISHED, EXIT_STATUS[FINISHED], "finished, everything archived")


class CrawlOutcomeExtension:
    """Log the crawl's outcome (:func:`crawl_outcome`) once the engine stops; reads ARCHIVER_OUTCOME_ENABLED."""

    def __init__(self, crawler: Crawler) -> None:
        """Read the setting once."""
        if not crawler.settings.getbool("ARCHIVER_OUTCOME_ENABLED"):
            raise NotConfigured("ARCHIVER_OUTCOME_ENABLED is false")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension; it logs on engine_stopped, after the report (whose stats are final by then)."""
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        """Log the outcome: at INFO when everything was archived, else as a warning."""
        outcome = crawl_outcome(self.crawler.stats.get_stats() if self.crawler.stats else {})
        level = logging.INFO if outcome.state == FINISHED else logging.WARNING
        logger.log(level, "%s", outcome.log_line())
