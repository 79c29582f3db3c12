"""Add the crawl's finished WARC files to the blog's dedup index at the end (settings ARCHIVER_DEDUP_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.errors import ConfigError
from archiver.warc.dedup import DedupError, DedupIndex, finished_warcs

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DedupIndexExtension:
    """Index every finished WARC file of the crawl folder into the blog's dedup index once the engine stopped.

    Reads ARCHIVER_DEDUP_ENABLED, ARCHIVER_WARC_ENABLED, ARCHIVER_WARC_DIR and ARCHIVER_DEDUP_INDEX (as
    :mod:`archiver.layout` filled them in: ``OUTPUT/<host>/dedup.sqlite``; the index's folder is the blog folder
    its paths are relative to). It runs on ``engine_stopped``, after the WARC recorder renamed its files on
    ``spider_closed``, for a finished or an interrupted crawl alike (a finished file holds only complete
    records); ``.open`` files are never indexed (a killed run's are mended and indexed by its ``--resume``).
    The files of earlier runs of a resumed crawl are indexed again, which changes nothing. A WARC folder that is
    not ``<blog folder>/<crawl folder>/warc`` (an ARCHIVER_CRAWL_DIR elsewhere) is not indexed, with a warning:
    the index must stay what a rebuild from the blog folder gives. Sets the stats ``archiver/dedup/files``,
    ``archiver/dedup/records`` (rows added), ``archiver/dedup/open_skipped``,
    ``archiver/dedup/outside_blog_folder`` or ``archiver/dedup/errors``; a failure is logged, never raised into
    Scrapy (the WARCs are intact, and ``archiver index rebuild`` rebuilds the index from them).
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once; an empty ARCHIVER_DEDUP_INDEX is refused by name."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_DEDUP_ENABLED"):
            raise NotConfigured("ARCHIVER_DEDUP_ENABLED is false")
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is false: no WARC files to index")
        index, warc_dir = settings.get("ARCHIVER_DEDUP_INDEX"), settings.get("ARCHIVER_WARC_DIR")
        if index is None or not warc_dir:
            raise NotConfigured("ARCHIVER_DEDUP_INDEX or ARCHIVER_WARC_DIR is not set (no crawl laid out)")
        if not str(index).strip():
            raise ConfigError(
                "ARCHIVER_DEDUP_INDEX is empty: leave it unset for OUTPUT/<blog host>/dedup.sqlite, or set "
                "ARCHIVER_DEDUP_ENABLED=False"
            )
        self.crawler = crawler
        self.index_path = Path(index)
        self.blog_dir = self.index_path.parent
        self.warc_dir = Path(warc_dir)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to ``engine_stopped``."""
        extension = cls(crawler)
        # after spider_closed, when the WARC recorder has given its files their final names
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        """Index the crawl's finished WARC files in one transaction; a failure is logged and counted."""
        stats: Any = self.crawler.stats
        finished, still_open = finished_warcs(self.warc_dir)
        if still_open:
            stats.set_value("archiver/dedup/open_skipped", len(still_open))
            for path in still_open:
                logger.warning("Not added to the dedup index: %s is still open", path)
        if not finished:
            return
        if self.warc_dir.absolute().parent.parent != self.blog_dir.absolute():
            stats.set_value("archiver/dedup/outside_blog_folder", 1)
            logger.warning(
                "Not added to the dedup index %s: %s is not a crawl folder's warc/ in %s, where "
                "`archiver index rebuild` would find it (no later crawl will refer to these captures)",
                self.index_path,
                self.warc_dir,
                self.blog_dir,
            )
            return
        try:
            with DedupIndex(self.blog_dir, self.index_path) as index:
                result = index.add_files(finished)
        except DedupError as exc:
            stats.inc_value("archiver/dedup/errors")
            logger.error(
                "Cannot add %s to the dedup index %s: %s (the WARCs are intact: `archiver index rebuild %s`)",
                self.warc_dir,
                self.index_path,
                exc,
                self.blog_dir,
                exc_info=True,
            )
            return
        stats.set_value("archiver/dedup/files", result.files)
        stats.set_value("archiver/dedup/records", result.added)
        logger.info(
            "Dedup index %s: %d response records of %d WARC files added (%d already there)",
            self.index_path,
            result.added,
            result.files,
            result.skipped,
        )
