"""A server that answers every HTML page, feed and sitemap in br, zstd, or "gzip, br": nothing is lost.

Scrapy asks for ``gzip, deflate, br, zstd``; a front end that takes it at its word must not make the archiver
blind. The crawl finds every post, posts.jsonl has them, the WACZ pages have their titles, and the WARC holds
the bodies exactly as sent (still encoded).
"""

from __future__ import annotations

import json
import zipfile
from typing import TYPE_CHECKING

import pytest
from blogger_replica.app import ReplicaApp
from blogger_replica.content import Blog
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import HOSTILE_HOST, HOSTILE_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Hostile

POSTS = 4


def _post_titles() -> set[str]:
    blog = ReplicaApp(Blog(POSTS, 0, "hostile")).blog
    return {post.title for post in blog.posts}


@pytest.mark.parametrize(
    ("behaviour", "coding"), [("br_everywhere", "br"), ("zstd_everywhere", "zstd"), ("gzip_br_everywhere", "gzip, br")]
)
def test_every_post_is_found_read_and_titled_whatever_the_coding(
    hostile_factory: Callable[..., Hostile], tmp_path: Path, behaviour: str, coding: str
) -> None:
    server = hostile_factory(behaviour, posts=POSTS)
    crawl_dir = tmp_path / "crawl"
    result = run_archiver(
        "crawl",
        HOSTILE_URL,
        "--profile",
        "local",
        "-o",
        str(tmp_path),
        "-s",
        f"ARCHIVER_CRAWL_DIR={crawl_dir}",
        env=server.proxy_env(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "unsupported content coding" not in result.stderr
    assert any(entry["answered_by"] == behaviour for entry in server.requests())

    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(posts) == POSTS
    assert all(post["body_complete"] for post in posts)
    assert {post["title"] for post in posts} == _post_titles()

    encoded = []
    for warc in (crawl_dir / "warc").glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.http_headers.get_header("Content-Encoding") == coding:
                    encoded.append(record.rec_headers.get_header("WARC-Target-URI"))
    assert any(url.endswith(".html") and f"//{HOSTILE_HOST}/" in url for url in encoded), encoded

    (wacz,) = crawl_dir.glob("*.wacz")
    with zipfile.ZipFile(wacz) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()[1:]]
    titled = {page["url"]: page.get("title") for page in pages}
    post_pages = [url for url in titled if url.endswith(".html") and "/p/" not in url]
    assert len(post_pages) == POSTS
    assert all(titled[url] for url in titled), titled
