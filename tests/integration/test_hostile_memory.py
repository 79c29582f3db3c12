"""Hostile bodies cannot exhaust the crawler's memory: its peak RSS stays under a stated bound.

The crawler runs in a subprocess; its peak resident set (``VmHWM`` of /proc/PID/status, read while it runs)
must stay under :data:`PEAK_RSS_BOUND`. Before the limits, three gzip bombs took it past 3 GiB in 10 s.
The crawl ends with exit 3, names its give-ups, and still archives every ordinary post.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import HOSTILE_URL
from tests.hostile.behaviours_memory import BOMB_IMAGES, BOMB_PAGES, HUGE_PAGES

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Hostile

MiB = 1024 * 1024
#: the bound the README states: the crawler's peak RSS under these hostile bodies (limits at their defaults)
PEAK_RSS_BOUND = 400 * MiB
POSTS = 4


def _peak_rss(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def _crawl_watching_memory(server: Hostile, out: Path, crawl_dir: Path) -> tuple[int, int, str]:
    cmd = [
        sys.executable,
        "-m",
        "archiver",
        "crawl",
        HOSTILE_URL,
        "--profile",
        "local",
        "-o",
        str(out),
        "-s",
        f"ARCHIVER_CRAWL_DIR={crawl_dir}",
    ]
    stderr_path = out / "crawl.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(cmd, env=server.proxy_env(), stdout=subprocess.DEVNULL, stderr=stderr)
        peak = 0
        deadline = time.monotonic() + 240
        while process.poll() is None:
            peak = max(peak, _peak_rss(process.pid) or 0)
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the crawl did not finish in 240 s")
            time.sleep(0.05)
    return process.returncode, peak, stderr_path.read_text()


def _archived(crawl_dir: Path) -> dict[str, int]:
    """Target URI -> stored (still content-encoded) payload length of every response record."""
    found = {}
    for warc in (crawl_dir / "warc").glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    # as stored: never decoded
                    found[record.rec_headers.get_header("WARC-Target-URI")] = len(record.raw_stream.read())
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("behaviour", "reason", "expected"),
    [
        ("gzip_bombs", "decoded_size_limit", len(BOMB_PAGES)),
        ("huge_bodies", "size_limit", len(HUGE_PAGES) + 1),
    ],
)
def test_hostile_bodies_stay_within_the_memory_bound(
    hostile_factory: Callable[..., Hostile], tmp_path: Path, behaviour: str, reason: str, expected: int
) -> None:
    server = hostile_factory(behaviour, posts=POSTS)
    crawl_dir = tmp_path / "crawl"
    code, peak, stderr = _crawl_watching_memory(server, tmp_path, crawl_dir)
    print(f"{behaviour}: peak RSS {peak / MiB:.0f} MiB, exit {code}")
    assert peak < PEAK_RSS_BOUND, f"peak RSS {peak / MiB:.0f} MiB"
    assert code == 3, stderr[-3000:]

    stats = json.loads((crawl_dir / "stats.json").read_text())
    counters = stats.get("stats", stats)
    assert counters.get(f"archiver/gave_up/{reason}") == expected, {k: v for k, v in counters.items() if "gave_up" in k}
    assert reason in json.dumps(stats["summary"]["gave_up"])
    assert reason in stderr

    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    ordinary = [post for post in posts if "/2099/" not in post["url"]]
    assert len(ordinary) == POSTS
    assert all(post["body_complete"] for post in ordinary)

    archived = _archived(crawl_dir)
    if behaviour == "gzip_bombs":
        # what the server sent is archived as sent (still gzip): pages not parsed, images never decoded
        bombs = [url for url in archived if any(url.endswith(p) for p in BOMB_PAGES + BOMB_IMAGES)]
        assert len(bombs) == len(BOMB_PAGES) + len(BOMB_IMAGES), bombs
        assert all(archived[url] < 10 * MiB for url in bombs)
    else:
        assert not [url for url in archived if "huge" in url]  # refused, never archived cut
