"""Scrapy downloader middlewares: crawl scope, WARC recording, the crawl log."""

from __future__ import annotations
