"""Write CRAWL_DIR/report.html, the crawl's HTML report, at the end of every crawl (ARCHIVER_REPORT_HTML_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.errors import ArchiverError
from archiver.htmlreport import REPORT_NAME, write_report

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: the stat naming the report, set when the crawl opens so that stats.json and summary.txt (written before it) list it
REPORT_STAT = "archiver/report/html"


class HtmlReportExtension:
    """Write CRAWL_DIR/report.html (:mod:`archiver.htmlreport`) from the crawl folder's files once the engine stops.

    Reads ARCHIVER_REPORT_HTML_ENABLED and ARCHIVER_CRAWL_DIR. It runs on ``engine_stopped``, for a finished or
    an interrupted crawl alike, after every extension whose files it reads (the records, the WACZ, the dedup
    index, the timestamps, and the text report's stats.json and summary.txt) and before the fixity manifest,
    which covers it. It reads files only, never the crawler's state: ``archiver report CRAWL_DIR -o FILE``
    writes the same bytes later. A failure is logged and counted (``archiver/report/html_errors``), never
    raised into Scrapy.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_REPORT_HTML_ENABLED"):
            raise NotConfigured("ARCHIVER_REPORT_HTML_ENABLED is false")
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if not crawl_dir:
            raise NotConfigured("ARCHIVER_CRAWL_DIR is not set (no crawl laid out)")
        self.crawler = crawler
        self.crawl_dir = Path(crawl_dir)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        # engine_stopped handlers run in the order the extensions were built (EXTENSIONS order)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self) -> None:
        """Say that a report will be written, for the summary (written before it)."""
        stats: Any = self.crawler.stats
        stats.set_value(REPORT_STAT, REPORT_NAME)

    def engine_stopped(self) -> None:
        """Write the report; a failure is logged and counted."""
        stats: Any = self.crawler.stats
        if not self.crawl_dir.is_dir():
            logger.info("No crawl folder %s: no HTML report", self.crawl_dir)
            return
        try:
            path = write_report(self.crawl_dir)
        except (ArchiverError, OSError, ValueError) as exc:
            stats.inc_value("archiver/report/html_errors")
            logger.error("Cannot write %s of %s: %s", REPORT_NAME, self.crawl_dir, exc, exc_info=True)
            return
        logger.info("HTML report %s", path)
