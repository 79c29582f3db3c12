"""The blogspot spider's own decisions: the seed as given, links decided once, resuming, failures counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from tests.spider_support import HOME, HOST, make_spider, start

if TYPE_CHECKING:
    from pathlib import Path

POST = f"{HOME}2013/09/post.html"


@pytest.mark.parametrize(
    ("given", "seed"),
    [
        (f"http://{HOST}/", f"http://{HOST}/"),  # the 301 to https is archived too
        (f"http://{HOST}", f"http://{HOST}/"),
        (HOME, HOME),
        (f"http://{HOST}/2013/09/post.html", HOME),  # a post given: the home page is the seed, over https
        ("https://gongminziyoulianmeng.blogspot.de/", HOME),
    ],
)
def test_home_page_is_fetched_as_given(tmp_path: Path, given: str, seed: str) -> None:
    spider = make_spider(tmp_path, given)
    first = start(spider)[0]
    assert first.url == seed
    assert first.meta["archiver_seed"] is True
    assert spider.start_url == HOME


def test_a_link_is_decided_once(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    assert [r.url for r in spider.follow(POST, via=HOME, hop="L")] == [POST, f"{HOME}2013/", f"{HOME}2013/09/"]
    assert spider.follow(POST, via=HOME, hop="L") == []
    assert spider.follow(f"{POST}?showComment=1#c1", via=HOME, hop="L") == []  # same canonical URL
    stats: Any = spider.crawler.stats
    assert spider.follow("http://www.cfcr2008.org/", via=HOME, hop="L") == []
    assert spider.follow("http://www.cfcr2008.org/", via=POST, hop="L") == []
    assert stats.get_value("archiver/links/out_of_scope") == 1  # once per distinct link


def test_a_pager_link_refused_from_one_page_is_followed_from_its_own_chain(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    pager = f"{HOME}search/label/Rally?updated-max=2013-09-01T00:00:00Z&max-results=20"
    assert spider.follow(pager, via=POST, hop="L", source_kind="post") == []
    assert [r.url for r in spider.follow(pager, via=HOME, hop="L", source_kind="label")] == [pager]


def test_failures_that_lose_a_url_are_counted_by_kind(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    request = Request(POST)
    for status in (503, 429, 404):
        spider.on_error(Failure(HttpError(Response(POST, status=status, request=request))))
    timeout = Failure(TimeoutError("took too long"))
    timeout.request = request  # type: ignore[attr-defined]  # as Scrapy sets it
    spider.on_error(timeout)
    spider.on_error(Failure(IgnoreRequest("Forbidden by robots.txt")))
    stats: Any = spider.crawler.stats
    gave_up = {k: v for k, v in stats.get_stats().items() if k.startswith("archiver/gave_up/")}
    assert gave_up == {"archiver/gave_up/503": 1, "archiver/gave_up/429": 1, "archiver/gave_up/TimeoutError": 1}
    assert stats.get_value("archiver/http_errors/404") == 1


def test_a_malformed_link_is_refused_once_and_counted(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    for _ in range(2):
        assert spider.follow("http://a%2eb.bp.blogspot.com/x.jpg", via=HOME, hop="E") == []
    assert spider.follow("mailto:office@example.org", via=HOME, hop="L") == []  # not a link to fetch: not counted
    stats: Any = spider.crawler.stats
    assert stats.get_value("archiver/links/invalid") == 1
