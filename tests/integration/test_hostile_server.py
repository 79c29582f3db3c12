"""The hostile server's own blog, with no misbehaviour, is an ordinary Blogger site: a crawl archives it whole.

Every hostile test starts from this baseline, so a failure there means the misbehaviour, not the fixture.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.conftest import HOSTILE_HOST, HOSTILE_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Hostile


def test_the_hostile_servers_plain_blog_is_archived_whole(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    server = hostile_factory(posts=4)
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
    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(posts) == 4
    assert {post["blog_host"] for post in posts} == {HOSTILE_HOST}
    hosts = {entry["host"] for entry in server.requests()}
    assert HOSTILE_HOST in hosts
    assert all(
        host.endswith(("blogspot.com", "blogger.com", "blogblog.com", "googleusercontent.com")) for host in hosts
    ), hosts
