"""Write the finished crawl as CRAWL_DIR/HOST-CRAWLID.wacz, a WACZ 1.1.1 package (settings ARCHIVER_WACZ_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.errors import ArchiverError, ConfigError
from archiver.extensions.cdxj import INDEX_NAME
from archiver.extensions.progress import human_bytes
from archiver.signing import Signer, SigningError
from archiver.warc.wacz import crawl_warcs, gather, required_waczs, wacz_name, write_wacz
from archiver.warc.writer import SOFTWARE

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CRAWL_LOG_NAME = "crawl.log"
#: finish reasons after which no package is written: the crawl was interrupted and is meant to be resumed
INTERRUPTED = frozenset({"shutdown"})


class WaczPackageExtension:
    """Write the crawl's WACZ package once the engine has stopped and every WARC file has its final name.

    Reads ARCHIVER_WACZ_ENABLED, ARCHIVER_WARC_ENABLED, ARCHIVER_CRAWL_DIR, ARCHIVER_CRAWL_ID,
    ARCHIVER_WARC_DIR and ARCHIVER_DEDUP_INDEX (as :mod:`archiver.layout` filled them in), and
    ARCHIVER_SIGNING_KEY: when set, the package is signed (:mod:`archiver.signing`), and a key that cannot be
    used stops the crawl before anything is fetched (ConfigError); unset, the log says the package is
    unsigned and the stat ``archiver/wacz/signed_by`` is ``unsigned``. The package holds
    the WARCs, the index (CRAWL_DIR/index.cdxj when it covers them), the page lists and crawl.log; when the
    crawl wrote revisits, datapackage.json's ``relation.requires`` names the other crawls' WACZs holding the
    originals (Browsertrix's convention) and the log says to replay with ``archiver package OUTPUT/<host>``.
    An interrupted crawl (Ctrl-C, SIGTERM) is not packaged: ``archiver package CRAWL_DIR`` does it on demand.
    Sets the stats ``archiver/wacz/file``, ``archiver/wacz/bytes``, ``archiver/wacz/pages``,
    ``archiver/wacz/requires`` (read by the crawl report, which runs after this extension) or
    ``archiver/wacz/errors``.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WACZ_ENABLED"):
            raise NotConfigured("ARCHIVER_WACZ_ENABLED is false")
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is false: no WARC files to package")
        crawl_dir, warc_dir = settings.get("ARCHIVER_CRAWL_DIR"), settings.get("ARCHIVER_WARC_DIR")
        crawl_id = settings.get("ARCHIVER_CRAWL_ID")
        if not crawl_dir or not warc_dir or not crawl_id:
            raise NotConfigured(
                "ARCHIVER_CRAWL_DIR, ARCHIVER_CRAWL_ID or ARCHIVER_WARC_DIR is not set (no crawl laid out)"
            )
        self.crawler = crawler
        self.crawl_dir = Path(crawl_dir)
        self.crawl_id = str(crawl_id)
        self.warc_dir = Path(warc_dir)
        index = settings.get("ARCHIVER_DEDUP_INDEX")
        self.dedup_index = Path(index) if index else None
        # the blog folder OUTPUT/<host> (archiver.layout), where the other crawls and their WACZs are
        self.blog_dir = self.dedup_index.parent if self.dedup_index is not None else self.crawl_dir.parent
        self.reason: str | None = None
        self.host: str | None = None
        key = settings.get("ARCHIVER_SIGNING_KEY")
        try:
            self.signer = Signer.from_file(Path(key), SOFTWARE) if key else None
        except SigningError as exc:
            raise ConfigError(f"ARCHIVER_SIGNING_KEY: {exc}") from exc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # after spider_closed, when the WARC middleware has renamed its files and index.cdxj is written
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Remember why the crawl ended and which host the blog was served from."""
        self.reason = reason
        self.host = getattr(spider, "blog_host", None)

    def engine_stopped(self) -> None:
        """Write the package; a failure is logged and counted, never raised into Scrapy."""
        stats: Any = self.crawler.stats
        if self.reason in INTERRUPTED:
            logger.info(
                "Crawl interrupted (%s): no WACZ written; run `archiver package %s` to make one",
                self.reason,
                self.crawl_dir,
            )
            return
        if not any(self.warc_dir.glob("*.warc.gz*")):
            logger.info("No WARC file was written to %s: no WACZ", self.warc_dir)
            return
        try:
            contents = gather(crawl_warcs(self.crawl_dir, self.warc_dir), self.crawl_dir / INDEX_NAME)
            host = self.host or contents.main_page.url.split("/")[2]
            requires = required_waczs(contents, self.blog_dir, host, self.crawl_id, self.dedup_index)
            result = write_wacz(
                self.crawl_dir / wacz_name(host, self.crawl_id),
                contents,
                logs=[self.crawl_dir / CRAWL_LOG_NAME],
                requires=requires,
                signer=self.signer,
            )
        except (ArchiverError, OSError) as exc:
            stats.inc_value("archiver/wacz/errors")
            logger.error("Cannot write the WACZ package of %s: %s", self.crawl_dir, exc, exc_info=True)
            return
        stats.set_value("archiver/wacz/file", result.path.name)
        stats.set_value("archiver/wacz/bytes", result.size)
        stats.set_value("archiver/wacz/pages", len(result.pages))
        stats.set_value("archiver/wacz/signed_by", result.signed_by or "unsigned")
        if result.signed_by:
            logger.info("Signed %s with the key %s (ARCHIVER_SIGNING_KEY)", result.path.name, result.signed_by)
        else:
            logger.info("The WACZ is unsigned: no ARCHIVER_SIGNING_KEY (make a key with `archiver keys init`)")
        logger.info(
            "Wrote %s (%d pages, %d extra pages, %s)",
            result.path,
            len(result.pages),
            len(result.extra_pages),
            human_bytes(result.size),
        )
        revisits = stats.get_value("archiver/warc/revisits", 0)
        if revisits or result.requires:
            stats.set_value("archiver/wacz/requires", [entry["filename"] for entry in result.requires])
            logger.warning(
                "This crawl wrote %d revisit records; its WACZ needs the originals in %s. "
                "Replay with the blog WACZ: archiver package %s",
                revisits,
                ", ".join(entry["filename"] for entry in result.requires) or "other crawls",
                self.blog_dir,
            )
