"""Write ``index.cdxj`` (pywb's format) for the crawl's WARC files at the end (settings ARCHIVER_CDXJ_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.warc import CdxjCollector, WarcError, index_warc, write_cdxj
from archiver.warc.writer import WARC_SUFFIX

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

    from archiver.warc import CaptureLocation

logger = logging.getLogger(__name__)

INDEX_NAME = "index.cdxj"


class CdxjIndexExtension:
    """Collect a CDXJ line per written capture and write CRAWL_DIR/index.cdxj when the spider closes.

    Reads ARCHIVER_CDXJ_ENABLED, ARCHIVER_CRAWL_DIR and ARCHIVER_WARC_DIR. WARC files of the folder that this
    run did not write (an earlier run of a resumed crawl, files mended at start) are indexed from disk, so
    the index always covers every WARC in the folder.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_CDXJ_ENABLED"):
            raise NotConfigured("ARCHIVER_CDXJ_ENABLED is false")
        crawl_dir, warc_dir = settings.get("ARCHIVER_CRAWL_DIR"), settings.get("ARCHIVER_WARC_DIR")
        if not crawl_dir or not warc_dir:
            raise NotConfigured("ARCHIVER_CRAWL_DIR or ARCHIVER_WARC_DIR is not set")
        self.crawler = crawler
        self.path = Path(crawl_dir) / INDEX_NAME
        self.warc_dir = Path(warc_dir)
        self.collector = CdxjCollector()
        self.files: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.capture_written, signal=archiver_signals.capture_written)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def capture_written(self, location: CaptureLocation, **_: Any) -> None:
        """Add the line of one capture."""
        self.collector.add(location)
        self.files.add(location.filename)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Index the other WARCs of the folder and write the sorted index."""
        lines = list(self.collector.lines)
        if self.warc_dir.is_dir():
            for path in sorted(self.warc_dir.glob(f"*{WARC_SUFFIX}")):
                if path.name in self.files:
                    continue
                try:
                    lines.extend(index_warc(path))
                except WarcError as exc:
                    logger.error("Cannot index %s: %s", path, exc)
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        count = write_cdxj(lines, self.path)
        stats: Any = self.crawler.stats
        stats.set_value("archiver/cdxj/lines", count)
        logger.info("Wrote %d index lines to %s", count, self.path)
