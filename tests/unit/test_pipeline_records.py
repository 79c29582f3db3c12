"""PostRecordsExtension: fed by the WARC middleware's capture_written signal, it writes what extract rebuilds."""

from __future__ import annotations

import gzip
import ipaddress
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver.middlewares.warc import WarcRecorderMiddleware
from archiver.pipelines.records import PostRecordsExtension
from archiver.records import jsonl
from archiver.records.warcread import extract_warcs
from tests.records_support import BASE, HOST, app, serve
from tests.unit.test_middleware_warc import laid_out_crawler, project_settings

if TYPE_CHECKING:
    from pathlib import Path


def crawl_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    crawl = tmp_path / "out" / HOST / "c0"
    values = {
        "ARCHIVER_OUTPUT_DIR": str(tmp_path / "out"),
        "ARCHIVER_CRAWL_DIR": str(crawl),
        "ARCHIVER_WARC_DIR": str(crawl / "warc"),
        "ARCHIVER_CRAWL_ID": "c0",
        "EXTENSIONS": {},
    }  # the components under test are built by hand
    return project_settings(**{**values, **overrides})


class BlogSpider(Spider):
    name = "blog"
    blog_host = HOST


def components(tmp_path: Path, **overrides: Any) -> tuple[WarcRecorderMiddleware, PostRecordsExtension]:
    crawler = laid_out_crawler(BlogSpider, crawl_settings(tmp_path, **overrides))
    return build_from_crawler(WarcRecorderMiddleware, crawler), build_from_crawler(PostRecordsExtension, crawler)


def fetch(middleware: WarcRecorderMiddleware, url: str, *, encode: bool) -> None:
    page = serve(url)
    headers = {"Content-Type": page.content_type}
    body = page.body
    if encode:
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body, mtime=0)
    request = Request(url)
    middleware.record(
        request,
        Response(
            url,
            status=page.status,
            body=body,
            headers=headers,
            request=request,
            ip_address=ipaddress.ip_address("127.0.0.1"),
            protocol="HTTP/1.1",
        ),
    )


def urls() -> list[str]:
    blog = app().blog
    return (
        [f"{BASE}/", f"{BASE}/feeds/posts/default?max-results=150", f"{BASE}/feeds/pages/default"]
        + [f"{BASE}{p.path}" for p in [*blog.posts[:8], *blog.pages]]
        + [f"{BASE}/feeds/{p.post_id}/comments/default" for p in blog.posts[:8] if blog.comments(p)]
    )


def close(middleware: WarcRecorderMiddleware, extension: PostRecordsExtension, reason: str = "finished") -> None:
    spider = middleware.crawler.spider
    assert spider is not None
    middleware.spider_closed(spider, reason)
    extension.spider_closed(spider, reason)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ARCHIVER_POSTS_ENABLED": False}, "ARCHIVER_POSTS_ENABLED is false"),
        ({"ARCHIVER_WARC_ENABLED": False}, "read from the WARC files, and ARCHIVER_WARC_ENABLED is false"),
        ({"ARCHIVER_CRAWL_DIR": None}, "ARCHIVER_CRAWL_DIR or ARCHIVER_WARC_DIR is not set"),
        ({"ARCHIVER_POSTS_FILE": ""}, "ARCHIVER_POSTS_FILE or ARCHIVER_POSTS_PAGES_FILE is empty"),
    ],
)
def test_not_configured(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    crawler = get_crawler(BlogSpider, crawl_settings(tmp_path, **overrides))
    with pytest.raises(NotConfigured, match=message):
        build_from_crawler(PostRecordsExtension, crawler)


def image_urls() -> tuple[list[str], list[str]]:
    """Some images of the first posts to archive: every ``src``, one full-size ``original``; and one 404."""
    blog = app().blog
    found = [image for post in blog.posts[:8] for image in blog.body(post).images]
    assert len(found) >= 2
    missing = found[1].original.replace("/s1600/", "/s1600/gone-")
    return [*(image.src for image in found), found[0].original, missing], [found[0].original]


def test_crawl_files_equal_extract_of_the_warcs_byte_for_byte(tmp_path: Path) -> None:
    middleware, extension = components(tmp_path, ARCHIVER_WARC_MAX_SIZE=80_000)
    images, originals = image_urls()
    for i, url in enumerate([*urls(), *images]):
        fetch(middleware, url, encode=i % 3 == 0)
    close(middleware, extension)
    crawl = tmp_path / "out" / HOST / "c0"
    result, _ = extract_warcs([crawl])
    assert len(list((crawl / "warc").glob("*.warc.gz"))) > 1
    assert (crawl / "posts.jsonl").read_bytes() == "".join(jsonl.dumps(r) + "\n" for r in result.posts).encode()
    assert (crawl / "pages.jsonl").read_bytes() == "".join(jsonl.dumps(r) + "\n" for r in result.pages).encode()
    shown = [i for r in result.posts for i in r["images"] if i["src"] in images]
    assert shown
    assert all(i["src_archived"] for i in shown)
    assert [i["original"] for i in shown if i["archived"]] == originals  # the 404 counts as not archived
    stats = middleware.crawler.stats
    assert stats is not None
    assert stats.get_value("archiver/posts/written") == 30
    assert stats.get_value("archiver/pages/written") == 3
    assert stats.get_value("archiver/records/errors") is None
    corpus = tmp_path / "out" / HOST / "corpus"
    assert [r["post_id"] for r in jsonl.read_file(corpus / "posts.jsonl")] == [r["post_id"] for r in result.posts]


def test_a_resumed_crawl_includes_the_captures_of_its_earlier_run(tmp_path: Path) -> None:
    images, originals = image_urls()
    first_urls, second_urls = [*urls()[:6], *images], urls()[6:]  # the images only in the earlier run
    middleware, extension = components(tmp_path)
    for url in first_urls:
        fetch(middleware, url, encode=False)
    close(middleware, extension, "shutdown")
    middleware, extension = components(tmp_path)
    for url in second_urls:
        fetch(middleware, url, encode=False)
    close(middleware, extension)
    crawl = tmp_path / "out" / HOST / "c0"
    result, _ = extract_warcs([crawl])
    assert (crawl / "posts.jsonl").read_bytes() == "".join(jsonl.dumps(r) + "\n" for r in result.posts).encode()
    assert [i["original"] for r in result.posts for i in r["images"] if i["archived"]] == originals


def test_an_undecodable_capture_is_counted_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    middleware, extension = components(tmp_path, ARCHIVER_POSTS_CORPUS_ENABLED=False)
    url = f"{BASE}{app().blog.posts[0].path}"
    request = Request(url)
    middleware.record(
        request,
        Response(
            url, body=b"\x00junk", request=request, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        ),
    )
    close(middleware, extension)
    stats = middleware.crawler.stats
    assert stats is not None
    assert stats.get_value("archiver/records/errors") == 1
    assert f"cannot decode the body of {url}" in caplog.text
    assert not (tmp_path / "out" / HOST / "corpus").exists()


def test_corpus_dir_setting(tmp_path: Path) -> None:
    _, extension = components(tmp_path, ARCHIVER_POSTS_CORPUS_DIR=str(tmp_path / "elsewhere"))
    assert extension.corpus_dir == tmp_path / "elsewhere"
    _, extension = components(tmp_path)
    assert extension.corpus_dir == tmp_path / "out" / HOST / "corpus"
