"""Scrapy extensions: live progress, the CDXJ index, and the end-of-crawl report (stats.json, summary)."""

from __future__ import annotations
