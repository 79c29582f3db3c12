"""Scrapy components that turn what the crawl archived into post records (``archiver.records`` does the work)."""
