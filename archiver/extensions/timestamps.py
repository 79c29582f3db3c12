"""Stamp every WARC file the crawl closes with an RFC 3161 token, chained per blog (settings ARCHIVER_TSA_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.errors import ConfigError
from archiver.giveup import count_give_up
from archiver.timestamps import CHAIN_FILE, DEFAULT_TIMEOUT, Stamper, TimestampError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

NOT_TIMESTAMPED = "not timestamped (no ARCHIVER_TSA_URL)"


class TimestampExtension:
    """Obtain a TSA token for each WARC file on ``warc_closed`` (:mod:`archiver.timestamps`), before the report.

    Reads ARCHIVER_TSA_URL, ARCHIVER_TSA_CA_FILE, ARCHIVER_TSA_TIMEOUT, ARCHIVER_WARC_ENABLED and
    ARCHIVER_CRAWL_DIR (the chain lives in its parent, OUTPUT/<host>). Without a URL it only says so: the stat
    ``archiver/timestamps/status`` (read by the summary) is "not timestamped (no ARCHIVER_TSA_URL)". A URL
    without a readable ARCHIVER_TSA_CA_FILE, or a non-positive timeout, stops the crawl before anything is
    fetched (ConfigError naming the setting). Each token counts ``archiver/timestamps/stamped``; a TSA that
    fails is a give-up ``archiver/gave_up/timestamp_failed`` (exit status 3), the WARC file left unstamped for
    ``archiver timestamp OUTPUT/<host>``.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once and the trust anchors; raises ConfigError naming a bad setting."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is false: no WARC files to timestamp")
        self.crawler = crawler
        self.url = str(settings.get("ARCHIVER_TSA_URL") or "").strip()
        self.stamper: Stamper | None = None
        if not self.url:
            return
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if not crawl_dir:
            raise ConfigError("ARCHIVER_TSA_URL needs ARCHIVER_CRAWL_DIR (the chain lives in its parent folder)")
        ca_file = settings.get("ARCHIVER_TSA_CA_FILE")
        if not ca_file:
            raise ConfigError("ARCHIVER_TSA_URL is set but ARCHIVER_TSA_CA_FILE (the TSA's trust anchors, PEM) is not")
        try:
            timeout = settings.getfloat("ARCHIVER_TSA_TIMEOUT", DEFAULT_TIMEOUT)
        except ValueError:
            raise ConfigError(f"ARCHIVER_TSA_TIMEOUT {settings.get('ARCHIVER_TSA_TIMEOUT')!r} is not seconds") from None
        if timeout <= 0:
            raise ConfigError(f"ARCHIVER_TSA_TIMEOUT must be a positive number of seconds, got {timeout}")
        try:
            self.stamper = Stamper(Path(crawl_dir).parent, self.url, Path(ca_file), timeout=timeout)
        except TimestampError as exc:
            raise ConfigError(f"ARCHIVER_TSA_CA_FILE: {exc}") from exc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.warc_closed, signal=archiver_signals.warc_closed)
        return extension

    @property
    def stats(self) -> Any:
        """The crawler's stats collector."""
        return self.crawler.stats

    def spider_opened(self, spider: Spider) -> None:
        """Say whether and by whom the crawl's WARC files are timestamped."""
        if self.stamper is None:
            logger.info("WARC files are %s", NOT_TIMESTAMPED)
            self.stats.set_value("archiver/timestamps/status", NOT_TIMESTAMPED)
            return
        logger.info("Every WARC file is timestamped by %s (chain: %s)", self.url, self.stamper.blog_dir / CHAIN_FILE)
        self.stats.set_value("archiver/timestamps/status", f"by {self.url}")

    def warc_closed(self, path: Path, sha256: str | None = None, **_: Any) -> None:
        """Stamp the file just closed (its sha256 as the writer hashed it); a give-up on failure, the crawl goes on."""
        if self.stamper is None:
            return
        try:
            self.stamper.stamp(path, sha256)
        except TimestampError as exc:
            count_give_up(
                self.stats,
                "timestamp_failed",
                path.name,
                f"{exc}; the file is intact and unstamped: `archiver timestamp {self.stamper.blog_dir}` stamps it",
            )
            self.stats.inc_value("archiver/timestamps/failed")
            return
        self.stats.inc_value("archiver/timestamps/stamped")
