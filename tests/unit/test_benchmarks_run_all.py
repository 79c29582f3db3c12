"""The pure parts of ``benchmarks/run_all`` (benchmarks/suite.py): statistics, access logs, verdicts, RESULTS.md.

The benchmarks themselves are never run here: they take minutes to hours.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def suite():
    spec = importlib.util.spec_from_file_location("run_all_suite", BENCHMARKS / "suite.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


TRUTH = "\n".join(
    json.dumps(record)
    for record in (
        {"kind": "post", "post_id": "111", "url": "https://b.blogspot.com/2020/01/a.html", "comment_count": 2},
        {"kind": "post", "post_id": "222", "url": "https://b.blogspot.com/2020/01/b.html", "comment_count": 0},
        {"kind": "page", "post_id": "333", "url": "https://b.blogspot.com/p/about.html", "comment_count": 0},
    )
)


def entry(url, t=1.0, status=200, method="GET"):
    return {"t": t, "method": method, "url": url, "status": status, "bytes": 10, "fault": None, "mode": "tunnel"}


def test_summarize_gives_min_and_median_of_the_measured_values(suite):
    assert suite.summarize([3.0, 1.0, None, 2.0, 10.0]) == {"min": 1.0, "median": 2.5, "n": 4}
    assert suite.summarize([None]) is None
    assert suite.ratio(3, 0) is None
    assert suite.ratio(None, 2) is None
    assert suite.ratio(3, 2) == 1.5


def test_access_log_drops_connect_tunnels(suite):
    text = "\n".join(
        json.dumps(e) for e in (entry("b.blogspot.com:443", method="CONNECT"), entry("https://b.blogspot.com/"))
    )
    assert [e["url"] for e in suite.parse_access_log(text + "\n\n")] == ["https://b.blogspot.com/"]


def test_per_post_comment_feeds_are_told_from_the_all_comments_feed(suite):
    truth = suite.Truth.from_jsonl(TRUTH)
    assert truth.post_urls == {"https://b.blogspot.com/2020/01/a.html", "https://b.blogspot.com/2020/01/b.html"}
    assert suite.post_comment_feed("https://b.blogspot.com/feeds/111/comments/default?alt=json", truth) == "111"
    assert suite.post_comment_feed("https://www.blogger.com/feeds/999/222/comments/default", truth) == "222"
    # the all-comments feed in Blogger's form: the number is the blog's id, no post's
    assert suite.post_comment_feed("https://www.blogger.com/feeds/999/comments/default", truth) is None
    assert suite.post_comment_feed("https://b.blogspot.com/feeds/posts/default", truth) is None


def test_responses_by_kind_counts_empty_comment_feeds_and_repeats(suite):
    from archiver.blogger.urls import classify

    truth = suite.Truth.from_jsonl(TRUTH)
    entries = [
        entry("https://b.blogspot.com/2020/01/a.html"),
        entry("https://b.blogspot.com/feeds/111/comments/default"),
        entry("https://b.blogspot.com/feeds/222/comments/default"),
        entry("https://b.blogspot.com/feeds/333/comments/default"),
        entry("https://b.blogspot.com/feeds/333/comments/default"),
        entry("https://b.blogspot.com/feeds/comments/default"),
    ]
    got = suite.responses_by_kind(entries, truth, classify)
    assert got["by_kind"] == {"comment_feed (per post)": 4, "comment_feed (all comments)": 1, "post": 1}
    assert got["post_comment_feeds"] == 4
    assert got["post_comment_feeds_empty"] == 3  # 222 once, the page 333 twice
    assert got["posts_with_comment_feed_fetched"] == 3
    assert got["posts_with_comments"] == 1
    assert got["duplicates"] == 1


def test_posts_fetched_and_tail(suite):
    truth = suite.Truth.from_jsonl(TRUTH)
    entries = [
        entry("https://b.blogspot.com/2020/01/a.html?m=1", t=100.0),
        entry("https://b.blogspot.com/2020/01/b.html", t=103.5, status=404),
        entry("https://b.blogspot.com/", t=102.0),
    ]
    assert suite.posts_fetched(entries, truth) == 1
    assert suite.tail_seconds(entries, 110.0) == pytest.approx(6.5)
    assert suite.tail_seconds([], 110.0) is None


def test_skips_are_the_archiver_skipped_stats(suite):
    stats = {"archiver/skipped/empty-comment-feed": 12, "archiver/links/skipped/x": 3, "archiver/skipped/b": 1}
    assert suite.skips(stats) == {"b": 1, "empty-comment-feed": 12}


def test_verdicts(suite):
    assert suite.verdict(299, at_most=300) == "met"
    assert suite.verdict(301, at_most=300) == "missed"
    assert suite.verdict(11.9, at_least=12) == "missed"
    assert suite.verdict(None, at_least=12) == "not measured"
    assert suite.combine(["met", "not measured"]) == "not measured"
    assert suite.combine(["not measured", "missed", "met"]) == "missed"
    assert suite.combine(["met", "met"]) == "met"


def crawl_run(**over):
    run = {
        "crawl": "full-2000",
        "exit": 0,
        "load": 0.5,
        "wall_s": 60.0,
        "cpu_s": 50.0,
        "responses": 8000,
        "responses_per_s": 133.3,
        "cpu_ms_per_response": 6.0,
        "wall_ms_per_response": 7.5,
        "max_rss_mib": 200.0,
        "tree_rss_mib": 210.0,
        "tail_s": 3.0,
        "posts_fetched": 2000,
        "truth_posts": 2000,
        "posts_archived": 2000,
        "skips": {"empty-comment-feed": 1500},
        "requests": {
            "by_kind": {"image": 5000, "post": 2000},
            "post_comment_feeds": 300,
            "post_comment_feeds_empty": 0,
            "posts_with_comment_feed_fetched": 300,
            "posts_with_comments": 300,
            "duplicates": 0,
        },
    }
    run.update(over)
    return run


def test_rss_row_judges_the_large_size_and_the_growth(suite):
    small = [crawl_run(max_rss_mib=200.0), crawl_run(max_rss_mib=190.0), crawl_run(max_rss_mib=230.0)]
    row = suite.row_rss(small, [crawl_run(crawl="full-20000", max_rss_mib=250.0)], (2000, 20000))
    assert row.figures["peak RSS MiB, 2,000 posts"] == {"min": 190.0, "median": 200.0, "n": 3}
    assert row.figures["large / small"]["median"] == pytest.approx(1.25)
    assert row.verdict == "met"
    row = suite.row_rss(small, [crawl_run(max_rss_mib=290.0)], (2000, 20000))
    assert row.verdict == "missed"  # under 300 MiB, but 1.45x the small crawl
    assert suite.row_rss(small, [], (2000, 20000)).verdict == "not measured"


def test_cpu_row_says_when_the_bare_crawl_misses_posts(suite):
    row = suite.row_cpu([crawl_run(cpu_ms_per_response=6.0)], [crawl_run(cpu_ms_per_response=5.0)], 2000)
    assert row.verdict == "met"
    assert any("fetched every truth post" in note for note in row.notes)
    row = suite.row_cpu([crawl_run()], [crawl_run(cpu_ms_per_response=4.0, posts_fetched=25)], 2000)
    assert row.verdict == "missed"  # 1.5x
    assert any("25 of 2,000 posts" in note for note in row.notes)


def test_requests_row_misses_on_an_empty_feed_fetched_or_a_lost_post(suite):
    assert suite.row_requests([crawl_run()]).verdict == "met"
    fetched_empty = crawl_run()
    fetched_empty["requests"] = {**fetched_empty["requests"], "post_comment_feeds_empty": 4}
    assert suite.row_requests([fetched_empty]).verdict == "missed"
    assert suite.row_requests([crawl_run(posts_archived=1999)]).verdict == "missed"
    assert suite.row_requests([crawl_run(skips={})]).verdict == "missed"


def test_wget_and_extract_rows(suite):
    pair = {"order": "archiver first", "archiver": crawl_run(responses_per_s=130.0), "ratio": 13.0}
    pair["wget"] = crawl_run(crawl=None, responses_per_s=10.0)
    assert suite.row_wget([pair], 2000, 50).verdict == "met"
    fast = {"cores": "all", "posts_per_s": 500.0, "identical": True, "load": 0.1}
    one = {"cores": "cpu 0", "posts_per_s": 260.0, "identical": True, "load": 0.1}
    assert suite.row_extract([fast], [one], 2000).verdict == "met"
    assert suite.row_extract([fast], [{**one, "identical": False}], 2000).verdict == "missed"


def test_results_markdown_shows_machine_commit_table_and_failures(suite):
    rows = [
        suite.row_tail([crawl_run(crawl="full-20000", tail_s=34.5)], 20000),
        suite.Row("wget", "responses/s vs wget", "at least 12x", error="RuntimeError: no wget"),
    ]
    report = {
        "command": "benchmarks/run_all --quick",
        "finished": "2026-12-01 12:00 UTC",
        "minutes": 3.0,
        "commit": "abc1234 dirty",
        "machine": {
            "cpu": "AMD EPYC",
            "cores": 2,
            "ram_gib": 7.8,
            "kernel": "6.1",
            "python": "3.11.9",
            "scrapy": "2.19.0",
            "lxml": "6.1.3",
            "warcio": "1.7.5",
            "wget": "GNU Wget 1.21",
        },
        "small": 2000,
        "large": 20000,
        "repeat": 3,
        "repeat_large": 1,
    }
    text = suite.render_markdown(report, rows)
    assert "`abc1234 dirty`" in text
    assert "AMD EPYC, 2 cores, 7.8 GiB RAM" in text
    assert "| end-of-crawl tail at 20,000 posts | under 5 s | 34.5 s (min 34.5 s, n 1) | **missed** |" in text
    assert "| responses/s vs wget | at least 12x | failed: RuntimeError: no wget | **not measured** |" in text
    assert "| full-20000 | 0 | 0.500 | 60.0 | 8000 | 34.5 |" in text  # the run, with its load
    assert "started with a 1-minute load above" not in text
    busy = [suite.row_tail([crawl_run(crawl="full-20000", load=3.5)], 20000), rows[1]]
    assert "- load: 1 of 1 runs started with a 1-minute load above 2 (up to 3.5)" in suite.render_markdown(report, busy)


def test_the_results_name_no_folder_of_the_machine(suite):
    argv = ["--repeat", "2", "--keep", "/some/where", "--out=/a/RESULTS.md", "--json", "/b/r.json", "--quick"]
    assert suite._shown(argv) == ["--repeat", "2", "--keep", "DIR", "--out=OUT", "--json", "JSON", "--quick"]
