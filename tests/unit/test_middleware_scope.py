"""ScopeMiddleware and LoudRedirectMiddleware: refusals are give-ups, the seed and its redirects included."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver import settings as project
from archiver.errors import ConfigError
from archiver.giveup import GaveUp
from archiver.middlewares.redirect import LoudRedirectMiddleware
from archiver.middlewares.scope import ScopeMiddleware

HOME = "https://gongminziyoulianmeng.blogspot.com/"


class BlogSpider(Spider):
    name = "blog"
    blog_hosts = {"gongminziyoulianmeng.blogspot.com"}


def scope(**settings: object) -> ScopeMiddleware:
    defaults = {"ARCHIVER_SCOPE_ENABLED": True, "ARCHIVER_SCOPE_ASSET_HOSTS": project.ARCHIVER_SCOPE_ASSET_HOSTS}
    crawler = get_crawler(BlogSpider, settings_dict={**defaults, **settings})
    crawler.spider = BlogSpider()
    return build_from_crawler(ScopeMiddleware, crawler)


SEED = {"archiver_seed": True}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/admin", "refused_address"),
        ("http://localhost/", "refused_address"),
        ("http://0x7f.1/", "refused_address"),
        ("file:///etc/passwd", "refused_scheme"),
        ("https://user:pw@x.blogspot.com/", "invalid_url"),
    ],
)
def test_the_seed_and_its_redirects_are_checked_too(url: str, reason: str) -> None:
    request = Request(url, meta=dict(SEED, redirect_times=1))
    with pytest.raises(GaveUp) as info:
        scope().process_request(request)
    assert info.value.reason == reason
    assert request.meta["archiver_seed"]  # the errback still knows it was the seed


def test_a_seed_may_redirect_to_a_custom_domain_and_its_robots_txt_passes() -> None:
    middleware = scope()
    assert middleware.process_request(Request("https://www.example.org/", meta=SEED)) is None
    assert middleware.process_request(Request("https://www.example.org/robots.txt")) is None
    with pytest.raises(IgnoreRequest) as info:  # out of scope is a decision, not a give-up
        middleware.process_request(Request("https://www.example.org/other.html"))
    assert not isinstance(info.value, GaveUp)


def test_allowed_addresses_pass() -> None:
    middleware = scope(ARCHIVER_SCOPE_ALLOW_ADDRESSES=["127.0.0.1:8080"])
    assert middleware.process_request(Request("http://127.0.0.1:8080/", meta=SEED)) is None
    with pytest.raises(GaveUp):
        middleware.process_request(Request("http://127.0.0.1:8081/", meta=SEED))


def test_a_bad_allow_entry_stops_the_crawl_named() -> None:
    with pytest.raises(ConfigError, match="ARCHIVER_SCOPE_ALLOW_ADDRESSES"):
        scope(ARCHIVER_SCOPE_ALLOW_ADDRESSES=["127.0.0.1:x"])


def redirect(**settings: object) -> LoudRedirectMiddleware:
    crawler = get_crawler(BlogSpider, settings_dict=settings)
    crawler.spider = BlogSpider()
    return build_from_crawler(LoudRedirectMiddleware, crawler)


def moved(url: str, location: bytes) -> Response:
    return Response(url, status=302, headers={"Location": location})


@pytest.mark.parametrize("location", [b"file:///etc/passwd", b"ftp://x.org/", b"data:text/html,hi"])
def test_a_redirect_to_another_scheme_is_refused(location: bytes) -> None:
    with pytest.raises(GaveUp) as info:
        redirect().process_response(Request(HOME, meta=SEED), moved(HOME, location))
    assert info.value.reason == "refused_scheme"
    assert location.decode() in info.value.message


def test_too_many_redirects_is_a_give_up_naming_the_limit() -> None:
    middleware = redirect(REDIRECT_MAX_TIMES=3)
    request = Request(HOME)
    for hop in range(3):
        request = middleware.process_response(request, moved(request.url, f"{HOME}?hop={hop}".encode()))
        assert isinstance(request, Request)
    with pytest.raises(GaveUp) as info:
        middleware.process_response(request, moved(request.url, f"{HOME}?hop=9".encode()))
    assert info.value.reason == "too_many_redirects"
    assert "REDIRECT_MAX_TIMES (3)" in info.value.message


def test_http_redirects_still_follow() -> None:
    followed = redirect().process_response(
        Request("http://x.blogspot.com/"), moved("http://x.blogspot.com/", b"https://x.blogspot.com/")
    )
    assert isinstance(followed, Request)
    assert followed.url == "https://x.blogspot.com/"
