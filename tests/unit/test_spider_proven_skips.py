"""Requests the archived feeds prove empty are not made.

A post's comment feed is not asked for when its posts feed entry says ``thr:total`` 0: decided only on archived
evidence, and held (not guessed) while no archived feed spoke of the post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import XmlResponse

from tests.spider_support import HOME, make_spider

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.spiders.blogspot import BlogspotSpider

FEED = f"{HOME}feeds/posts/default?max-results=150"
EMPTY, COMMENTED, UNLISTED = "1111111111", "2222222222", "3333333333"
STAT = "archiver/skipped/empty_comment_feed"


def comment_feed(post_id: str) -> str:
    return f"{HOME}feeds/{post_id}/comments/default"


def posts_feed(url: str = FEED, **totals: int) -> XmlResponse:
    """A posts feed page whose entries (post id -> thr:total) are the given ones."""
    entries = "".join(
        f"""<entry><id>tag:blogger.com,1999:blog-42.post-{post_id}</id><published>2013-09-0{n + 1}T10:00:00Z</published>
<link rel="replies" type="application/atom+xml" href="{comment_feed(post_id)}"/>
<link rel="alternate" type="text/html" href="{HOME}2013/09/post-{post_id}.html"/>
<thr:total>{total}</thr:total></entry>"""
        for n, (post_id, total) in enumerate(totals.items())
    )
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xmlns:thr="http://purl.org/syndication/thread/1.0">{entries}</feed>'
    ).encode()
    headers = {"Content-Type": "application/atom+xml; charset=UTF-8"}
    return XmlResponse(url, body=body, headers=headers, request=Request(url))


def archived(spider: BlogspotSpider, url: str = FEED) -> None:
    """The WARC recorder wrote the capture of ``url``."""
    spider.capture_written(request=Request(url))


def asked(requests: list[Request]) -> set[str]:
    return {request.url for request in requests if "/comments/" in request.url}


def found_on_post_page(spider: BlogspotSpider, post_id: str) -> list[Request]:
    return spider.follow(comment_feed(post_id), via=f"{HOME}2013/09/post-{post_id}.html", hop="L")


class Engine:
    """Collects what the spider hands the engine outside a callback."""

    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def with_engine(spider: BlogspotSpider) -> Engine:
    engine = Engine()
    spider.crawler.engine = engine  # type: ignore[assignment]
    spider._seeded = True
    return engine


def test_a_post_the_archived_feed_says_has_no_comments_gets_no_comment_feed_request(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    archived(spider)
    from_feed = list(spider.parse(posts_feed(**{EMPTY: 0, COMMENTED: 3})))
    assert asked(from_feed) == {comment_feed(COMMENTED)}  # the feed's own replies links: only where thr:total > 0
    assert found_on_post_page(spider, EMPTY) == []  # every post page links its comment feed: proven empty
    stats: Any = spider.crawler.stats
    assert stats.get_value(STAT) == 1
    assert found_on_post_page(spider, COMMENTED) == []  # asked for once already


def test_a_comment_feed_found_before_the_feed_is_held_then_decided_by_it(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    assert found_on_post_page(spider, EMPTY) == []  # held: nothing archived spoke of the post yet
    assert found_on_post_page(spider, COMMENTED) == []
    stats: Any = spider.crawler.stats
    assert stats.get_value(STAT) is None
    archived(spider)
    released = list(spider.parse(posts_feed(**{EMPTY: 0, COMMENTED: 3})))
    assert asked(released) == {comment_feed(COMMENTED)}
    assert stats.get_value(STAT) == 1


def test_a_feed_is_evidence_only_once_its_capture_is_written(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    engine = with_engine(spider)
    assert asked(list(spider.parse(posts_feed(**{EMPTY: 0})))) == set()
    assert found_on_post_page(spider, EMPTY) == []  # held, not skipped: the feed is not in the WARC yet
    stats: Any = spider.crawler.stats
    assert stats.get_value(STAT) is None
    archived(spider)
    assert engine.crawled == []
    assert stats.get_value(STAT) == 1


def test_what_no_archived_feed_spoke_of_is_fetched_when_discovery_runs_dry(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    engine = with_engine(spider)
    archived(spider)
    list(spider.parse(posts_feed(**{EMPTY: 0})))
    assert found_on_post_page(spider, UNLISTED) == []
    with pytest.raises(DontCloseSpider):
        spider.spider_idle(spider)
    assert asked(engine.crawled) == {comment_feed(UNLISTED)}
    assert [r.url for r in found_on_post_page(spider, "4444444444")] == [comment_feed("4444444444")]  # no more held
    spider.spider_idle(spider)  # nothing left to release: the crawl may close


def test_a_later_entry_with_comments_fetches_a_feed_skipped_earlier(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    archived(spider)
    list(spider.parse(posts_feed(**{EMPTY: 0})))
    assert found_on_post_page(spider, EMPTY) == []
    later = f"{HOME}feeds/posts/default?start-index=151&max-results=150"
    archived(spider, later)
    assert comment_feed(EMPTY) in asked(list(spider.parse(posts_feed(later, **{EMPTY: 2}))))
    stats: Any = spider.crawler.stats
    assert stats.get_value(STAT) == 0


def test_the_rule_can_be_switched_off(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_DISCOVERY_SKIP_PROVEN=False)
    assert [r.url for r in found_on_post_page(spider, EMPTY)] == [comment_feed(EMPTY)]
