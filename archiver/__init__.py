"""Archive Blogger blogs faithfully: Scrapy spiders, WARC snapshots and post records."""

from __future__ import annotations

__version__ = "0.2.0"
