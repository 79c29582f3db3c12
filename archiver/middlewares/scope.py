"""Refuse requests outside the crawl scope, seeds and redirects included (settings ARCHIVER_SCOPE_*).

Every request passes through here (at 60, just after Scrapy's OffsiteMiddleware), the seed, every redirect
hop (RedirectMiddleware hands each hop back to the engine, which sends it through the middlewares again) and
each ``/robots.txt`` that RobotsTxtMiddleware asks for. Two checks, in this order:

1. **The address policy** (:mod:`archiver.blogger.netpolicy`), for every request without exception: http(s)
   only, a valid host, no IP literal or ``localhost`` unless ``ARCHIVER_SCOPE_ALLOW_ADDRESSES`` names it.
   A refusal raises :class:`~archiver.giveup.GaveUp` (``refused_scheme``, ``invalid_url``,
   ``refused_address``): the spider's errback counts it in ``archiver/gave_up/<reason>`` and warns, the exit
   status is 3 (1 for the seed, whose ``archiver_seed`` meta is kept), and crawl.log has a line for it, since
   Scrapy calls every middleware's ``process_exception`` (the crawl log's at 960 included) with an exception
   raised here (see :mod:`archiver.middlewares.crawllog` for the codes).
2. **The blog scope**: the blog's hosts (the spider's ``blog_hosts``) and Blogger's asset hosts. The seed and
   its redirect chain (``archiver_seed`` in meta) are exempt, because a blog may move to a custom domain
   (``NAME.blogspot.com`` -> ``www.example.org``) and only its home page's Blogger markup tells the spider to
   add that host; ``/robots.txt`` is exempt too (it is only asked for a host something about to be fetched
   lives on). Out of scope is a decision, not a give-up: ``IgnoreRequest``, counted in
   ``archiver/scope/rejected``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

from archiver.blogger.netpolicy import parse_allowed, url_refusal
from archiver.blogger.urls import in_scope
from archiver.errors import ConfigError
from archiver.giveup import GaveUp

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ScopeMiddleware:
    """Refuse internal addresses and other schemes, drop requests off the blog's and Blogger's hosts.

    Reads ARCHIVER_SCOPE_ENABLED, ARCHIVER_SCOPE_ASSET_HOSTS and ARCHIVER_SCOPE_ALLOW_ADDRESSES; the blog's
    hosts come from the spider's ``blog_hosts`` (a set it grows when the home page redirects to a custom
    domain that passes the Blogger check).
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once; a bad ARCHIVER_SCOPE_ALLOW_ADDRESSES entry stops the crawl, named."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_SCOPE_ENABLED"):
            raise NotConfigured("ARCHIVER_SCOPE_ENABLED is false")
        self.crawler = crawler
        self.asset_hosts = tuple(settings.getlist("ARCHIVER_SCOPE_ASSET_HOSTS"))
        try:
            self.allowed = parse_allowed(settings.getlist("ARCHIVER_SCOPE_ALLOW_ADDRESSES"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def allows(self, request: Request) -> bool:
        """Tell whether a request (that passed the address policy) is in the blog scope of the running spider."""
        blog_hosts = getattr(self.crawler.spider, "blog_hosts", None)
        if blog_hosts is None or request.meta.get("archiver_seed"):
            return True
        return in_scope(request.url, blog_hosts, self.asset_hosts) or urlsplit(request.url).path == "/robots.txt"

    def process_request(self, request: Request) -> None:
        """Raise GaveUp for a refused address or scheme, IgnoreRequest for an out-of-scope request."""
        refusal = url_refusal(request.url, self.allowed)
        if refusal is not None:
            raise GaveUp(refusal.reason, refusal.message)
        if self.allows(request):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archiver/scope/rejected")
        logger.debug("Out of scope, not fetched: %s", request.url)
        raise IgnoreRequest(f"out of scope: {request.url}")
