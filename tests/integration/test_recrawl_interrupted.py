"""Recrawls and hard kills: revisits of a resumed crawl, and an interrupted crawl as the original of revisits.

- A second crawl writing revisits (ARCHIVER_DEDUP_REVISITS=url) is killed with SIGKILL mid-way and resumed: a
  revisit is a complete capture, so its URL is not fetched again (the replica's access log), and its links are
  followed from its original's payload, so the crawl ends with every post, and its posts.jsonl is what
  ``archiver extract`` rebuilds from its WARCs.
- A first crawl killed mid-way, its ``.open`` file mended and the blog's index rebuilt: a full second crawl
  refers only to records that crawl completed (each ``WARC-Refers-To`` a readable response of the same URL and
  payload digest in the killed crawl's WARCs), and stores what it never completed as full responses.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import TYPE_CHECKING

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from archiver.records.changes import url_key
from archiver.warc import mend_directory
from archiver.warc.writer import payload_digest
from tests.conftest import BLOG_HOST, BLOG_URL, crawl_command, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

POSTS = 120
FIRST, SECOND = "20240102T030405Z", "20240202T030405Z"
POST_URL = f"{BLOG_URL.rstrip('/')}/2"  # post permalinks: /YYYY/MM/slug.html


def command(out: Path, crawl_id: str, *extra: str) -> list[str]:
    crawl_dir = out / BLOG_HOST / crawl_id
    return crawl_command(out, crawl_dir, "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra)


def crawl(replica: Replica, out: Path, crawl_id: str, *extra: str) -> Path:
    result = subprocess.run(
        command(out, crawl_id, *extra), env=replica.proxy_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out / BLOG_HOST / crawl_id


def kill_mid_posts(replica: Replica, out: Path, crawl_id: str, *extra: str) -> Path:
    """Start a crawl and SIGKILL it once a third of the posts are in its crawl.log."""
    crawl_dir = out / BLOG_HOST / crawl_id
    process = subprocess.Popen(
        command(out, crawl_id, *extra), env=replica.proxy_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    log = crawl_dir / "crawl.log"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and process.poll() is None:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
            if sum(POST_URL in line and ".html " in line for line in lines) >= POSTS // 3:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        returncode = process.wait(30)
    assert returncode == -signal.SIGKILL, "the crawl ended before it could be killed mid-posts"
    assert list((crawl_dir / "warc").glob("*.warc.gz.open"))  # killed while writing
    return crawl_dir


def records(crawl_dir: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, raw payload) of every response and revisit record of the crawl's finished WARCs."""
    found = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    found.append((record.rec_type, dict(record.rec_headers.headers), record.raw_stream.read()))
    return found


def truth_ids() -> list[str]:
    return sorted(r["post_id"] for r in truth_records(Blog(POSTS, 0, DEFAULT_BLOG_NAME)) if r["kind"] == "post")


