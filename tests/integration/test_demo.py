"""The README's one command: ``blogger-replica demo`` (what ``./dev.sh demo`` runs) crawls the replica."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from tests.conftest import BLOG_HOST

if TYPE_CHECKING:
    from pathlib import Path


def test_demo_archives_every_post_of_the_replica(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "blogger_replica", "demo", "--posts", "12", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"replica of https://{BLOG_HOST}/ (12 posts) at http://127.0.0.1:" in run.stdout
    crawl_dirs = [p for p in (tmp_path / BLOG_HOST).iterdir() if p.is_dir() and p.name != "corpus"]
    assert len(crawl_dirs) == 1
    assert len(list((crawl_dirs[0] / "warc").glob("*.warc.gz"))) == 1
    posts = (crawl_dirs[0] / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(posts) == 12
    summary = (crawl_dirs[0] / "summary.txt").read_text(encoding="utf-8")
    assert summary.splitlines()[1] in run.stdout + run.stderr  # the summary is printed
