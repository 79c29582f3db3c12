"""WarcRecorderMiddleware and the other Scrapy components, built with get_crawler + build_from_crawler."""

from __future__ import annotations

import gzip
import ipaddress
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler, get_reactor_settings
from warcio.archiveiterator import ArchiveIterator

import archiver.settings
from archiver import signals as archiver_signals
from archiver.blogger.discover import Discovered
from archiver.errors import ConfigError
from archiver.extensions.cdxj import CdxjIndexExtension
from archiver.extensions.report import CrawlReportExtension
from archiver.middlewares.crawllog import CrawlLogMiddleware, failure_code
from archiver.middlewares.scope import ScopeMiddleware
from archiver.middlewares.warc import DISCOVERED_KEY, WarcRecorderMiddleware
from tests.unit.test_warc_writer import kill

if TYPE_CHECKING:
    from pathlib import Path

HOST = "gongminziyoulianmeng.blogspot.com"
URL = f"https://{HOST}/2013/09/post.html?a=1"
HTML = (
    b"<html><head><meta content='blogger' name='generator'/></head><body>"
    b"<a href='http://www.cfcr2008.org/'>old</a><img src='https://1.bp.blogspot.com/-a/b/c/d/s400/x.png'/>"
    b"</body></html>"
)


def project_settings(**overrides: Any) -> dict[str, Any]:
    """The project's defaults (archiver/settings.py) plus overrides, as a settings dict."""
    values = {name: getattr(archiver.settings, name) for name in dir(archiver.settings) if name.isupper()}
    values.update(overrides)
    return values


def laid_out_crawler(spidercls: type[Spider], settings: dict[str, Any], **spider_args: Any) -> Crawler:
    """A crawler set up in Scrapy's own order (``Crawler.crawl``): the spider, then the add-ons, then the rest.

    ``get_crawler`` applies the settings before any spider exists, so the layout add-on cannot see the blog.
    """
    crawler = Crawler(spidercls, {"REMOTE_CONTROL_ENABLED": False, **get_reactor_settings(), **settings})
    crawler.spider = crawler._create_spider(**spider_args)
    crawler._apply_settings()
    return crawler


def make_middleware(tmp_path: Path, **overrides: Any) -> WarcRecorderMiddleware:
    crawler = get_crawler(Spider, project_settings(ARCHIVER_WARC_DIR=str(tmp_path / "warc"), **overrides))
    return build_from_crawler(WarcRecorderMiddleware, crawler)


def make_response(
    request: Request,
    body: bytes = HTML,
    *,
    status: int = 200,
    headers: dict[str, Any] | None = None,
    flags: list[str] | None = None,
) -> Response:
    return Response(
        request.url,
        status=status,
        body=body,
        request=request,
        flags=flags or [],
        headers=headers if headers is not None else {"Content-Type": "text/html; charset=UTF-8"},
        ip_address=ipaddress.ip_address("127.0.0.1"),
        protocol="HTTP/1.1",
    )


def records(tmp_path: Path) -> list[tuple[Any, bytes, Any]]:
    """(WARC headers, raw content stream bytes, HTTP headers) of every record of every file written."""
    out = []
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                body = record.raw_stream.read()
                out.append((record.rec_headers, body, record.http_headers))
    return out