@pytest.mark.slow
def test_a_resumed_crawl_does_not_fetch_what_its_revisits_hold(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "5")
    out = tmp_path / "out"
    crawl(replica, out, FIRST)
    dedup = ("-s", "ARCHIVER_DEDUP_REVISITS=url")
    second = kill_mid_posts(replica, out, SECOND, *dedup)
    mend_directory(second / "warc")  # what --resume does first; done here to see what the killed run held
    revisited = {url_key(h["WARC-Target-URI"]) for kind, h, _ in records(second) if kind == "revisit"}
    assert any(POST_URL in f"https://{key}" for key in revisited)  # post pages among them: links to follow
    logged = len(replica.requests_logged())
    resumed = subprocess.run(
        command(out, SECOND, "--resume", str(second), *dedup),
        env=replica.proxy_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    fetched = {url_key(str(e["url"])) for e in replica.requests_logged()[logged:] if e["method"] != "CONNECT"} - {
        f"{BLOG_HOST}/robots.txt"
    }  # robots.txt is fetched by every run
    assert fetched  # the resumed run did fetch what the killed one had not reached
    assert not fetched & revisited, sorted(fetched & revisited)[:10]
    posts = [json.loads(line) for line in (second / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(post["post_id"] for post in posts) == truth_ids()  # every post, each once
    rebuilt = tmp_path / "extracted.jsonl"
    extract = run_archiver("extract", str(second), "-o", str(rebuilt))
    assert extract.returncode == 0, extract.stderr[-3000:]
    assert rebuilt.read_bytes() == (second / "posts.jsonl").read_bytes()


@pytest.mark.slow
def test_an_interrupted_crawl_is_the_original_only_of_what_it_completed(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "5")
    out = tmp_path / "out"
    first = kill_mid_posts(replica, out, FIRST)
    mended = mend_directory(first / "warc")
    assert mended
    rebuilt = run_archiver("index", "rebuild", str(out / BLOG_HOST))
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    completed = {h["WARC-Record-ID"]: (h, payload) for kind, h, payload in records(first) if kind == "response"}
    completed_urls = {h["WARC-Target-URI"] for h, _ in completed.values()}
    second = crawl(replica, out, SECOND, "-s", "ARCHIVER_DEDUP_REVISITS=url")
    later = records(second)
    revisits = [h for kind, h, _ in later if kind == "revisit"]
    assert len(revisits) > len(completed) // 2  # the completed records did serve as originals
    for headers in revisits:
        original, payload = completed[headers["WARC-Refers-To"]]  # a complete record of the killed crawl
        assert original["WARC-Target-URI"] == headers["WARC-Target-URI"] == headers["WARC-Refers-To-Target-URI"]
        assert original["WARC-Date"] == headers["WARC-Refers-To-Date"]
        assert payload_digest(payload) == original["WARC-Payload-Digest"] == headers["WARC-Payload-Digest"]
    responses = {h["WARC-Target-URI"] for kind, h, _ in later if kind == "response"}
    never_completed = {h["WARC-Target-URI"] for _, h, _ in later} - completed_urls
    assert any(POST_URL in url for url in never_completed)  # posts the killed crawl never reached
    assert never_completed <= responses  # stored whole, not as revisits of nothing


@pytest.mark.slow
def test_a_killed_incremental_crawl_resumes_as_one(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    """SIGKILL an incremental crawl mid-way; --resume goes on incrementally (crawl.json says so) and ends whole."""
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "20")
    out = tmp_path / "out"
    first = crawl(replica, out, FIRST)
    crawl_dir = out / BLOG_HOST / SECOND
    logged = len(replica.requests_logged())
    process = subprocess.Popen(
        command(out, SECOND, "--incremental"),
        env=replica.proxy_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = crawl_dir / "crawl.log"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and len(log.read_text(encoding="utf-8", errors="replace").splitlines()) >= 40:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        returncode = process.wait(30)
    assert returncode == -signal.SIGKILL, "the incremental crawl ended before it could be killed"
    assert json.loads((crawl_dir / "crawl.json").read_text(encoding="utf-8"))["incremental"] is True
    resumed = subprocess.run(
        command(out, SECOND, "--resume", str(crawl_dir)),  # no --incremental: crawl.json carries it
        env=replica.proxy_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    stats = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/incremental/skipped"] > POSTS // 2  # the resumed run still carried the unchanged posts
    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(post["post_id"] for post in posts) == truth_ids()
    earlier = (first / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    before = {record["post_id"]: record for record in map(json.loads, earlier)}
    assert all(post["content_sha256"] == before[post["post_id"]]["content_sha256"] for post in posts)
    assert (crawl_dir / "changes.jsonl").read_bytes() == b""
    fetched = [e for e in replica.requests_logged()[logged:] if e["method"] != "CONNECT"]
    assert len(fetched) < 0.5 * logged  # both runs together: far fewer requests than the full crawl
    rebuilt = tmp_path / "extracted.jsonl"
    extract = run_archiver("extract", str(crawl_dir), "-o", str(rebuilt))
    assert extract.returncode == 0, extract.stderr[-3000:]
    assert rebuilt.read_bytes() == (crawl_dir / "posts.jsonl").read_bytes()
