"""Write CRAWL_DIR/manifest-sha256.txt, the sha256 of every file of the crawl, last of all (ARCHIVER_FIXITY_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.fixity import MANIFEST_NAME, FixityError, write_manifest

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class FixityManifestExtension:
    """Hash every file of the crawl folder into CRAWL_DIR/manifest-sha256.txt once everything else is written.

    Reads ARCHIVER_FIXITY_ENABLED and ARCHIVER_CRAWL_DIR (as :mod:`archiver.layout` filled it in). It runs on
    ``engine_stopped``, for a finished or an interrupted crawl alike, and is ordered after every other
    extension that writes into the crawl folder (the WACZ, the dedup index, the report's stats.json and
    summary.txt): the manifest covers all of them. summary.txt and stats.json are written before it, so they
    cannot count it: the stat ``archiver/fixity/files`` and one INFO line of the log do. A resumed crawl writes
    it again. A failure is logged and counted (``archiver/fixity/errors``), never raised into Scrapy.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_FIXITY_ENABLED"):
            raise NotConfigured("ARCHIVER_FIXITY_ENABLED is false")
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if not crawl_dir:
            raise NotConfigured("ARCHIVER_CRAWL_DIR is not set (no crawl laid out)")
        self.crawler = crawler
        self.crawl_dir = Path(crawl_dir)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to ``engine_stopped``."""
        extension = cls(crawler)
        # engine_stopped handlers run in the order the extensions were built (EXTENSIONS order): this one last
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        """Say that a manifest will be written, for the summary (written before it)."""
        stats: Any = self.crawler.stats
        stats.set_value("archiver/fixity/manifest", MANIFEST_NAME)

    def engine_stopped(self) -> None:
        """Write the manifest; a failure is logged and counted."""
        stats: Any = self.crawler.stats
        if not self.crawl_dir.is_dir():
            logger.info("No crawl folder %s: no fixity manifest", self.crawl_dir)
            return
        try:
            count = write_manifest(self.crawl_dir)
        except (FixityError, OSError) as exc:
            stats.inc_value("archiver/fixity/errors")
            logger.error("Cannot write %s of %s: %s", MANIFEST_NAME, self.crawl_dir, exc, exc_info=True)
            return
        stats.set_value("archiver/fixity/files", count)
        logger.info("Fixity manifest %s: sha256 of %d files", self.crawl_dir / MANIFEST_NAME, count)
