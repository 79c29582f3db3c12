"""Resuming from the WARC files: what they hold is not fetched again, and their pages' links are followed.

The spider is built with ``get_crawler`` and its ``start()`` collected; the earlier run is a real WARC folder
written with the project's writer, as a crawl killed at that point would have left it.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import Request
from twisted.python.failure import Failure

from archiver.giveup import GaveUp
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter
from tests.spider_support import HOME, HOST, make_spider, start

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.spiders.blogspot import BlogspotSpider

POST_A = f"{HOME}2013/09/rally-a.html"
POST_B = f"{HOME}2013/09/rally-b.html"
BLOGGER = (
    b"<meta content='blogger' name='generator'/>"
    b"<script>_WidgetManager._Init('//www.blogger.com/rearrange?blogID=1234567890123456789')</script>"
)


def page(*links: str) -> bytes:
    anchors = "".join(f"<a href='{link}'>x</a>" for link in links)
    return b"<html><head>" + BLOGGER + b"</head><body>" + anchors.encode() + b"</body></html>"


def write_captures(warc_dir: Path, *captures: tuple[str, int, list[tuple[bytes, bytes]], bytes]) -> None:
    with WarcFileWriter(warc_dir, HOST, "test") as writer:
        for url, status, headers, body in captures:
            writer.write_capture(
                Capture(
                    request=CapturedRequest("GET", url),
                    response=CapturedResponse(status=status, protocol="HTTP/1.1", headers=headers, body=body),
                    date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                )
            )


HTML = [(b"Content-Type", b"text/html; charset=UTF-8")]


def resuming_spider(tmp_path: Path, *, resume: bool, url: str = HOME) -> BlogspotSpider:
    return make_spider(tmp_path, url, ARCHIVER_WARC_DIR=str(tmp_path / "warc"), ARCHIVER_RESUME=resume)


def test_a_resumed_crawl_fetches_what_the_archived_pages_link_to_and_nothing_archived(tmp_path: Path) -> None:
    # the earlier run archived the home page (gzip, as Blogger sends it) and post A, which links to post B
    write_captures(
        tmp_path / "warc",
        (HOME, 200, [*HTML, (b"Content-Encoding", b"gzip")], gzip.compress(page(POST_A))),
        (POST_A, 200, HTML, page(POST_B, HOME)),
    )
    spider = resuming_spider(tmp_path, resume=True)
    urls = [request.url for request in start(spider)]
    assert POST_B in urls  # found only on an archived page: the frontier is rebuilt from the WARC
    assert HOME not in urls
    assert POST_A not in urls
    assert f"{HOME}feeds/posts/default?max-results=150" in urls  # the home page's seeds, from the archived home
    assert spider.blog_id == "1234567890123456789"
    stats: Any = spider.crawler.stats
    assert stats.get_value("archiver/resumed") == 1
    assert stats.get_value("archiver/resume/earlier_captures") == 2


def test_a_redirected_seed_is_followed_through_its_archived_hops(tmp_path: Path) -> None:
    http_home = f"http://{HOST}/"
    write_captures(
        tmp_path / "warc",
        (http_home, 301, [*HTML, (b"Location", HOME.encode())], b"moved"),
        (HOME, 200, HTML, page(POST_A)),
    )
    urls = [request.url for request in start(resuming_spider(tmp_path, resume=True, url=http_home))]
    assert POST_A in urls
    assert http_home not in urls
    assert HOME not in urls


def test_without_an_archived_home_page_the_seed_is_fetched_and_the_rest_replayed_after_it(tmp_path: Path) -> None:
    write_captures(tmp_path / "warc", (HOME, 503, HTML, b"busy"), (POST_A, 200, HTML, page(POST_B)))
    spider = resuming_spider(tmp_path, resume=True)
    (seed,) = start(spider)
    assert seed.url == HOME
    assert seed.meta["archiver_seed"]
    # the live home page arrives: its links and the archived pages' links are followed, archived ones not
    from scrapy.http import HtmlResponse

    home = HtmlResponse(HOME, body=page(POST_A), headers={"Content-Type": "text/html"}, request=seed)
    urls = [request.url for request in spider.parse_home(home)]
    assert POST_B in urls
    assert POST_A not in urls


def test_a_plain_rerun_into_a_folder_that_holds_captures_does_not_crawl(tmp_path: Path) -> None:
    write_captures(tmp_path / "warc", (HOME, 200, HTML, page(POST_A)))
    spider = resuming_spider(tmp_path, resume=False)
    closed: list[str] = []
    spider._close = closed.append  # type: ignore[method-assign]
    assert start(spider) == []
    assert closed == ["crawl_folder_not_empty"]
    assert len(spider.captured) == 0  # a set of digests (archiver.blogger.seen)


def test_robots_sitemaps_wait_for_the_blogger_check(tmp_path: Path) -> None:
    spider = resuming_spider(tmp_path, resume=False)
    closed: list[str] = []
    spider._close = closed.append  # type: ignore[method-assign]
    start(spider)
    assert spider._robots_requests(f"{HOME}robots.txt", [f"{HOME}sitemap.xml"]) == []  # not yet known to be Blogger
    from scrapy.http import HtmlResponse

    not_blogger = HtmlResponse(HOME, body=b"<html><a href='/x.html'>x</a></html>", request=Request(HOME))
    assert list(spider.parse_home(not_blogger)) == []
    assert closed == ["not_a_blogger_blog"]
    assert spider._pending_sitemaps == []  # nothing is discovered from a site that is not a Blogger blog


def test_a_refused_seed_ends_the_crawl_with_a_named_reason(tmp_path: Path) -> None:
    spider = resuming_spider(tmp_path, resume=False)
    (seed,) = start(spider)
    closed: list[str] = []
    spider._close = closed.append  # type: ignore[method-assign]
    failure = Failure(GaveUp("refused_address", "127.0.0.2 is a loopback address"))
    failure.request = seed  # type: ignore[attr-defined]
    spider.on_error(failure)
    assert closed == ["seed_refused"]
    stats: Any = spider.crawler.stats
    assert "refused_address" in stats.get_value("archiver/seed/failure")


def test_urls_asked_for_but_never_fetched_make_the_crawl_incomplete(tmp_path: Path) -> None:
    spider = resuming_spider(tmp_path, resume=False)
    (seed,) = start(spider)
    spider.follow(POST_A, via=HOME, hop="L")
    spider.capture_written(request=seed)
    spider.spider_closed(spider, "finished")
    stats: Any = spider.crawler.stats
    # POST_A and its two archive pages were asked for and neither archived nor failed
    assert stats.get_value("archiver/gave_up/unfetched") == 3


def test_when_discovery_runs_dry_the_corpus_posts_it_did_not_find_are_asked_for_once(tmp_path: Path) -> None:
    import json

    import pytest
    from scrapy.exceptions import DontCloseSpider

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [{"url": POST_A}, {"url": POST_B}]
    (corpus / "posts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    spider = make_spider(tmp_path, ARCHIVER_POSTS_CORPUS_DIR=str(corpus))
    start(spider)
    spider._seeded = True  # the home page passed the Blogger check
    spider.follow(POST_A, via=HOME, hop="L")  # still linked: asked for by discovery already

    class Engine:
        def __init__(self) -> None:
            self.crawled: list[str] = []

        def crawl(self, request: Request) -> None:
            self.crawled.append(request.url)

    engine = Engine()
    spider.crawler.engine = engine  # type: ignore[assignment]
    with pytest.raises(DontCloseSpider):
        spider.spider_idle(spider)
    assert POST_B in engine.crawled  # deleted or unlinked since the last crawl: its answer is the evidence
    assert POST_A not in engine.crawled
    spider.spider_idle(spider)  # once only: the next idle closes the crawl
    assert engine.crawled.count(POST_B) == 1


def write_with_revisits(
    warc_dir: Path, earlier: dict[str, Any], *captures: tuple[str, list[tuple[bytes, bytes]], bytes]
) -> None:
    """Captures of a later crawl whose payloads ``earlier`` (URL to CaptureLocation) holds: written as revisits."""
    from archiver.warc.writer import RevisitOf, warc_date

    with WarcFileWriter(warc_dir, HOST, "test") as writer:
        for url, headers, body in captures:
            original = earlier.get(url)
            revisit = (
                RevisitOf(url, warc_date(original.date), original.response.record_id) if original is not None else None
            )
            writer.write_capture(
                Capture(
                    request=CapturedRequest("GET", url),
                    response=CapturedResponse(status=200, protocol="HTTP/1.1", headers=headers, body=body),
                    date=datetime(2026, 2, 2, 3, 4, 5, tzinfo=UTC),
                ),
                revisit_of=revisit,
            )


def first_crawl(warc_dir: Path, *captures: tuple[str, list[tuple[bytes, bytes]], bytes]) -> dict[str, Any]:
    with WarcFileWriter(warc_dir, HOST, "test") as writer:
        return {
            url: writer.write_capture(
                Capture(
                    request=CapturedRequest("GET", url),
                    response=CapturedResponse(status=200, protocol="HTTP/1.1", headers=headers, body=body),
                    date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                )
            )
            for url, headers, body in captures
        }


def test_a_revisit_is_a_capture_and_its_original_payload_is_followed(tmp_path: Path) -> None:
    """An earlier run that wrote revisits (ARCHIVER_DEDUP_REVISITS): not fetched again, links from the original."""
    blog = tmp_path / HOST
    home = (HOME, [*HTML, (b"Content-Encoding", b"gzip")], gzip.compress(page(POST_A)))
    post_a = (POST_A, HTML, page(POST_B, HOME))
    earlier = first_crawl(blog / "c0" / "warc", home, post_a)
    write_with_revisits(blog / "c1" / "warc", earlier, home, post_a)
    spider = make_spider(blog / "c1", HOME, ARCHIVER_WARC_DIR=str(blog / "c1" / "warc"), ARCHIVER_RESUME=True)
    urls = [request.url for request in start(spider)]
    assert POST_B in urls  # linked only from the original payload of POST_A's revisit
    assert HOME not in urls
    assert POST_A not in urls
    assert f"{HOME}feeds/posts/default?max-results=150" in urls  # the archived (revisited) home page was replayed
    assert spider.blog_id == "1234567890123456789"
    assert len(spider.captured) == 2  # a set of digests (archiver.blogger.seen)
    assert HOME in spider.captured
    assert POST_A in spider.captured
    stats: Any = spider.crawler.stats
    assert stats.get_value("archiver/resume/earlier_captures") == 2


def test_a_revisit_whose_original_is_lost_is_fetched_again(tmp_path: Path) -> None:
    blog = tmp_path / HOST
    home = (HOME, HTML, page(POST_A))
    post_a = (POST_A, HTML, page(POST_B))
    earlier = first_crawl(blog / "c0" / "warc", home, post_a)
    write_with_revisits(blog / "c1" / "warc", earlier, home, post_a)
    for path in (blog / "c0" / "warc").iterdir():
        path.unlink()  # the earlier crawl's files are gone: the revisits cannot be read
    spider = make_spider(blog / "c1", HOME, ARCHIVER_WARC_DIR=str(blog / "c1" / "warc"), ARCHIVER_RESUME=True)
    urls = [request.url for request in start(spider)]
    assert urls[0] == HOME  # the seed is fetched again, not taken as archived
    assert len(spider.captured) == 0  # a set of digests (archiver.blogger.seen)
