"""Hard kills: a crawl killed with SIGKILL at any moment, then resumed, ends with exactly a clean crawl's captures.

The WARC files are the crawl's durable state (each capture one flushed write, the ``.open`` tail mended at
start); ``--resume`` fetches nothing they hold and rebuilds the frontier from the links of the archived pages.
This test kills one crawl five times, at five different moments, resumes it after each kill, and compares the
result with a clean crawl of the same replica: the same URLs captured, every post exactly once in
posts.jsonl, every WARC file valid for ``warcio check``, almost nothing fetched twice.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BLOG_URL, crawl_command

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Replica

POSTS = 300
WARCIO = Path(sys.executable).parent / "warcio"


def crawl_cmd(out: Path, crawl_dir: Path, *extra: str) -> list[str]:
    return crawl_command(out, crawl_dir, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", *extra)


def captured(crawl_dir: Path) -> Counter[str]:
    """How many times each URL has a response record in the crawl's finished WARC files."""
    counts: Counter[str] = Counter()
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    counts[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return counts


class Run:
    """One ``archiver crawl`` subprocess whose stderr is read as it goes."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def kill_when(self, moment: Callable[[], bool], timeout: float = 120) -> bool:
        """SIGKILL the crawl as soon as ``moment()`` holds; False when it ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if moment():
                self.process.send_signal(signal.SIGKILL)
                self._reap()
                return True
            time.sleep(0.005)
        self._reap()
        return False

    def _reap(self) -> None:
        self.process.wait()
        self.reader.join(5)
        assert self.process.stderr is not None
        self.process.stderr.close()


def log_lines(crawl_dir: Path) -> list[str]:
    path = crawl_dir / "crawl.log"
    return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []


@pytest.mark.slow
def test_five_hard_kills_then_resume_give_exactly_a_clean_crawl(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "5")
    env = replica.proxy_env()
    truth_ids = sorted(
        record["post_id"] for record in truth_records(Blog(POSTS, 0, DEFAULT_BLOG_NAME)) if record["kind"] == "post"
    )

    clean_dir = tmp_path / "clean" / "crawl"
    clean = subprocess.run(
        crawl_cmd(tmp_path / "clean", clean_dir), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert clean.returncode == 0, clean.stderr[-3000:]
    clean_urls = set(captured(clean_dir))

    out, crawl_dir = tmp_path / "killed", tmp_path / "killed" / "crawl"
    lines_before = 0

    def new_lines() -> list[str]:
        return log_lines(crawl_dir)[lines_before:]

    post_url = f"{BLOG_URL.rstrip('/')}/2"  # post permalinks: /YYYY/MM/slug.html
    moments: list[tuple[str, Callable[[Run], bool]]] = [
        ("early: the home page fetched", lambda run: len(new_lines()) >= 2),
        ("during the feeds", lambda run: any("/feeds/" in line for line in new_lines())),
        (
            "mid-posts",
            lambda run: sum(post_url in line and ".html " in line for line in log_lines(crawl_dir)) >= POSTS // 2,
        ),
        ("during the requisites", lambda run: sum(".bp.blogspot.com/" in line for line in new_lines()) >= 20),
        ("while writing the end-of-crawl files", lambda run: any("Closing spider" in line for line in run.stderr)),
    ]
    for number, (name, moment) in enumerate(moments):
        args = ("--resume", str(crawl_dir)) if number else ()
        lines_before = len(log_lines(crawl_dir))
        run = Run(crawl_cmd(out, crawl_dir, *args), env)
        assert run.kill_when(lambda run=run, moment=moment: moment(run)), (
            f"kill {number + 1} ({name}): the crawl ended before that moment\n" + "".join(run.stderr[-40:])
        )

    final = subprocess.run(
        crawl_cmd(out, crawl_dir, "--resume", str(crawl_dir)),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert final.returncode == 0, final.stderr[-3000:]

    counts = captured(crawl_dir)
    assert set(counts) == clean_urls, (sorted(clean_urls - set(counts))[:10], sorted(set(counts) - clean_urls)[:10])
    # robots.txt is fetched again by every run (Scrapy keeps its rules in memory); anything else at most rarely
    twice = {url: n for url, n in counts.items() if n > 1 and not url.endswith("/robots.txt")}
    assert len(twice) <= 5, twice
    assert not list((crawl_dir / "warc").glob("*.open"))
    check = subprocess.run(
        [str(WARCIO), "check", *map(str, sorted((crawl_dir / "warc").glob("*.warc.gz")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout[-2000:]
    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(post["post_id"] for post in posts) == truth_ids  # every post, each exactly once
    summary = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))["summary"]
    assert summary["finish_reason"] == "finished"
    assert list(crawl_dir.glob("*.wacz"))
    assert not list(crawl_dir.glob("*.wacz.open"))
