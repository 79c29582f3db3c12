"""Scrapy add-ons of the archiver (setting ``ADDONS``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from archiver.layout import LAYOUT_SETTINGS, crawl_layout

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)


class CrawlLayoutAddon:
    """Fill in the crawl's paths and identity (:mod:`archiver.layout`) before any component is built.

    Reads the settings of :data:`archiver.layout.LAYOUT_SETTINGS`, ARCHIVER_PROFILE and the spider's
    ``blog_host``; sets ARCHIVER_CRAWL_ID, ARCHIVER_CRAWL_DIR, ARCHIVER_WARC_DIR, ARCHIVER_POSTS_CORPUS_DIR,
    ARCHIVER_WARC_PREFIX and USER_AGENT with priority ``cmdline`` (each derived from the effective settings, so
    a value the operator gave stays as it is). Warns when no operator contact is given for a real site.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Keep the crawler: its spider, created just before add-ons are loaded, names the blog."""
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the add-on (Scrapy does so in ``Crawler._apply_settings``, after creating the spider)."""
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        """Compute the layout and hand it to the components as settings; ConfigError names a bad setting."""
        blog_host = getattr(self.crawler.spider, "blog_host", None)
        layout = crawl_layout({name: settings.get(name) for name in LAYOUT_SETTINGS}, blog_host)
        for name, value in layout.settings().items():
            settings.set(name, value, priority="cmdline")
        if blog_host is None:
            return  # not a crawl of a blog (a unit test's bare crawler): no operator to name
        if not layout.contact and settings.get("ARCHIVER_PROFILE") != "local":
            logger.warning(
                "No operator contact given (--contact or ARCHIVER_CONTACT): "
                "site owners cannot reach whoever runs this crawl"
            )
