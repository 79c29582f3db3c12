"""The end-of-crawl summary: retries and URLs given up, and the totals of a resumed crawl."""

from __future__ import annotations

from archiver.extensions.report import add_earlier_runs, summarise, summary_text

STATS = {
    "finish_reason": "finished",
    "archiver/fetched/post": 30,
    "response_received_count": 120,
    "archiver/posts/found": 32,
    "retry/count": 5,
    "retry/reason_count/503 Service Unavailable": 3,
    "retry/reason_count/scrapy.exceptions.ResponseDataLossError": 2,
    "archiver/failed/ResponseDataLossError": 2,
    "archiver/gave_up/503": 2,
    "downloader/response_status_count/503": 2,
}


def summary(stats: dict[str, object] = STATS, files: list[str] | None = None) -> dict[str, object]:
    return summarise(
        stats,
        seed="https://b.blogspot.com/",
        crawl_dir="out/b/1",
        duration_s=3.0,
        files=files or ["b-2.warc.gz"],
        mended=[],
    )


def test_retries_and_urls_given_up_are_reported_by_kind() -> None:
    result = summary()
    assert result["retries"] == 5
    assert result["retry_reasons"] == {"503 Service Unavailable": 3, "ResponseDataLossError": 2}
    assert result["gave_up"] == {"503": 2}
    text = summary_text(result)
    assert "gave up on: 2 URLs (503 2); HTTP errors: 503: 2" in text
    assert "retries     5 (503 Service Unavailable 3, ResponseDataLossError 2)" in text


def test_nothing_given_up() -> None:
    text = summary_text(summary({"finish_reason": "finished"}))
    assert "gave up on: none" in text
    assert "retries     0;" in text
    assert "all runs" not in text


def test_a_resumed_crawl_adds_up_its_runs() -> None:
    first = summary({"archiver/fetched/post": 12, "response_received_count": 50}, ["b-1.warc.gz"])
    second = summary()
    add_earlier_runs(second, first)
    assert second["all_runs"] == {
        "runs": 2,
        "posts_archived": 42,
        "responses": 170,
        "warc_files": ["b-1.warc.gz", "b-2.warc.gz"],
    }
    third = summary(files=["b-3.warc.gz"])
    add_earlier_runs(third, second)
    assert third["all_runs"]["runs"] == 3
    assert third["all_runs"]["warc_files"] == ["b-1.warc.gz", "b-2.warc.gz", "b-3.warc.gz"]
    assert "all runs    3 runs of this crawl (resumed): 72 posts archived" in summary_text(third)


def test_post_records_are_reported_only_when_written() -> None:
    written = summary({**STATS, "archiver/posts/written": 30, "archiver/pages/written": 3, "archiver/posts/corpus": 31})
    assert "records     30 posts in posts.jsonl, 3 pages in pages.jsonl; corpus holds 31 posts" in summary_text(written)
    assert "records " not in summary_text(summary())


def test_trap_bounds_hit_are_warnings_in_the_summary() -> None:
    result = summary(
        {
            **STATS,
            "archiver/traps/feed_empty_page": 1,
            "archiver/traps/archive_out_of_range": 2,
            "archiver/traps/cap_archive_month": 3,
            "archiver/traps/pager_no_new_posts": 0,
            "archiver/gave_up/trap_cap_archive_month": 3,
        }
    )
    assert result["traps"] == {"archive_out_of_range": 2, "cap_archive_month": 3, "feed_empty_page": 1}
    assert result["warnings"] == [
        "trap archive_out_of_range: 2 archive page(s) outside the blog's dates (from its posts, archive widget "
        "and feeds) not followed",
        "trap cap_archive_month: 3 archive_month URL(s) past the per-kind cap (ARCHIVER_TRAPS_MAX_PER_KIND) "
        "left out (given up)",
        "trap feed_empty_page: 1 feed page(s) without entries still linked a next page: paging stopped there",
    ]
    lines = summary_text(result).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  warnings    trap archive_out_of_range: 2"))
    assert lines[first + 1].startswith("              trap cap_archive_month: 3")
    assert lines[first + 2].startswith("              trap feed_empty_page: 1")
    assert "gave up on: 5 URLs (503 2, trap_cap_archive_month 3)" in summary_text(result)


