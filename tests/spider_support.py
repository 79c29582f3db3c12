"""Build the blogspot spider for unit tests: the project's settings, a crawler, no engine; collect start()."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy.utils.test import get_crawler

import archiver.settings
from archiver.spiders.blogspot import BlogspotSpider

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Request

HOST = "gongminziyoulianmeng.blogspot.com"
HOME = f"https://{HOST}/"


def make_spider(tmp_path: Path, url: str = HOME, **settings: Any) -> BlogspotSpider:
    """The spider for ``url`` with every project default, ``ARCHIVER_CRAWL_DIR=tmp_path`` and ``settings``."""
    values = {name: getattr(archiver.settings, name) for name in dir(archiver.settings) if name.isupper()}
    values.update(ARCHIVER_CRAWL_DIR=str(tmp_path), **settings)
    crawler = get_crawler(BlogspotSpider, values)
    spider = BlogspotSpider.from_crawler(crawler, url=url)
    crawler.spider = spider
    return spider


def start(spider: BlogspotSpider) -> list[Request]:
    """Every request the spider's ``start()`` yields."""

    async def collect() -> list[Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())
