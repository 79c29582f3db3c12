"""Size limits per kind and bounded decompression: what the handler is told, what becomes a give-up."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import HtmlResponse, Response
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler

import archiver.settings
from archiver.giveup import GaveUp
from archiver.middlewares.limits import (
    ACCEPT_ENCODING,
    DECODE_LIMIT_KEY,
    LimitedHttpCompressionMiddleware,
    SizeLimitsMiddleware,
)
from archiver.middlewares.warc import discover_raw
from tests.hostile.behaviours_codings import encode

BLOG = "https://gongminziyoulianmeng.blogspot.com"
POST = f"{BLOG}/2013/09/post.html"
IMAGE = "https://blogger.googleusercontent.com/img/b/R29v/s1600/photo.jpg"
MiB = 1024 * 1024
PAGE = b'<html><head><title>T</title></head><body><a href="/2014/01/next.html">n</a></body></html>'


def crawler(**overrides: Any) -> Any:
    values = {name: getattr(archiver.settings, name) for name in dir(archiver.settings) if name.isupper()}
    values.update(overrides)
    return get_crawler(Spider, values)


def limits(**overrides: Any) -> SizeLimitsMiddleware:
    return SizeLimitsMiddleware.from_crawler(crawler(**overrides))


def decompression(**overrides: Any) -> LimitedHttpCompressionMiddleware:
    return LimitedHttpCompressionMiddleware.from_crawler(crawler(**overrides))


def prepared(url: str, kind: str | None = None) -> Request:
    request = Request(url, meta={"archiver_kind": kind} if kind else {})
    limits().process_request(request)
    return request


def encoded(url: str, body: bytes, codings: list[str], content_type: bytes = b"text/html; charset=UTF-8") -> Response:
    headers = {b"Content-Type": content_type, b"Content-Encoding": ", ".join(codings).encode()}
    return Response(url, body=encode(body, codings), headers=headers)


def test_documents_and_files_get_their_own_limits() -> None:
    page, image, robots = prepared(POST, "post"), prepared(IMAGE, "image"), prepared(f"{BLOG}/robots.txt")
    assert page.meta["download_maxsize"] == 32 * MiB
    assert page.meta["download_warnsize"] == 4 * MiB
    assert image.meta["download_maxsize"] == 64 * MiB
    assert image.meta["download_warnsize"] == 32 * MiB
    assert robots.meta["download_maxsize"] == 32 * MiB  # no archiver_kind: classified by its URL
    assert page.meta[DECODE_LIMIT_KEY] == 64 * MiB


def test_a_request_keeps_limits_it_already_carries() -> None:
    request = Request(POST, meta={"download_maxsize": 1000})
    limits().process_request(request)
    assert request.meta["download_maxsize"] == 1000


@pytest.mark.parametrize("name", ["ARCHIVER_LIMITS_DOCUMENT_SIZE", "ARCHIVER_LIMITS_DECODED_SIZE"])
def test_a_limit_that_is_not_positive_stops_the_crawl_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        limits(**{name: 0})


def test_a_cancelled_download_is_a_size_limit_give_up() -> None:
    request = prepared(POST, "post")
    with pytest.raises(GaveUp) as caught:
        limits().process_exception(request, DownloadCancelledError("Received 33554500 bytes"))
    assert caught.value.reason == "size_limit"
    assert str(32 * MiB) in caught.value.message
    assert limits().process_exception(request, DownloadTimeoutError("slow")) is None


def test_asks_for_every_coding_it_decodes() -> None:
    request = Request(POST)
    decompression().process_request(request)
    assert request.headers[b"Accept-Encoding"] == ACCEPT_ENCODING == b"gzip, deflate, br, zstd"


@pytest.mark.parametrize("codings", [["br"], ["zstd"], ["gzip", "br"], ["deflate"]])
def test_documents_are_decoded_for_the_spider(codings: list[str]) -> None:
    request = prepared(POST, "post")
    response = decompression().process_response(request, encoded(POST, PAGE, codings))
    assert isinstance(response, HtmlResponse)
    assert response.body == PAGE
    assert b"Content-Encoding" not in response.headers


def test_unparsed_requisites_are_not_decompressed() -> None:
    request = prepared(IMAGE, "image")
    raw = encoded(IMAGE, bytes(64 * MiB), ["gzip"], b"image/jpeg")
    middleware = decompression()
    assert middleware.process_response(request, raw) is raw
    assert middleware.stats.get_value("archiver/decode/skipped") == 1
    assert discover_raw(request, raw) is None


def test_css_is_decoded_because_it_is_parsed() -> None:
    url = f"{BLOG}/theme.css"
    request = prepared(url, "css")
    response = decompression().process_response(request, encoded(url, b"a{}", ["br"], b"text/css"))
    assert response.body == b"a{}"


def test_a_bomb_is_a_decoded_size_limit_give_up_and_gives_no_links() -> None:
    request = prepared(POST, "post")
    request.meta[DECODE_LIMIT_KEY] = 1 * MiB
    bomb = Response(
        POST,
        body=gzip.compress(bytes(8 * MiB), 9),
        headers={b"Content-Type": b"text/html", b"Content-Encoding": b"gzip"},
    )
    with pytest.raises(GaveUp) as caught:
        decompression().process_response(request, bomb)
    assert caught.value.reason == "decoded_size_limit"
    assert discover_raw(request, bomb) is None


def test_the_raw_body_of_a_document_still_gives_links_within_the_limit() -> None:
    request = prepared(POST, "post")
    found = discover_raw(request, encoded(POST, PAGE, ["gzip", "br"]))
    assert found is not None
    assert f"{BLOG}/2014/01/next.html" in found.links


def test_a_corrupt_body_passes_on_encoded_and_is_counted() -> None:
    request = prepared(POST, "post")
    raw = Response(
        POST,
        body=b"\x1f\x8b\x08\x00garbage-garbage-garbage",
        headers={b"Content-Type": b"text/html", b"Content-Encoding": b"gzip"},
    )
    middleware = decompression()
    assert middleware.process_response(request, raw) is raw
    assert middleware.stats.get_value("archiver/decode/errors") == 1


def test_an_unknown_outer_coding_is_kept_and_the_known_inner_ones_are_not_undone() -> None:
    request = prepared(POST, "post")
    raw = Response(POST, body=b"xx", headers={b"Content-Type": b"text/html", b"Content-Encoding": b"gzip, compress"})
    assert decompression().process_response(request, raw) is raw
