"""The blog's dedup index after two real crawls of the replica into one output folder, and its rebuild.

Both crawls run `archiver crawl` in a subprocess through the replica's proxy, as a user would, one after the
other into the same ``OUTPUT/<host>/``: the second sees the same, unchanged blog. Both store every payload in
full (ARCHIVER_DEDUP_REVISITS=off), so that each crawl's responses are in the index; a revisit record is never
indexed (tests/integration/test_revisits.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from typing import TYPE_CHECKING

from archiver.warc.dedup import DedupIndex
from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

CRAWLS = ("20240102T030405Z", "20240202T030405Z")


def crawl(replica: Replica, out: Path, crawl_id: str) -> None:
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
    args += ["-s", "ARCHIVER_WACZ_ENABLED=False", "-s", "ARCHIVER_DEDUP_REVISITS=off"]
    result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]


def test_two_crawls_fill_the_index_and_a_rebuild_gives_the_same_table(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", "20")
    for crawl_id in CRAWLS:
        crawl(replica, tmp_path, crawl_id)
    blog = tmp_path / BLOG_HOST
    with DedupIndex(blog) as index:
        filled = index.rows()
    by_crawl: dict[str, set[str]] = defaultdict(set)
    digests: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in filled:
        by_crawl[row.crawl_id].add(row.url)
        digests[row.url].append((row.crawl_id, row.digest))
    assert set(by_crawl) == set(CRAWLS)
    # every response of both crawls is in the index: the same URLs, read back from the WARCs themselves
    for crawl_id in CRAWLS:
        warcs = sorted((blog / crawl_id / "warc").glob("*.warc.gz"))
        assert warcs
        assert {row.file for row in filled if row.crawl_id == crawl_id} == {
            f"{crawl_id}/warc/{path.name}" for path in warcs
        }
    assert by_crawl[CRAWLS[0]] == by_crawl[CRAWLS[1]]
    posts = {url for url in by_crawl[CRAWLS[0]] if url.endswith(".html") and "/20" in url and "?" not in url}
    assert len(posts) == 20
    unchanged = [url for url, seen in digests.items() if len({digest for _, digest in seen}) == 1]
    assert posts <= set(unchanged)  # the blog did not change: each post's payload is archived twice
    with DedupIndex(blog) as index:
        for url in unchanged:
            (first, _), (second, digest) = sorted(digests[url])
            assert (first, second) == CRAWLS
            original = index.original(url, digest)
            assert original is not None
            assert original.crawl_id == CRAWLS[0]  # the earliest capture is the original
    # `archiver index rebuild` makes the same table from the WARC files alone
    (blog / "dedup.sqlite").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "archiver", "index", "rebuild", str(blog)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(filled)} response records, 2 crawls" in result.stdout
    with DedupIndex(blog) as index:
        assert sorted(index.rows()) == sorted(filled)
