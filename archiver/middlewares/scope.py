"""Refuse requests outside the crawl scope, redirects included (settings ARCHIVER_SCOPE_*)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

from archiver.blogger.urls import in_scope

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ScopeMiddleware:
    """Drop requests off the blog and Blogger's asset hosts; reads ARCHIVER_SCOPE_ENABLED, _ASSET_HOSTS.

    The blog's hosts come from the spider's ``blog_hosts`` (a set it grows when the home page redirects to
    a custom domain). Requests marked ``archiver_seed`` in meta, and their redirects, always pass: they are
    how the spider learns the blog's host. ``/robots.txt`` always passes.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_SCOPE_ENABLED"):
            raise NotConfigured("ARCHIVER_SCOPE_ENABLED is false")
        self.crawler = crawler
        self.asset_hosts = tuple(settings.getlist("ARCHIVER_SCOPE_ASSET_HOSTS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def allows(self, request: Request) -> bool:
        """Tell whether a request is in scope for the running spider."""
        blog_hosts = getattr(self.crawler.spider, "blog_hosts", None)
        if blog_hosts is None or request.meta.get("archiver_seed"):
            return True
        # robots.txt is only asked for hosts something in scope is about to be fetched from (a seed's
        # redirect to a custom domain included), so it always passes
        return in_scope(request.url, blog_hosts, self.asset_hosts) or urlsplit(request.url).path == "/robots.txt"

    def process_request(self, request: Request) -> None:
        """Raise IgnoreRequest for an out-of-scope request, counting it in ``archiver/scope/rejected``."""
        if self.allows(request):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archiver/scope/rejected")
        logger.debug("Out of scope, not fetched: %s", request.url)
        raise IgnoreRequest(f"out of scope: {request.url}")