def test_no_trap_hit_no_warnings() -> None:
    result = summary()
    assert result["traps"] == {}
    assert result["warnings"] == []
    assert "warnings" not in summary_text(result)


def test_a_resumed_crawl_counts_what_its_warcs_already_held() -> None:
    # after a hard kill no stats.json of the earlier run exists: the figures come from its WARC files
    result = summary(
        {
            "archiver/fetched/post": 41,
            "archiver/resume/earlier/post": 259,
            "archiver/resume/earlier/image": 500,
            "archiver/resume/earlier/feed": 3,
        }
    )
    text = summary_text(result)
    assert "posts       0 found, 41 archived by this run, 300 in all" in text
    assert "resumed     762 captures of earlier runs not fetched again (post 259, feed 3, image 500)" in text


def test_changes_are_a_line_of_counts_by_kind() -> None:
    stats = {
        **STATS,
        "archiver/changes/comment_added": 1,
        "archiver/changes/edited": 3,
        "archiver/changes/new": 2,
        "archiver/changes/missing": 4,
    }
    result = summary(stats)
    assert result["changes"] == {"comment_added": 1, "edited": 3, "missing": 4, "new": 2}
    assert (
        "  changes     2 new, 3 edited, 1 comment_added; 4 posts missing (not found, not answered 404/410: "
        "not counted as deleted) (changes.jsonl)\n"
    ) in summary_text(result)
    first = summary_text(summary({**STATS, "archiver/changes/first_crawl": 1}))
    assert "  changes     first crawl of the blog: nothing to compare with (changes.jsonl is empty)\n" in first
    same = summary_text(summary({**STATS, "archiver/changes/total": 0}))
    assert "  changes     none (changes.jsonl)\n" in same
    assert "changes" not in summary_text(summary())  # no corpus, no comparison


def test_an_incremental_crawl_says_what_it_fetched_carried_and_audited() -> None:
    counts = {"known": 200, "fetched_changed": 5, "fetched_audit": 10, "skipped": 185, "new": 3, "audited": 10}
    result = summary({"finish_reason": "finished", **{f"archiver/incremental/{k}": v for k, v in counts.items()}})
    text = summary_text(result)
    assert ", 185 unchanged (their last captures carried)" in text
    assert (
        "incremental 200 known posts: 15 fetched again (5 changed per the feeds or sitemaps, 0 in neither, 10 "
        "audited, 0 not verifiable), 185 skipped as unchanged, 3 new; audit of 10: no unannounced change"
    ) in text
    loud = summary(
        {"finish_reason": "finished", "archiver/incremental/known": 5, "archiver/incremental/audit_changed": 1}
    )
    assert "1 CHANGED WITHOUT THE FEEDS SAYING SO" in summary_text(loud)
    assert "incremental" not in summary_text(summary({"finish_reason": "finished"}))


def test_a_crawl_with_revisits_says_how_to_replay_it() -> None:
    result = summary({"finish_reason": "finished", "archiver/warc/revisits": 88, "archiver/wacz/requires": ["a.wacz"]})
    text = summary_text(result)
    assert "(88 revisits)" in text
    assert "replay      its revisits' originals are in a.wacz: replay every visit from one file" in text


def test_the_summary_says_how_to_verify_the_crawl_when_a_manifest_follows() -> None:
    text = summary_text(summary({"finish_reason": "finished", "archiver/fixity/manifest": "manifest-sha256.txt"}))
    assert "summary.txt, manifest-sha256.txt)" in text
    assert text.splitlines()[-1] == "  verify      archiver verify out/b/1  (every digest, pointer and token)"
    assert "verify " not in summary_text(summary({"finish_reason": "finished"}))


def test_requests_proven_empty_are_one_line_by_rule() -> None:
    result = summary({"finish_reason": "finished", "archiver/skipped/empty_comment_feed": 234})
    assert result["skipped"] == {"empty_comment_feed": 234}
    assert "skipped     234 requests the archived feeds prove empty (empty_comment_feed 234)" in summary_text(result)
    assert "skipped " not in summary_text(summary({"finish_reason": "finished"}))
