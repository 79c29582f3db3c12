"""The live progress line: its text (rate, ETA, width), when it is drawn, and log lines kept whole around it."""

from __future__ import annotations

import io
import logging
import os
import pty

import pytest

from archiver.extensions.progress import SITEMAP_POSTS, live_text
from archiver.progressbar import (
    ERASE_LINE,
    LIVE_SHOWN,
    LiveLine,
    Meter,
    RateWindow,
    attach_logging,
    clip,
    duration_text,
    eta_text,
    live_wanted,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_durations_read_as_a_clock() -> None:
    assert [duration_text(s) for s in (0, 5, 65, 3725, 90000)] == ["0:00", "0:05", "1:05", "1:02:05", "1d 1h"]


def test_the_eta_is_what_remains_over_the_rate() -> None:
    assert eta_text(300, 10.0) == "ETA 0:30"
    assert eta_text(None, 10.0) == "ETA unknown"  # no total
    assert eta_text(300, 0.0) == "ETA unknown"  # nothing done yet: no rate


def test_a_line_is_clipped_to_the_width_with_a_mark() -> None:
    assert clip("x" * 10, 10) == "x" * 10
    assert clip("x" * 11, 10) == "x" * 7 + "..."
    assert clip("abcdef", 2) == "ab"
    assert clip("abc", 0) == ""


def test_the_rate_is_the_recent_one() -> None:
    window = RateWindow(window=10.0)
    for second in range(0, 31):
        window.add(float(second), 100.0 * second if second <= 20 else 2000.0 + second - 20)
    assert window.rate() == pytest.approx(1.0)  # 1/s over the last 10 s, not the run's average of ~65/s


def test_a_meter_says_done_of_total_rate_and_eta() -> None:
    clock = Clock()
    line = LiveLine(Terminal(), clock=clock, width=lambda: 200)
    meter = Meter("verify", unit="bytes", total=10 * 1024 * 1024, line=line, clock=clock)
    clock.now += 2
    meter.update(2 * 1024 * 1024)
    assert meter.text() == "verify: 2.0 MiB of 10.0 MiB (20%) | 1.0 MiB/s | ETA 0:08"
    records = Meter("extract", unit="records", total=None, line=line, clock=clock)
    clock.now += 4
    records.update(2000)
    assert records.text() == "extract: 2,000 records | 500 records/s | ETA unknown"


def test_the_live_line_is_redrawn_in_place_clipped_and_at_most_every_interval() -> None:
    clock, stream = Clock(), Terminal()
    line = LiveLine(stream, min_interval=0.25, clock=clock, width=lambda: 20)
    line.update("first state, long enough to be clipped")
    clock.now += 0.1
    line.update("second")  # too soon: not drawn
    clock.now += 0.2
    line.update("third")
    line.close()
    assert stream.getvalue() == (
        "\rfirst state, lon..." + ERASE_LINE + "\rthird" + ERASE_LINE + "\rthird" + ERASE_LINE + "\n"
    )


def test_log_lines_are_printed_whole_above_the_live_line() -> None:
    stream, other = Terminal(), io.StringIO()
    logger = logging.getLogger("test_progressbar.whole")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    terminal_handler, file_handler = logging.StreamHandler(stream), logging.StreamHandler(other)
    logger.handlers = [terminal_handler, file_handler]
    line = LiveLine(stream, min_interval=0, width=lambda: 80)
    detach = attach_logging(line, logger)
    try:
        line.update("posts 1/2 archived")
        logger.info("a log line")
        logger.info("progress: 1 fetched", extra={LIVE_SHOWN: True})
        line.update("posts 2/2 archived")
        line.close()
    finally:
        detach()
        logger.handlers = []
    assert logger.handlers == []
    assert stream.getvalue() == (
        f"\rposts 1/2 archived{ERASE_LINE}"
        f"\r{ERASE_LINE}a log line\n"  # erased, then the log line from the start of the row
        f"\rposts 1/2 archived{ERASE_LINE}"  # drawn again below it
        f"\rposts 2/2 archived{ERASE_LINE}"
        f"\rposts 2/2 archived{ERASE_LINE}\n"  # the final line stays
    )
    # what the live line shows is not printed on the terminal, but every other handler has it
    assert other.getvalue() == "a log line\nprogress: 1 fetched\n"


def test_detach_gives_back_the_handlers() -> None:
    stream = Terminal()
    logger = logging.getLogger("test_progressbar.detach")
    handler = logging.StreamHandler(stream)
    logger.handlers = [handler]
    detach = attach_logging(LiveLine(stream), logger)
    assert logger.handlers != [handler]
    detach()
    assert logger.handlers == [handler]
    logger.handlers = []


def test_live_only_on_a_terminal_that_is_not_dumb_and_not_switched_off() -> None:
    assert not live_wanted(io.StringIO(), term="xterm")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as tty:
        assert live_wanted(tty, term="xterm")
        assert not live_wanted(tty, term="dumb")
        assert not live_wanted(tty, enabled=False, term="xterm")
    os.close(master)


def test_the_crawl_line_counts_posts_of_the_sitemap_and_its_eta() -> None:
    stats = {"archiver/posts/found": 120, SITEMAP_POSTS: 150, "downloader/response_bytes": 3 * 1024 * 1024}
    stats["archiver/failed/post"] = 2
    text = live_text(stats, archived=90, queued=45, rate=25.06, post_rate=3.0)
    assert text == "posts 90/150 archived, 120 found | ETA 0:20 | 45 queued | 25.1 responses/s | 3.0 MiB | 2 errors"


def test_the_crawl_line_total_is_the_larger_of_the_sitemap_and_the_posts_found() -> None:
    text = live_text({"archiver/posts/found": 200, SITEMAP_POSTS: 150}, archived=100, queued=0, rate=1, post_rate=10)
    assert text.startswith("posts 100/200 archived, 200 found | ETA 0:10 |")


def test_the_crawl_line_before_any_sitemap_has_no_eta() -> None:
    text = live_text({"archiver/posts/found": 12}, archived=3, queued=7, rate=5.0, post_rate=1.0)
    assert text.startswith("posts 3 archived, 12 found (no sitemap yet) | ETA unknown | 7 queued |")


def test_the_crawl_line_says_when_the_posts_are_done_and_the_final_time() -> None:
    stats = {"archiver/posts/found": 150, SITEMAP_POSTS: 150}
    assert " | posts done | " in live_text(stats, archived=150, queued=60, rate=5.0, post_rate=0.0)
    final = live_text(stats, archived=150, queued=0, rate=5.0, post_rate=0.0, elapsed=65)
    assert " | done in 1:05 | " in final
