"""The progress line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.blogger.urls import KINDS, OTHER_KIND, PAGE_KINDS, REQUISITE_KINDS, STRUCTURE_KINDS
from archiver.extensions.progress import progress_line
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