def test_switched_off_the_recorder_is_not_configured(tmp_path: Path) -> None:
    crawler = get_crawler(Spider, project_settings(ARCHIVER_WARC_ENABLED=False, ARCHIVER_WARC_DIR=str(tmp_path)))
    with pytest.raises(NotConfigured, match="ARCHIVER_WARC_ENABLED is false"):
        build_from_crawler(WarcRecorderMiddleware, crawler)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ARCHIVER_WARC_DIR": ""}, "ARCHIVER_WARC_DIR is empty"),
        ({"ARCHIVER_WARC_DIR": "  "}, "ARCHIVER_WARC_DIR is empty"),
        ({"ARCHIVER_WARC_DIR": None}, "ARCHIVER_WARC_DIR is not set"),
        ({"ARCHIVER_WARC_MAX_SIZE": 0}, "ARCHIVER_WARC_MAX_SIZE must be a positive number of bytes, got 0"),
        ({"ARCHIVER_WARC_MAX_SIZE": -5}, "ARCHIVER_WARC_MAX_SIZE must be a positive number of bytes, got -5"),
        ({"ARCHIVER_WARC_MAX_SIZE": "1GB"}, "ARCHIVER_WARC_MAX_SIZE '1GB' is not a whole number of bytes"),
    ],
)
def test_a_misconfigured_recorder_stops_the_crawl(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    """Switched on but unusable: an error naming the setting, never NotConfigured (which Scrapy runs on after)."""
    crawler = get_crawler(Spider, project_settings(**{"ARCHIVER_WARC_DIR": str(tmp_path / "warc"), **overrides}))
    with pytest.raises(ConfigError, match=message):
        build_from_crawler(WarcRecorderMiddleware, crawler)


def test_an_unwritable_warc_folder_stops_the_crawl(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    crawler = get_crawler(Spider, project_settings(ARCHIVER_WARC_DIR=str(tmp_path / "a-file" / "warc")))
    with pytest.raises(ConfigError, match=r"ARCHIVER_WARC_DIR .*a-file is not a folder"):
        build_from_crawler(WarcRecorderMiddleware, crawler)


def test_gzip_response_is_recorded_still_gzip(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    request = Request(
        URL,
        headers={
            "Accept-Encoding": "gzip, deflate",
            "Proxy-Authorization": "Basic c2VjcmV0",
            "User-Agent": "blogspot-archiver/test",
        },
        meta={"archiver_via": f"https://{HOST}/", "archiver_hop": "L"},
    )
    compressed = gzip.compress(HTML)
    response = make_response(
        request,
        compressed,
        headers={"Content-Type": "text/html; charset=UTF-8", "Content-Encoding": "gzip", "Set-Cookie": ["a=1", "b=2"]},
    )
    assert middleware.record(request, response) is response
    middleware.spider_closed(middleware.crawler.spider, "finished")

    found = request.meta[DISCOVERED_KEY]
    assert isinstance(found, Discovered)
    assert "http://www.cfcr2008.org/" in found.outlinks

    (info, _, _), (req, req_body, req_http), (resp, resp_body, resp_http), (meta, meta_body, _) = records(tmp_path)
    assert info.get_header("WARC-Type") == "warcinfo"
    assert req.get_header("WARC-Type") == "request"
    assert resp.get_header("WARC-Concurrent-To") == req.get_header("WARC-Record-ID")
    assert req.get_header("WARC-Concurrent-To") == resp.get_header("WARC-Record-ID")
    assert resp.get_header("WARC-Target-URI") == URL
    assert resp.get_header("WARC-IP-Address") == "127.0.0.1"
    # the request as the origin saw it: origin-form, Host, no proxy credentials
    assert req_http.protocol == "GET"
    assert req_http.statusline == "/2013/09/post.html?a=1 HTTP/1.1"
    assert req_http.get_header("Host") == HOST
    assert req_http.get_header("Proxy-Authorization") is None
    assert req_http.get_header("User-Agent") == "blogspot-archiver/test"
    # the body as received: gzip, with a true Content-Length and both cookies
    assert resp_body.startswith(b"\x1f\x8b")
    assert gzip.decompress(resp_body) == HTML
    assert resp_http.get_header("Content-Encoding") == "gzip"
    assert resp_http.get_header("Content-Length") == str(len(compressed))
    assert resp_http.statusline == "200 OK"
    assert [v for k, v in resp_http.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert meta.get_header("WARC-Type") == "metadata"
    assert b"outlink: http://www.cfcr2008.org/ L" in meta_body
    assert f"via: https://{HOST}/".encode() in meta_body

    stats = middleware.crawler.stats
    assert stats.get_value("archiver/warc/records") == 4  # warcinfo + request + response + metadata
    assert stats.get_value("archiver/warc/files") == 1
    assert stats.get_value("archiver/warc/bytes") == sum(p.stat().st_size for p in (tmp_path / "warc").iterdir())


def test_cached_and_opted_out_responses_are_not_recorded(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    request = Request(URL)
    middleware.record(request, make_response(request, flags=["cached"]))
    opted_out = Request(URL, meta={"archiver_dont_archive": True})
    middleware.record(opted_out, make_response(opted_out))
    middleware.spider_closed(middleware.crawler.spider, "finished")
    assert records(tmp_path) == []
    assert middleware.crawler.stats.get_value("archiver/warc/skipped") == 2


def test_redirect_is_recorded_with_its_location_as_outlink(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    request = Request(f"http://{HOST}/")
    response = make_response(
        request, b"moved", status=301, headers={"Location": f"https://{HOST}/", "Content-Type": "text/html"}
    )
    middleware.record(request, response)
    middleware.spider_closed(middleware.crawler.spider, "finished")
    (_, resp, meta) = records(tmp_path)[1:]
    assert resp[2].statusline == "301 Moved Permanently"
    assert f"outlink: https://{HOST}/ L".encode() in meta[1]
    assert DISCOVERED_KEY not in request.meta


def test_dataloss_is_marked_truncated(tmp_path: Path) -> None:
    middleware = make_middleware(tmp_path)
    request = Request(URL)
    middleware.record(request, make_response(request, HTML[:20], flags=["dataloss"]))
    middleware.spider_closed(middleware.crawler.spider, "finished")
    response = records(tmp_path)[2]
    assert response[0].get_header("WARC-Truncated") == "disconnect"


def test_killed_crawl_is_mended_on_start(tmp_path: Path) -> None:
    first = make_middleware(tmp_path)
    request = Request(URL)
    first.record(request, make_response(request))
    kill(first.writer)  # what a kill leaves: an .open file
    assert list((tmp_path / "warc").glob("*.open"))
    second = make_middleware(tmp_path)
    second.spider_opened(second.crawler.spider)
    assert not list((tmp_path / "warc").glob("*.open"))
    assert second.crawler.stats.get_value("archiver/warc/mended") == 1


def test_scope_middleware_follows_the_spider_hosts() -> None:
    crawler = get_crawler(Spider, project_settings())
    crawler.spider = Spider("x")
    crawler.spider.blog_hosts = {HOST}  # type: ignore[attr-defined]
    scope = build_from_crawler(ScopeMiddleware, crawler)
    scope.process_request(Request(URL))
    scope.process_request(Request("https://www.blogger.com/robots.txt"))
    scope.process_request(Request("https://custom.example.org/robots.txt"))
    scope.process_request(Request("https://accounts.google.com/x", meta={"archiver_seed": True}))
    with pytest.raises(IgnoreRequest):
        scope.process_request(Request("https://accounts.google.com/ServiceLogin"))
    with pytest.raises(IgnoreRequest):
        scope.process_request(Request("https://www.blogger.com/comment.g?blogID=1"))
    with pytest.raises(NotConfigured):
        build_from_crawler(ScopeMiddleware, get_crawler(Spider, project_settings(ARCHIVER_SCOPE_ENABLED=False)))


def test_crawl_log_lines(tmp_path: Path) -> None:
    crawler = get_crawler(Spider, project_settings(ARCHIVER_CRAWL_DIR=str(tmp_path)))
    log = build_from_crawler(CrawlLogMiddleware, crawler)
    log.spider_opened(crawler.spider)
    request = Request(URL, meta={"archiver_kind": "post", "archiver_hop": "L", "archiver_via": f"https://{HOST}/"})
    log.process_response(request, make_response(request))
    log.process_exception(Request(f"https://{HOST}/x.html"), TimeoutError("slow"))
    log.process_exception(Request(f"https://{HOST}/search"), IgnoreRequest("Forbidden by robots.txt"))
    log.spider_closed(crawler.spider, "finished")
    lines = (tmp_path / "crawl.log").read_text().splitlines()
    assert [line.split()[1] for line in lines] == ["200", "-4", "-9998"]
    assert lines[0].split()[3:7] == [URL, "L", f"https://{HOST}/", "text/html"]
    assert crawler.stats.get_value("archiver/fetched/post") == 1
    assert crawler.stats.get_value("archiver/failed/TimeoutError") == 1
    assert crawler.stats.get_value("archiver/precluded/robots") == 1


def test_the_crawl_log_is_core_off_only_by_its_switch(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="ARCHIVER_CRAWLLOG_ENABLED is false"):
        build_from_crawler(
            CrawlLogMiddleware,
            get_crawler(Spider, project_settings(ARCHIVER_CRAWLLOG_ENABLED=False, ARCHIVER_CRAWL_DIR=str(tmp_path))),
        )
    with pytest.raises(ConfigError, match="ARCHIVER_CRAWL_DIR is not set"):
        build_from_crawler(CrawlLogMiddleware, get_crawler(Spider, project_settings()))
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"ARCHIVER_CRAWL_DIR .*a-file is not a folder"):
        build_from_crawler(
            CrawlLogMiddleware, get_crawler(Spider, project_settings(ARCHIVER_CRAWL_DIR=str(tmp_path / "a-file")))
        )


def test_failure_codes() -> None:
    from twisted.internet.error import ConnectionLost, DNSLookupError

    assert failure_code(DNSLookupError()) == -1
    assert failure_code(ConnectionLost()) == -3
    assert failure_code(ValueError()) == -5
    assert failure_code(IgnoreRequest("Forbidden by robots.txt")) == -9998
    assert failure_code(IgnoreRequest("out of scope: https://x.org/robots.txt")) == -5000


def test_extensions_need_a_crawl_dir() -> None:
    for extension in (CdxjIndexExtension, CrawlReportExtension):
        with pytest.raises(NotConfigured):
            build_from_crawler(extension, get_crawler(Spider, project_settings()))


def test_a_page_is_decoded_and_parsed_once_for_links_tamper_flags_and_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery, the tamper scan and the records all read one decoded body and one lxml tree."""
    from lxml import html as lxml_html

    import archiver.middlewares.warc as warc_middleware
    import archiver.records.extract as extract_module
    import archiver.records.html as records_html

    calls: dict[str, int] = {"decode": 0, "parse": 0}

    def counting(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(warc_middleware, "decode_content", counting("decode", warc_middleware.decode_content))
    monkeypatch.setattr(extract_module, "decode_content", counting("decode", extract_module.decode_content))
    monkeypatch.setattr(records_html, "parse_html", counting("parse", records_html.parse_html))
    monkeypatch.setattr(lxml_html, "document_fromstring", counting("parse", lxml_html.document_fromstring))
    middleware = make_middleware(tmp_path)
    written: list[dict[str, Any]] = []

    def capture_written(**kwargs: Any) -> None:
        written.append(kwargs)

    middleware.crawler.signals.connect(capture_written, signal=archiver_signals.capture_written)
    post = f"https://{HOST}/2013/09/post.html"
    request = Request(post, meta={"archiver_kind": "post"})
    page = HTML.replace(b"</body>", b"<script src='https://evil.example/x.js'></script></body>")
    response = make_response(
        request, gzip.compress(page), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    middleware.record(request, response)
    middleware.spider_closed(middleware.crawler.spider, "finished")

    assert calls == {"decode": 1, "parse": 1}
    assert "http://www.cfcr2008.org/" in request.meta[DISCOVERED_KEY].links  # the links
    (signal,) = written
    assert [flag.kind for flag in signal["page"].flags] == ["external_script"]  # the tamper scan
    assert signal["fragments"] is not None  # the records, extracted with the capture
    assert middleware.crawler.stats.get_value("archiver/tamper/flags/external_script") == 1


def test_captures_are_written_off_the_reactor_in_the_order_they_arrive(tmp_path: Path) -> None:
    """``process_response`` hands the writing to the one writer thread and goes on when it is on disk."""
    import asyncio
    import threading

    middleware = make_middleware(tmp_path)
    writers: list[str] = []
    locations: list[Any] = []
    archive = middleware._archive

    def spy(*args: Any) -> Any:
        writers.append(threading.current_thread().name)
        return archive(*args)

    middleware._archive = spy  # type: ignore[method-assign]

    def capture_written(location: Any, **_: Any) -> None:
        locations.append(location)

    middleware.crawler.signals.connect(capture_written, signal=archiver_signals.capture_written)
    requests = [Request(f"https://{HOST}/2013/09/post-{n}.html") for n in range(8)]

    async def crawl() -> list[Response]:
        return await asyncio.gather(*(middleware.process_response(r, make_response(r)) for r in requests))

    responses = asyncio.run(crawl())
    middleware.spider_closed(middleware.crawler.spider, "finished")

    assert [r.url for r in responses] == [r.url for r in requests]
    assert len(writers) == len(requests)
    assert all(name.startswith("warc-writer") for name in writers)
    assert threading.current_thread().name not in writers
    assert [location.url for location in locations] == [r.url for r in requests]
    responses_in_warc = [
        h.get_header("WARC-Target-URI") for h, _, _ in records(tmp_path) if h.get_header("WARC-Type") == "response"
    ]
    assert responses_in_warc == [r.url for r in requests]
    offsets = [location.response.offset for location in locations]
    assert offsets == sorted(offsets)
    assert all(DISCOVERED_KEY in r.meta for r in requests)
    assert middleware.crawler.stats.get_value("archiver/warc/records") == 1 + 3 * len(requests)
    assert middleware.writer.current_path is None  # drained and closed: the .open file got its final name
