"""The crawl's changes.jsonl: against the corpus as it was before the crawl, deletions only with a 404/410."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from archiver.errors import ConfigError
from archiver.middlewares.warc import WarcRecorderMiddleware
from archiver.pipelines.records import PostRecordsExtension
from archiver.records import jsonl
from tests.records_support import BASE, HOST, app
from tests.unit.test_middleware_warc import laid_out_crawler
from tests.unit.test_pipeline_records import BlogSpider, close, crawl_settings, fetch, urls

if TYPE_CHECKING:
    from pathlib import Path


def crawl(
    tmp_path: Path, crawl_id: str, fetched: list[str], *, gone: tuple[str, ...] = (), reason: str = "finished"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One crawl into OUTPUT/HOST/CRAWL_ID fetching ``fetched`` (and a 404 for each of ``gone``)."""
    folder = tmp_path / "out" / HOST / crawl_id
    settings = crawl_settings(
        tmp_path, ARCHIVER_CRAWL_DIR=str(folder), ARCHIVER_WARC_DIR=str(folder / "warc"), ARCHIVER_CRAWL_ID=crawl_id
    )
    crawler = laid_out_crawler(BlogSpider, settings)
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    extension = build_from_crawler(PostRecordsExtension, crawler)
    for url in fetched:
        fetch(middleware, url, encode=False)
    for url in gone:
        request = Request(url)
        middleware.record(
            request,
            Response(
                url,
                status=404,
                body=b"<title>Error 404 (Not Found)!!1</title>",
                headers={"Content-Type": "text/html"},
                request=request,
                ip_address=ipaddress.ip_address("127.0.0.1"),
                protocol="HTTP/1.1",
            ),
        )
    close(middleware, extension, reason)
    assert crawler.stats is not None
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("archiver/changes/")}
    return list(jsonl.read_file(folder / "changes.jsonl")), stats


def post_urls(*indexes: int) -> list[str]:
    posts = app().blog.posts
    return [f"{BASE}{posts[i].path}" for i in indexes]


def test_the_first_crawl_writes_an_empty_file_and_a_same_state_recrawl_too(tmp_path: Path) -> None:
    assert crawl(tmp_path, "c0", urls()) == ([], {"archiver/changes/first_crawl": 1})
    assert crawl(tmp_path, "c1", urls()) == ([], {"archiver/changes/total": 0})


def test_a_post_answering_404_is_deleted_one_not_reached_only_missing(tmp_path: Path) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1, 2, 3))
    found, stats = crawl(tmp_path, "c1", post_urls(2, 3, 4), gone=tuple(post_urls(0)))
    ids = [app().blog.posts[i].post_id for i in (0, 4)]
    assert [(c["change"], c["post_id"]) for c in found] == sorted(
        [("deleted", ids[0]), ("new", ids[1])], key=lambda c: c[1]
    )
    assert stats == {
        "archiver/changes/total": 2,
        "archiver/changes/deleted": 1,
        "archiver/changes/new": 1,
        "archiver/changes/missing": 1,
    }
    # the deleted and the missing post are both kept in the corpus, marked missing, and not reported again
    found, stats = crawl(tmp_path, "c2", post_urls(2, 3, 4), gone=tuple(post_urls(0)))
    assert (found, stats) == ([], {"archiver/changes/total": 0})


def test_an_interrupted_crawl_marks_nothing_deleted(tmp_path: Path) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1, 2))
    found, stats = crawl(tmp_path, "c1", post_urls(2), gone=tuple(post_urls(0)), reason="shutdown")
    assert (found, stats) == ([], {"archiver/changes/total": 0})


def test_a_resumed_crawl_keeps_the_changes_of_its_earlier_run(tmp_path: Path) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1))
    found, _ = crawl(tmp_path, "c1", post_urls(0, 2), reason="shutdown")
    assert [c["change"] for c in found] == ["new"]
    resumed, stats = crawl(tmp_path, "c1", post_urls(1, 3))  # the same crawl folder: a resume
    new = sorted(app().blog.posts[i].post_id for i in (2, 3))
    assert [(c["change"], c["post_id"]) for c in resumed] == [("new", post_id) for post_id in new]
    assert stats == {"archiver/changes/total": 2, "archiver/changes/new": 2}


def test_diff_lines_must_be_positive(tmp_path: Path) -> None:
    crawler = laid_out_crawler(BlogSpider, crawl_settings(tmp_path, ARCHIVER_POSTS_CHANGES_DIFF_LINES=0))
    with pytest.raises(ConfigError, match="ARCHIVER_POSTS_CHANGES_DIFF_LINES must be at least 1"):
        build_from_crawler(PostRecordsExtension, crawler)
