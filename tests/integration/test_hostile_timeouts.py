"""Slow-drip and silent servers time out and are named; the rest of the blog is archived.

One post page never answers (the request is read, nothing is sent, the connection is held); another sends
its headers and then one byte per second. With ``DOWNLOAD_TIMEOUT=3`` and one retry, the crawl must end on
its own in seconds, exit 3, name the timeout in its give-ups, log every attempt as Heritrix's -4, archive
nothing of those pages as a complete answer, and still archive every other post from its own page.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import HOSTILE_URL, run_archiver
from tests.hostile.behaviours_timeouts import hostile_paths

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Hostile

POSTS = 5
TIMEOUT = 3  # DOWNLOAD_TIMEOUT, seconds
BASE = HOSTILE_URL.rstrip("/")


def test_silent_and_dripping_post_pages_time_out_and_are_named(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    server = hostile_factory("silent_post", "drip_post", posts=POSTS)
    stuck = [BASE + path for path in hostile_paths(POSTS)]
    crawl_dir = tmp_path / "crawl"
    started = time.monotonic()
    result = run_archiver(
        "crawl",
        HOSTILE_URL,
        "--profile",
        "local",
        "-o",
        str(tmp_path),
        "-s",
        f"ARCHIVER_CRAWL_DIR={crawl_dir}",
        "-s",
        f"DOWNLOAD_TIMEOUT={TIMEOUT}",
        "-s",
        "RETRY_TIMES=1",
        env=server.proxy_env(),
        timeout=60,
    )
    elapsed = time.monotonic() - started
    print(f"crawl with a silent and a dripping post page: {elapsed:.1f} s, exit {result.returncode}")
    # two attempts of 3 s each, side by side with the rest of the crawl: the hold of an hour never matters
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert result.returncode == 3, result.stderr[-3000:]

    stats = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))
    gave_up = stats["summary"]["gave_up"]
    assert any("Timeout" in reason for reason in gave_up), gave_up
    assert sum(count for reason, count in gave_up.items() if "Timeout" in reason) == len(stuck), gave_up
    assert "Timeout" in result.stderr

    # every attempt is a -4 line: the first and the retry ("1t"), for each stuck page
    lines = (crawl_dir / "crawl.log").read_text(encoding="utf-8").splitlines()
    for url in stuck:
        attempts = [fields for fields in map(str.split, lines) if fields[3] == url]  # time, status, size, URL
        assert [fields[1] for fields in attempts] == ["-4", "-4"], attempts
        assert any(fields[-1].startswith("1t,") and "Timeout" in fields[-1] for fields in attempts), attempts

    # nothing of them is in the WARC as a complete 200
    for warc in (crawl_dir / "warc").glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri in stuck:
                    assert record.http_headers.get_statuscode() != "200" or record.rec_headers.get_header(
                        "WARC-Truncated"
                    ), uri

    # every other post is archived, from its own page
    posts = {
        post["url"]: post
        for post in (json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines())
    }
    others = [url for url in posts if url not in stuck]
    assert len(others) == POSTS - len(stuck)
    for url in others:
        assert posts[url]["source"]["url"] == url
        assert posts[url]["body_complete"]
    # the stuck posts' records, if any, come from the feeds: never from a page that was not received
    assert all(posts[url]["source"]["url"] != url for url in stuck if url in posts)
