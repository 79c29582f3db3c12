"""Crawler traps end on their own: an endless calendar, pager, feed or sitemap, and a post with a growing query.

Each crawl runs the CLI against the tests' hostile server (through it as a proxy, with real host names) and must
end by itself well inside a minute, after a bounded number of requests (from the server's own request log),
with every real post archived and the bound it hit named in the summary.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest
from blogger_replica.app import ReplicaApp
from blogger_replica.content import Blog

from tests.conftest import HOSTILE_HOST, HOSTILE_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Hostile

POSTS = 5
SECONDS = 45  # "well under a minute": the traps ran forever (10,139 calendar pages in 60 s) before the bounds


def _post_urls() -> set[str]:
    blog = ReplicaApp(Blog(POSTS, 0, "hostile")).blog
    return {f"https://{HOSTILE_HOST}{post.path}" for post in blog.posts}


def _crawl(server: Hostile, tmp_path: Path, *settings: str) -> tuple[int, dict[str, object], str, float]:
    crawl_dir = tmp_path / "crawl"
    args = [
        "crawl",
        HOSTILE_URL,
        "--profile",
        "local",
        "--ignore-robots",
        "-o",
        str(tmp_path),
        "-s",
        f"ARCHIVER_CRAWL_DIR={crawl_dir}",
        "-s",
        "ARCHIVER_DISCOVERY_FEED_PAGE_SIZE=25",
    ]
    for setting in settings:
        args += ["-s", setting]
    started = time.monotonic()
    result = run_archiver(*args, env=server.proxy_env(), timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 3), result.stderr[-3000:]
    summary = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))["summary"]
    posts = {json.loads(line)["url"] for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()}
    assert posts == _post_urls()  # every real post archived, none invented by the trap
    return result.returncode, summary, (crawl_dir / "summary.txt").read_text(encoding="utf-8"), elapsed


@pytest.mark.parametrize(
    ("behaviour", "bound", "most_requests"),
    [
        # the blog's 5 posts span 2012-02..2014-01: its 24 months and 3 years, not 1900-9999
        ("endless_calendar", "archive_out_of_range", 150),
        ("endless_pager", "pager_no_new_posts", 150),
        ("endless_feed", "feed_empty_page", 150),
        ("sitemap_repeats", "sitemap_no_new", 150),
    ],
)
def test_a_trap_ends_on_its_own_and_is_named(
    hostile_factory: Callable[..., Hostile], tmp_path: Path, behaviour: str, bound: str, most_requests: int
) -> None:
    server = hostile_factory(behaviour, posts=POSTS)
    status, summary, text, elapsed = _crawl(server, tmp_path)
    requests = server.requests()
    assert elapsed < SECONDS
    assert any(entry["answered_by"] == behaviour for entry in requests)
    assert len(requests) <= most_requests, len(requests)
    traps = summary["traps"]
    assert isinstance(traps, dict), traps
    assert traps.get(bound), traps
    assert f"trap {bound}: " in text
    assert status == 0  # a natural stop loses nothing known: no give-up
    assert not summary["gave_up"]


def test_the_calendar_fetches_only_the_blogs_own_dates(hostile_factory: Callable[..., Hostile], tmp_path: Path) -> None:
    server = hostile_factory("endless_calendar", posts=POSTS)
    _crawl(server, tmp_path)
    months = sorted({entry["path"] for entry in server.requests() if entry["answered_by"] == "endless_calendar"})
    first = min(url.split("/")[3] + url.split("/")[4] for url in _post_urls())
    last = max(url.split("/")[3] + url.split("/")[4] for url in _post_urls())
    for path in months:
        parts = path.strip("/").split("/")
        if len(parts) == 2:
            assert first <= parts[0] + parts[1] <= last, path
        else:
            assert first[:4] <= parts[0] <= last[:4], path


def test_a_cap_is_a_give_up(hostile_factory: Callable[..., Hostile], tmp_path: Path) -> None:
    server = hostile_factory("endless_calendar", posts=POSTS)
    status, summary, text, elapsed = _crawl(server, tmp_path, 'ARCHIVER_TRAPS_MAX_PER_KIND={"archive_month": 10}')
    assert elapsed < SECONDS
    assert status == 3  # something known was left out
    gave_up = summary["gave_up"]
    assert isinstance(gave_up, dict)
    assert gave_up.get("trap_cap_archive_month")
    assert "trap cap_archive_month: " in text
    assert "trap_cap_archive_month" in text


def test_a_post_linking_itself_with_a_growing_query_is_fetched_once(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    server = hostile_factory("growing_query", posts=POSTS)
    status, summary, _, elapsed = _crawl(server, tmp_path)
    assert elapsed < SECONDS
    assert status == 0
    post_requests = [entry for entry in server.requests() if entry["answered_by"] == "growing_query"]
    assert len(post_requests) == POSTS  # each post once: its self-links with a query are the same post
    assert all(not entry["query"] for entry in post_requests)
