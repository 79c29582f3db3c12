"""The progress line."""

from __future__ import annotations

from archiver.extensions.progress import progress_line

RESUMED = {"response_received_count": 40, "scheduler/enqueued": 10, "scheduler/dequeued": 50,
           "archiver/fetched/post": 30, "archiver/posts/found": 100, "downloader/response_bytes": 2048}


def test_queue_length_comes_from_the_scheduler_when_known() -> None:
    line = progress_line(RESUMED, 4.0, queued=123)
    assert line == ("progress: 40 fetched (30 pages, 100 posts found), 123 queued, 2.0 KiB, 0 errors, "
                    "10.0 fetches/s")


def test_a_resumed_crawl_never_shows_a_negative_queue() -> None:
    """A resumed run dequeues what the earlier run enqueued: the counters alone would say -40."""
    assert ", 0 queued," in progress_line(RESUMED, 4.0)
