"""PublicOnlyResolver: names resolving to internal addresses are refused, unless allowed; no real DNS here."""

from __future__ import annotations

import pytest
from twisted.internet.error import DNSLookupError

from archiver.blogger.netpolicy import parse_allowed
from archiver.resolver import PublicOnlyResolver, proxy_hosts


def resolver(allow: list[str] | None = None) -> PublicOnlyResolver:
    return PublicOnlyResolver(object(), 0, 5.0, allowed=parse_allowed(allow or []))  # type: ignore[arg-type]


def test_a_name_resolving_to_loopback_is_refused_as_a_failed_lookup() -> None:
    with pytest.raises(DNSLookupError, match="rebind.example.org resolves to 127.0.0.1, a loopback address"):
        resolver()._check("127.0.0.1", "rebind.example.org")


def test_public_and_allowed_results_pass() -> None:
    assert resolver()._check("93.184.216.34", "www.example.org") == "93.184.216.34"
    assert resolver(["10.0.0.0/8"])._check("10.1.2.3", "intranet.example") == "10.1.2.3"


def test_the_proxy_names_are_exempt() -> None:
    assert proxy_hosts({"http": "http://Proxy.Corp:3128", "https": "proxy2.corp:8080"}) == {"proxy.corp", "proxy2.corp"}


def test_a_refused_name_is_given_up_as_refused_address_not_retried() -> None:
    import asyncio

    from scrapy import Request, Spider
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from archiver.giveup import GaveUp
    from archiver.middlewares.retry import BackoffRetryMiddleware
    from archiver.resolver import refusal_for

    assert refusal_for("intranet-rebind.example.org") is None
    with pytest.raises(DNSLookupError):
        resolver()._check("10.9.8.7", "intranet-rebind.example.org")
    reason = refusal_for("Intranet-Rebind.example.org")  # host names are compared in lower case
    assert reason is not None
    assert "10.9.8.7" in reason
    crawler = get_crawler(Spider, {"RETRY_TIMES": 3, "ARCHIVER_RETRY_DELAY": 0, "ARCHIVER_RETRY_MAX_DELAY": 0})
    crawler.spider = Spider.from_crawler(crawler, name="test")
    middleware = build_from_crawler(BackoffRetryMiddleware, crawler)
    refused = Request("https://intranet-rebind.example.org/2013/09/post.html")
    with pytest.raises(GaveUp) as info:
        asyncio.run(middleware.process_exception(refused, DNSLookupError("no results")))
    assert info.value.reason == "refused_address"
    assert "10.9.8.7" in info.value.message
    # an ordinary failed lookup is still retried
    other = Request("https://no-such-blog.example.org/")
    retried = asyncio.run(middleware.process_exception(other, DNSLookupError("no results")))
    assert retried is not None
    assert retried.meta["retry_times"] == 1
