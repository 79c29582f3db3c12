"""Connection ramp-up per host: the slow-start rule, and the extension's settings."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from archiver.errors import ConfigError
from archiver.extensions.rampup import RampUpExtension, SlowStart


def grow(state: SlowStart, answers: int) -> list[int]:
    """The limit after each of ``answers`` good answers."""
    limits = []
    for _ in range(answers):
        state.good()
        limits.append(state.limit)
    return limits


def test_the_limit_doubles_per_round_of_good_answers_up_to_the_ceiling() -> None:
    state = SlowStart(1, 8)
    # a round is as many answers as the limit: 1, then 2, then 4 answers
    assert grow(state, 9) == [2, 2, 4, 4, 4, 4, 8, 8, 8]
    assert grow(state, 20)[-1] == 8  # never past the host's concurrency


def test_a_bad_answer_halves_the_limit_and_growth_becomes_linear() -> None:
    state = SlowStart(8, 8)
    state.bad()
    assert state.limit == 4
    assert grow(state, 4) == [4, 4, 4, 5]  # one more per round above the threshold, not double
    state.bad()
    state.bad()
    state.bad()
    assert state.limit == 1  # never below one


def test_the_start_is_within_the_ceiling() -> None:
    assert SlowStart(4, 2).limit == 2
    assert SlowStart(0, 2).limit == 1


class FakeDownloader:
    DOWNLOAD_SLOT = "download_slot"

    def __init__(self, concurrency: int) -> None:
        self.slots: dict[str, Any] = {}
        self.concurrency = concurrency

    def get_slot_key(self, request: Request) -> str:
        return request.url.split("/")[2]

    def enqueue(self, request: Request) -> None:  # what Scrapy's _enqueue_request does before the signal
        key = self.get_slot_key(request)
        self.slots.setdefault(key, SimpleNamespace(concurrency=self.concurrency))
        request.meta[self.DOWNLOAD_SLOT] = key


def extension(**settings: Any) -> tuple[RampUpExtension, FakeDownloader]:
    crawler = get_crawler(settings_dict={"ARCHIVER_RAMP_UP_ENABLED": True, **settings})
    downloader = FakeDownloader(concurrency=8)
    crawler.engine = SimpleNamespace(downloader=downloader)  # type: ignore[assignment]
    return RampUpExtension.from_crawler(crawler), downloader


def test_each_host_slot_is_held_to_its_own_limit() -> None:
    ramp, downloader = extension(ARCHIVER_RAMP_UP_START=2)
    first = Request("https://a.example/1")
    downloader.enqueue(first)
    ramp.request_reached_downloader(request=first)
    assert downloader.slots["a.example"].concurrency == 2
    for n in range(2):
        request = Request(f"https://a.example/{n}")
        downloader.enqueue(request)
        ramp.request_reached_downloader(request=request)
        ramp.response_downloaded(response=Response(request.url, status=200), request=request)
        ramp.request_left_downloader(request=request)
    assert downloader.slots["a.example"].concurrency == 4
    other = Request("https://b.example/")
    downloader.enqueue(other)
    ramp.request_reached_downloader(request=other)
    assert downloader.slots["b.example"].concurrency == 2  # another host starts small too


@pytest.mark.parametrize("status", [429, 503, None])
def test_overload_answers_and_failed_fetches_back_off(status: int | None) -> None:
    ramp, downloader = extension(ARCHIVER_RAMP_UP_START=8)
    request = Request("https://a.example/")
    downloader.enqueue(request)
    ramp.request_reached_downloader(request=request)
    if status is not None:
        ramp.response_downloaded(response=Response(request.url, status=status), request=request)
    ramp.request_left_downloader(request=request)  # None: it left without an answer (reset, timeout)
    assert downloader.slots["a.example"].concurrency == 4
    assert ramp.crawler.stats is not None
    assert ramp.crawler.stats.get_value("archiver/ramp_up/backoffs") == 1


def test_switched_off_it_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        RampUpExtension(get_crawler(settings_dict={"ARCHIVER_RAMP_UP_ENABLED": False}))


@pytest.mark.parametrize("value", [0, "x"])
def test_a_bad_start_names_the_setting(value: object) -> None:
    with pytest.raises(ConfigError, match="ARCHIVER_RAMP_UP_START"):
        RampUpExtension(get_crawler(settings_dict={"ARCHIVER_RAMP_UP_START": value}))
