"""BackoffRetryMiddleware: where it sits, when it retries, how long it waits; and the download handler."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost

import archiver.settings
from archiver.middlewares import retry as retry_module
from archiver.middlewares.retry import BackoffRetryMiddleware, parse_retry_after, retry_delay, status_reason

if TYPE_CHECKING:
    from collections.abc import Coroutine

URL = "https://gongminziyoulianmeng.blogspot.com/2013/09/post.html"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def project_settings(**overrides: Any) -> dict[str, Any]:
    values = {name: getattr(archiver.settings, name) for name in dir(archiver.settings) if name.isupper()}
    values.update(overrides)
    return values


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the middleware asked for, without waiting."""
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry_module.asyncio, "sleep", fake_sleep)
    return waits


def make(**overrides: Any) -> BackoffRetryMiddleware:
    crawler = get_crawler(Spider, project_settings(**overrides))
    crawler.spider = Spider.from_crawler(crawler, name="test")
    return build_from_crawler(BackoffRetryMiddleware, crawler)


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


def test_project_places_retries_between_the_recorder_and_the_crawl_log() -> None:
    order = archiver.settings.DOWNLOADER_MIDDLEWARES
    assert order["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    recorder = order["archiver.middlewares.warc.WarcRecorderMiddleware"]
    crawl_log = order["archiver.middlewares.crawllog.CrawlLogMiddleware"]
    assert recorder < order["archiver.middlewares.retry.BackoffRetryMiddleware"] < crawl_log


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("1", NOW) == 1.0
    assert parse_retry_after(" 120 ", NOW) == 120.0
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=30), usegmt=True), NOW) == 30.0
    assert parse_retry_after(format_datetime(NOW - timedelta(seconds=30), usegmt=True), NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_delay_is_the_servers_word_else_exponential_backoff_and_always_capped() -> None:
    assert [retry_delay(n, None, base=2, cap=60) for n in (1, 2, 3, 6)] == [2, 4, 8, 60]
    assert retry_delay(3, 1.0, base=2, cap=60) == 1.0
    assert retry_delay(1, 3600.0, base=2, cap=60) == 60
    assert retry_delay(1, None, base=0, cap=60) == 0


def test_status_reason() -> None:
    assert status_reason(429) == "429 Too Many Requests"  # Scrapy's own says "429 Unknown Status"
    assert status_reason(599) == "599 Unknown Status"


def test_a_429_is_retried_after_its_retry_after(slept: list[float]) -> None:
    middleware = make(ARCHIVER_RETRY_DELAY=0.5, ARCHIVER_RETRY_MAX_DELAY=10)
    request = Request(URL)
    response = Response(URL, status=429, headers={"Retry-After": "7"}, request=request)
    retried = run(middleware.process_response(request, response))
    assert isinstance(retried, Request)
    assert (retried.url, retried.meta["retry_times"], retried.dont_filter) == (URL, 1, True)
    assert slept == [7.0]
    stats = middleware.crawler.stats
    assert stats is not None
    assert stats.get_value("retry/reason_count/429 Too Many Requests") == 1
    assert stats.get_value("archiver/retry/retry_after") == 1
    assert stats.get_value("archiver/retry/waited_ms") == 7000


def test_a_5xx_backs_off_and_the_last_answer_is_passed_on(slept: list[float]) -> None:
    middleware = make(ARCHIVER_RETRY_DELAY=0.5, RETRY_TIMES=2)
    request = Request(URL)
    for _ in range(2):
        retried = run(middleware.process_response(request, Response(URL, status=503, request=request)))
        assert isinstance(retried, Request)
        request = retried
    last = Response(URL, status=503, request=request)
    assert run(middleware.process_response(request, last)) is last  # no retries left: it reaches the recorder
    assert slept == [0.5, 1.0]  # ARCHIVER_RETRY_DELAY, doubled


@pytest.mark.parametrize(("status", "meta"), [(200, {}), (404, {}), (503, {"dont_retry": True})])
def test_other_answers_pass_at_once(slept: list[float], status: int, meta: dict[str, Any]) -> None:
    request = Request(URL, meta=meta)
    response = Response(URL, status=status, request=request)
    assert run(make().process_response(request, response)) is response
    assert slept == []


def test_a_broken_fetch_is_retried_after_a_backoff(slept: list[float]) -> None:
    middleware = make(ARCHIVER_RETRY_DELAY=0.25)
    retried = run(middleware.process_exception(Request(URL), ConnectionLost()))
    assert isinstance(retried, Request)
    assert retried.meta["retry_times"] == 1
    assert slept == [0.25]
    assert run(middleware.process_exception(Request(URL), ValueError("not a network error"))) is None


def test_negative_delays_are_refused() -> None:
    with pytest.raises(NotConfigured, match="must not be negative"):
        make(ARCHIVER_RETRY_DELAY=-1)


#: built in a child process with the project's settings: Scrapy's handler installs the reactor it is given
_HANDLER_SCRIPT = """
import json
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _LenientHTTP11ClientFactory
from twisted.web.client import HTTPConnectionPool
from archiver.downloader import VisibleRetryHTTP11DownloadHandler, _RecordingFactory

settings = get_project_settings()
install_reactor(settings["TWISTED_REACTOR"])
crawler = Crawler(Spider, settings)
handler = build_from_crawler(VisibleRetryHTTP11DownloadHandler, crawler)
# what download_request hands to the agent: Scrapy's own attributes, read from the real handler
read = ["_contextFactory", "_bind_address", "_default_maxsize", "_default_warnsize", "_fail_on_dataloss",
        "_crawler", "_tls_verbose_logging"]
print(json.dumps({
    "scrapy_handler": isinstance(handler, HTTP11DownloadHandler),
    "pool": isinstance(handler._pool, HTTPConnectionPool),
    "retries_automatically": handler._pool.retryAutomatically,
    "recording_factory": handler._pool._factory is _RecordingFactory,
    "lenient_parser": issubclass(_RecordingFactory, _LenientHTTP11ClientFactory),
    "missing": [name for name in read if not hasattr(handler, name)],
    "download_with": callable(getattr(handler, "_download_with", None)),
}))
"""


def test_download_handler_does_not_resend_silently() -> None:
    """Scrapy's real handler, built as a crawl builds it: Twisted's silent resend off, the recording parser on.

    In a child process, because Scrapy's handler installs the crawl's reactor. If a Scrapy release renames what
    the handler relies on (its pool, the attributes its agent is built from), this fails.
    """
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "archiver.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _HANDLER_SCRIPT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "scrapy_handler": True,
        "pool": True,
        "retries_automatically": False,
        "recording_factory": True,
        "lenient_parser": True,
        "missing": [],
        "download_with": True,
    }
    assert archiver.settings.DOWNLOAD_HANDLERS["https"] == "archiver.downloader.VisibleRetryHTTP11DownloadHandler"
    assert archiver.settings.DOWNLOAD_HANDLERS["http"] == "archiver.downloader.VisibleRetryHTTP11DownloadHandler"
