"""The crawl's DNS resolver: Scrapy's caching one, refusing host names that resolve to internal addresses.

A compromised site can redirect the crawler to a host *name* that resolves to ``127.0.0.1`` or ``10.x`` (DNS
rebinding, wildcard names like ``*.localtest.me``); the scope middleware only sees names, so the check of
the resolved address is made here, with :func:`archiver.blogger.netpolicy.address_refusal`: loopback,
private, link-local, shared, reserved, multicast and unspecified results are refused unless
``ARCHIVER_SCOPE_ALLOW_ADDRESSES`` allows the address or the name.

Exempt: IP literals (the scope middleware decides about those from the URL, and a proxy given as an address
is the operator's choice) and the host names of the proxies in ``http_proxy``/``https_proxy`` (read the way
Scrapy's HttpProxyMiddleware reads them, with :func:`urllib.request.getproxies`), which may well be on the
local network.

A refused name fails as Twisted's ``DNSLookupError`` (Twisted's name resolution turns any resolver failure
into a plain "no results" lookup error, so the reason cannot travel with the exception). The refusal is
therefore also noted here, per name (:func:`refusal_for`): the retry middleware asks, and turns the failed
lookup of a refused name into the give-up ``refused_address`` instead of retrying it (crawl.log still shows
the attempt as -1, a DNS failure). The reason is logged once per name as a warning naming the name, the
address and the setting.
"""

from __future__ import annotations

import logging
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.error import DNSLookupError

from archiver.blogger.netpolicy import AllowedAddresses, address_refusal, parse_allowed
from archiver.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Self

    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

#: names refused in this process, and why (the resolver is the reactor's, one per process, as this table)
_REFUSED: dict[str, str] = {}


def refusal_for(host: str | None) -> str | None:
    """Why the resolver refused ``host`` (lower case, no port), or None when it did not."""
    return _REFUSED.get(host.lower()) if host else None


class RefusedAddressError(DNSLookupError):
    """A host name resolved to an internal address that the crawl may not contact."""


def proxy_hosts(proxies: dict[str, str] | None = None) -> frozenset[str]:
    """The host names of the configured proxies (``http_proxy``, ``https_proxy``), lower case."""
    found = set()
    for url in (proxies if proxies is not None else urllib.request.getproxies()).values():
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
        if host:
            found.add(host.lower())
    return frozenset(found)


class PublicOnlyResolver(CachingThreadedResolver):
    """Scrapy's CachingThreadedResolver that refuses internal results (TWISTED_DNS_RESOLVER).

    Reads DNSCACHE_ENABLED, DNSCACHE_SIZE, DNS_TIMEOUT and ARCHIVER_SCOPE_ALLOW_ADDRESSES.
    """

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        *,
        allowed: AllowedAddresses = AllowedAddresses(),  # noqa: B008
        exempt: Iterable[str] = (),
    ) -> None:
        """Resolve as Scrapy does; refuse internal results for any name but the exempt ones."""
        super().__init__(reactor, cache_size, timeout)
        self.allowed = allowed
        self.exempt = frozenset(name.lower() for name in exempt)
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> Self:
        """Build the resolver from the settings (Scrapy passes the crawler process as ``crawler``)."""
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        try:
            allowed = parse_allowed(settings.getlist("ARCHIVER_SCOPE_ALLOW_ADDRESSES"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), allowed=allowed, exempt=proxy_hosts())

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 - Twisted's
        """Resolve ``name``; fail with RefusedAddressError when it is an internal address not allowed."""
        if isIPAddress(name) or isIPv6Address(name) or name.lower() in self.exempt:
            return super().getHostByName(name, timeout)
        resolved: Deferred[str] = super().getHostByName(name, timeout)
        resolved.addCallback(self._check, name)
        return resolved

    def _check(self, address: str, name: str) -> str:
        reason = address_refusal(name, address, self.allowed)
        if reason is None:
            return address
        _REFUSED[name.lower()] = reason
        if name not in self._warned:
            self._warned.add(name)
            logger.warning("Refused to connect: %s", reason)
        raise RefusedAddressError(name, reason)
