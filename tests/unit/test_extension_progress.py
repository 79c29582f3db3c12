"""The progress line."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import Request, Response

from archiver.blogger.urls import KINDS, OTHER_KIND, PAGE_KINDS, REQUISITE_KINDS, STRUCTURE_KINDS
from archiver.errors import ConfigError
from archiver.extensions.progress import ProgressExtension, progress_line
from archiver.extensions.report import summarise, summary_text

RESUMED = {
    "response_received_count": 40,
    "scheduler/enqueued": 10,
    "scheduler/dequeued": 50,
    "archiver/fetched/post": 30,
    "archiver/posts/found": 100,
    "downloader/response_bytes": 2048,
}


def test_queue_length_comes_from_the_scheduler_when_known() -> None:
    line = progress_line(RESUMED, 4.0, queued=123)
    assert line == ("progress: 40 fetched (30 pages, 100 posts found), 123 queued, 2.0 KiB, 0 errors, 10.0 fetches/s")


def test_a_resumed_crawl_never_shows_a_negative_queue() -> None:
    """A resumed run dequeues what the earlier run enqueued: the counters alone would say -40."""
    assert ", 0 queued," in progress_line(RESUMED, 4.0)


@settings(derandomize=True)
@given(st.dictionaries(st.sampled_from(KINDS), st.integers(min_value=0, max_value=10**6)))
def test_the_progress_line_and_the_summary_count_the_same_pages(fetched: dict[str, int]) -> None:
    """Both say "pages" and mean the same responses: the page kinds of archiver.blogger.urls, nothing else."""
    stats = {f"archiver/fetched/{kind}": count for kind, count in fetched.items()}
    summary = summarise(stats, seed="https://b.blogspot.com/", crawl_dir="out", duration_s=1.0, files=[], mended=[])
    pages = sum(count for kind, count in fetched.items() if kind in PAGE_KINDS)
    assert summary["pages"] == pages
    assert f"({pages} pages, " in progress_line(stats, 1.0, queued=0)
    assert f"  pages       {pages} (" in summary_text(summary)
    # and every fetched response is in exactly one of the summary's figures
    assert summary["pages"] + summary["structure"] + summary["requisites"] + summary["other"] == sum(fetched.values())


def test_the_kinds_fall_into_pages_structure_requisites_and_other() -> None:
    groups = [PAGE_KINDS, STRUCTURE_KINDS, REQUISITE_KINDS, {OTHER_KIND}]
    assert sorted(kind for group in groups for kind in group) == sorted(KINDS)


def _extension(**settings: object) -> ProgressExtension:
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from archiver import settings as defaults
    from archiver.spiders.blogspot import BlogspotSpider

    values = {name: getattr(defaults, name) for name in dir(defaults) if name.startswith("ARCHIVER_PROGRESS_")}
    return build_from_crawler(ProgressExtension, get_crawler(BlogspotSpider, {**values, **settings}))


def test_a_live_interval_that_cannot_work_stops_the_crawl_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="ARCHIVER_PROGRESS_LIVE_INTERVAL"):
        _extension(ARCHIVER_PROGRESS_LIVE_INTERVAL=0)
    _extension(ARCHIVER_PROGRESS_LIVE=False, ARCHIVER_PROGRESS_LIVE_INTERVAL=0)  # unused when the line is off


def test_the_posts_archived_are_the_post_pages_received_whole() -> None:
    extension = _extension()
    blog = "https://b.blogspot.com/2024/01/"

    def receive(url: str, status: int = 200, kind: str = "post", flags: list[str] | None = None) -> None:
        request = Request(url, meta={"archiver_kind": kind})
        extension.response_received(Response(url, status=status, flags=flags), request, None)  # type: ignore[arg-type]

    receive(blog + "a.html")
    receive(blog + "a.html?m=1")  # the mobile variant of the same post
    receive(blog + "b.html", status=404)
    receive(blog + "c.html", flags=["cached"])
    receive("https://b.blogspot.com/", kind="home")
    receive(blog + "d.html")
    assert extension._archived() == 2


class _FakeLoop:
    def __init__(self, function: object) -> None:
        self.running = False

    def start(self, interval: float, now: bool = True) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_nothing_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pytest's captured stderr is no terminal: the crawl logs its plain lines only."""
    monkeypatch.setattr("archiver.extensions.progress.create_looping_call", _FakeLoop)
    monkeypatch.setenv("TERM", "xterm")
    extension = _extension()
    extension.spider_opened(None)  # type: ignore[arg-type]
    assert extension.line is None
    extension.spider_closed(None, "finished")  # type: ignore[arg-type]


@pytest.mark.parametrize(("term", "live"), [("xterm", True), ("dumb", False)])
def test_on_a_terminal_the_line_is_drawn_and_left_at_the_end(
    monkeypatch: pytest.MonkeyPatch, term: str, live: bool
) -> None:
    monkeypatch.setattr("archiver.extensions.progress.create_looping_call", _FakeLoop)
    monkeypatch.setenv("TERM", term)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    extension = _extension()
    extension.crawler.stats.open_spider()  # type: ignore[union-attr]
    extension.crawler.stats.set_value("archiver/posts/found", 3)  # type: ignore[union-attr]
    monkeypatch.setattr(extension, "_queued", lambda: 5)  # no engine: the crawl is not started
    extension.earlier = 0  # nor a spider: no earlier run of the crawl
    extension.spider_opened(None)  # type: ignore[arg-type]
    assert (extension.line is not None) is live
    extension.draw()
    extension.spider_closed(None, "finished")  # type: ignore[arg-type]
    if live:
        assert terminal.getvalue().startswith(
            "\rposts 0 archived, 3 found (no sitemap yet) | ETA unknown | 5 queued | "
        )
        assert terminal.getvalue().endswith("\x1b[K\n")
        assert " | done in 0:00 | " in terminal.getvalue().splitlines()[-1]
        assert ProgressExtension._drawing is None  # the next crawl of the process may draw
    else:
        assert terminal.getvalue() == ""
