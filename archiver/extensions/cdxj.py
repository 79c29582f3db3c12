"""Write ``index.cdxj`` (pywb's format) for the crawl's WARC files at the end (settings ARCHIVER_CDXJ_*)."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.warc import CdxjCollector, WarcError, index_warc, write_cdxj
from archiver.warc.writer import WARC_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

    from archiver.warc import CaptureLocation

logger = logging.getLogger(__name__)

INDEX_NAME = "index.cdxj"


class CdxjIndexExtension:
    """Collect a CDXJ line per written capture and write CRAWL_DIR/index.cdxj when the spider closes.

    Memory does not grow with the crawl: each line goes to an unnamed temporary file in the crawl folder as
    its capture is written (:class:`~archiver.warc.CdxjCollector`), and the index is sorted from there in
    bounded runs (:func:`~archiver.warc.write_cdxj`, at most ``SORT_RUN_LINES`` lines in memory). What stays
    in memory per capture is only the name of its WARC file, once per file.

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
        self.collector = CdxjCollector(spool_dir=self.path.parent)
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
        with self.collector:
            self._write_index()

    def _write_index(self) -> None:
        others: list[Path] = []
        if self.warc_dir.is_dir():
            others = [p for p in sorted(self.warc_dir.glob(f"*{WARC_SUFFIX}")) if p.name not in self.files]
        if not self.collector.count and not others:
            return
        lines = itertools.chain(self.collector.lines, self._index_others(others))
        first = next(lines, None)
        if first is None:  # every other WARC unreadable: an index written earlier is left as it is
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        count = write_cdxj(itertools.chain([first], lines), self.path)
        stats: Any = self.crawler.stats
        stats.set_value("archiver/cdxj/lines", count)
        logger.info("Wrote %d index lines to %s", count, self.path)

    @staticmethod
    def _index_others(paths: list[Path]) -> Iterator[str]:
        """The lines of WARC files this run did not write, one file in memory at a time."""
        for path in paths:
            try:
                yield from index_warc(path)
            except WarcError as exc:
                logger.error("Cannot index %s: %s", path, exc)
