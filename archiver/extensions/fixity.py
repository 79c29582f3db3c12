"""Write CRAWL_DIR/manifest-sha256.txt, the sha256 of every file of the crawl, last of all (ARCHIVER_FIXITY_*)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.fixity import MANIFEST_NAME, FixityError, KnownDigest, write_manifest

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

    Files hashed as they were written are not read again: each WARC file the crawl closed (``warc_closed``
    carries its sha256) and the WACZ (``wacz_written``), as long as its size and mtime are still those it had
    then; every other file is hashed by reading it.
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
        self.known: dict[str, KnownDigest] = {}  # relative path -> sha256 hashed as written

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to ``engine_stopped``."""
        extension = cls(crawler)
        # engine_stopped handlers run in the order the extensions were built (EXTENSIONS order): this one last
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.file_hashed, signal=archiver_signals.warc_closed)
        crawler.signals.connect(extension.file_hashed, signal=archiver_signals.wacz_written)
        return extension

    def file_hashed(self, path: Path, sha256: str | None = None, size: int | None = None, **_: Any) -> None:
        """Keep the sha256 of a file of the crawl folder hashed as it was written."""
        if sha256 is None or size is None:
            return
        try:
            relative = Path(path).resolve().relative_to(self.crawl_dir.resolve()).as_posix()
        except ValueError:
            return  # written outside the crawl folder (an ARCHIVER_WARC_DIR elsewhere): not in the manifest
        digest = KnownDigest.of(Path(path), sha256, size)
        if digest is not None:
            self.known[relative] = digest

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
        started = time.monotonic()
        try:
            count = write_manifest(self.crawl_dir, self.known)
        except (FixityError, OSError) as exc:
            stats.inc_value("archiver/fixity/errors")
            logger.error("Cannot write %s of %s: %s", MANIFEST_NAME, self.crawl_dir, exc, exc_info=True)
            return
        stats.set_value("archiver/fixity/files", count)
        logger.info(
            "Fixity manifest %s: sha256 of %d files (%d hashed as written) in %.1f s",
            self.crawl_dir / MANIFEST_NAME,
            count,
            len(self.known),
            time.monotonic() - started,
        )
