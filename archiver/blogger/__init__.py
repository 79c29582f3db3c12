"""Blogger site rules without Scrapy: URL canonicalisation, classification, scope and link discovery."""

from __future__ import annotations
